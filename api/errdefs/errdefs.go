// Package errdefs is Wharf's error vocabulary. Every layer returns these
// errors (wrapped with %w where it adds information); the API server turns
// them into Status replies in one place and the client turns Status replies
// back into them, so a caller anywhere can ask errors.Is(err, errdefs.ErrNotFound).
package errdefs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wharf/wharf/api/meta"
)

// Error is an API error: a reason, the HTTP code it answers with, a message
// for people and, for Invalid, the fields at fault.
type Error struct {
	Reason  meta.StatusReason
	Code    int
	Message string
	// Details names the object and, for Invalid, the causes.
	Details *meta.StatusDetails
}

func (e *Error) Error() string { return e.Message }

// Is matches any *Error of the same reason, so the sentinels below work with
// errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason && (t.Code == 0 || t.Code == e.Code)
}

// Sentinels for errors.Is.
var (
	ErrNotFound              = &Error{Reason: meta.StatusReasonNotFound}
	ErrAlreadyExists         = &Error{Reason: meta.StatusReasonAlreadyExists}
	ErrConflict              = &Error{Reason: meta.StatusReasonConflict}
	ErrInvalid               = &Error{Reason: meta.StatusReasonInvalid}
	ErrBadRequest            = &Error{Reason: meta.StatusReasonBadRequest}
	ErrUnauthorized          = &Error{Reason: meta.StatusReasonUnauthorized}
	ErrForbidden             = &Error{Reason: meta.StatusReasonForbidden}
	ErrExpired               = &Error{Reason: meta.StatusReasonExpired}
	ErrGone                  = &Error{Reason: meta.StatusReasonGone}
	ErrTooManyRequests       = &Error{Reason: meta.StatusReasonTooManyRequests}
	ErrRequestEntityTooLarge = &Error{Reason: meta.StatusReasonRequestEntityTooLarge}
	ErrMethodNotAllowed      = &Error{Reason: meta.StatusReasonMethodNotAllowed}
	ErrNotAcceptable         = &Error{Reason: meta.StatusReasonNotAcceptable}
	ErrUnsupportedMediaType  = &Error{Reason: meta.StatusReasonUnsupportedMediaType}
	ErrTimeout               = &Error{Reason: meta.StatusReasonTimeout}
	ErrServiceUnavailable    = &Error{Reason: meta.StatusReasonServiceUnavailable}
	ErrInternal              = &Error{Reason: meta.StatusReasonInternalError}
)

// Resource names a kind of object in messages: "pods", `deployments.apps`.
type Resource struct {
	Group    string
	Resource string
}

func (r Resource) String() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

func details(r Resource, name string) *meta.StatusDetails {
	return &meta.StatusDetails{Name: name, Group: r.Group, Kind: r.Resource}
}

// NotFound says the named object does not exist.
func NotFound(r Resource, name string) *Error {
	return &Error{meta.StatusReasonNotFound, http.StatusNotFound,
		fmt.Sprintf("%s %q not found", r, name), details(r, name)}
}

// AlreadyExists says an object of that name exists already.
func AlreadyExists(r Resource, name string) *Error {
	return &Error{meta.StatusReasonAlreadyExists, http.StatusConflict,
		fmt.Sprintf("%s %q already exists", r, name), details(r, name)}
}

// Conflict says the write raced with another one.
func Conflict(r Resource, name, why string) *Error {
	return &Error{meta.StatusReasonConflict, http.StatusConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: %s", r, name, why), details(r, name)}
}

// StaleResourceVersion is the Conflict of an update whose resourceVersion is
// not the current one.
func StaleResourceVersion(r Resource, name string) *Error {
	return Conflict(r, name, "the object has been modified; please apply your changes to the latest version and try again")
}

// Cause is one invalid field.
type Cause struct {
	// Type is Kubernetes' cause type: FieldValueInvalid, FieldValueRequired, ...
	Type    string
	Field   string
	Message string
}

// Invalid says the object failed validation; each cause names a field.
func Invalid(kind, name string, causes []Cause) *Error {
	msgs := make([]string, 0, len(causes))
	sc := make([]meta.StatusCause, 0, len(causes))
	for _, c := range causes {
		msgs = append(msgs, c.Field+": "+c.Message)
		sc = append(sc, meta.StatusCause{Type: c.Type, Field: c.Field, Message: c.Message})
	}
	msg := fmt.Sprintf("%s %q is invalid", kind, name)
	switch len(msgs) {
	case 0:
	case 1:
		msg += ": " + msgs[0]
	default:
		msg += ": [" + strings.Join(msgs, ", ") + "]"
	}
	return &Error{meta.StatusReasonInvalid, http.StatusUnprocessableEntity, msg,
		&meta.StatusDetails{Name: name, Kind: kind, Causes: sc}}
}

func newf(reason meta.StatusReason, code int, format string, a ...any) *Error {
	return &Error{Reason: reason, Code: code, Message: fmt.Sprintf(format, a...)}
}

// BadRequest says the request itself is malformed.
func BadRequest(format string, a ...any) *Error {
	return newf(meta.StatusReasonBadRequest, http.StatusBadRequest, format, a...)
}

// Unauthorized says the request carried no valid credentials.
func Unauthorized(format string, a ...any) *Error {
	return newf(meta.StatusReasonUnauthorized, http.StatusUnauthorized, format, a...)
}

// Forbidden says the caller may not do this.
func Forbidden(format string, a ...any) *Error {
	return newf(meta.StatusReasonForbidden, http.StatusForbidden, format, a...)
}

// Expired says a resourceVersion or continue token is older than what is kept.
func Expired(format string, a ...any) *Error {
	return newf(meta.StatusReasonExpired, http.StatusGone, format, a...)
}

// Gone is the watch-stream form of Expired (Kubernetes sends 410 Gone events
// for a watch that starts too far back).
func Gone(format string, a ...any) *Error {
	return newf(meta.StatusReasonGone, http.StatusGone, format, a...)
}

// TooManyRequests says the server sheds load; retry after the given seconds.
func TooManyRequests(retryAfter int32, format string, a ...any) *Error {
	e := newf(meta.StatusReasonTooManyRequests, http.StatusTooManyRequests, format, a...)
	e.Details = &meta.StatusDetails{RetryAfterSeconds: retryAfter}
	return e
}

// RequestEntityTooLarge says the body is over the limit.
func RequestEntityTooLarge(format string, a ...any) *Error {
	return newf(meta.StatusReasonRequestEntityTooLarge, http.StatusRequestEntityTooLarge, format, a...)
}

// MethodNotAllowed says the resource does not support the verb.
func MethodNotAllowed(format string, a ...any) *Error {
	return newf(meta.StatusReasonMethodNotAllowed, http.StatusMethodNotAllowed, format, a...)
}

// NotAcceptable says no offered response type is supported.
func NotAcceptable(format string, a ...any) *Error {
	return newf(meta.StatusReasonNotAcceptable, http.StatusNotAcceptable, format, a...)
}

// UnsupportedMediaType says the request body's type is not supported.
func UnsupportedMediaType(format string, a ...any) *Error {
	return newf(meta.StatusReasonUnsupportedMediaType, http.StatusUnsupportedMediaType, format, a...)
}

// Timeout says the server gave up waiting.
func Timeout(format string, a ...any) *Error {
	return newf(meta.StatusReasonTimeout, http.StatusGatewayTimeout, format, a...)
}

// ServiceUnavailable says the server cannot answer now.
func ServiceUnavailable(format string, a ...any) *Error {
	return newf(meta.StatusReasonServiceUnavailable, http.StatusServiceUnavailable, format, a...)
}

// Internal wraps an unexpected failure.
func Internal(err error) *Error {
	return newf(meta.StatusReasonInternalError, http.StatusInternalServerError, "Internal error occurred: %v", err)
}

// ToStatus renders err as a Status; an error outside this vocabulary is an
// internal error.
func ToStatus(err error) *meta.Status {
	var e *Error
	if !errors.As(err, &e) {
		e = Internal(err)
	}
	code := e.Code
	if code == 0 {
		code = http.StatusInternalServerError
	}
	return &meta.Status{
		TypeMeta: meta.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   meta.StatusFailure,
		Message:  e.Message,
		Reason:   e.Reason,
		Details:  e.Details,
		Code:     int32(code),
	}
}

// FromStatus turns a Status reply back into an *Error.
func FromStatus(s *meta.Status) *Error {
	code := int(s.Code)
	return &Error{Reason: s.Reason, Code: code, Message: s.Message, Details: s.Details}
}

// Code returns the HTTP status code err answers with.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) && e.Code != 0 {
		return e.Code
	}
	return http.StatusInternalServerError
}
