package apiserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/wharf/wharf/api/errdefs"
)

// User is who a request comes from.
type User struct {
	Name   string
	Groups []string
}

type userKey struct{}

// UserFrom returns the authenticated user of a request's context.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

// tokenAuthenticator checks bearer tokens against a fixed set. Tokens are
// compared as SHA-256 digests in constant time, so neither their length nor
// their content leaks through timing.
type tokenAuthenticator struct {
	tokens map[[32]byte]User
}

func newTokenAuthenticator(tokens map[string]User) *tokenAuthenticator {
	a := &tokenAuthenticator{tokens: make(map[[32]byte]User, len(tokens))}
	for t, u := range tokens {
		a.tokens[sha256.Sum256([]byte(t))] = u
	}
	return a
}

func (a *tokenAuthenticator) authenticate(r *http.Request) (User, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return User{}, false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	var found User
	matched := 0
	for k, u := range a.tokens {
		if subtle.ConstantTimeCompare(k[:], sum[:]) == 1 {
			found, matched = u, 1
		}
	}
	return found, matched == 1
}

// middleware answers 401 to a request without a valid token.
func (a *tokenAuthenticator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.authenticate(r)
		if !ok {
			writeError(w, r, errdefs.Unauthorized("Unauthorized"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}
