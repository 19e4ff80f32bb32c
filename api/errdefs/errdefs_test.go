package errdefs

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestIsAndStatus(t *testing.T) {
	pods := Resource{Resource: "pods"}
	tests := []struct {
		name     string
		err      error
		sentinel error
		code     int
	}{
		{"not found", NotFound(pods, "a"), ErrNotFound, http.StatusNotFound},
		{"wrapped conflict", fmt.Errorf("update: %w", StaleResourceVersion(pods, "a")), ErrConflict, http.StatusConflict},
		{"invalid", Invalid("Pod", "a", []Cause{{Field: "spec.containers", Message: "Required value"}}), ErrInvalid, http.StatusUnprocessableEntity},
		{"expired", Expired("too old"), ErrExpired, http.StatusGone},
		{"plain error", errors.New("boom"), nil, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.sentinel != nil && !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("errors.Is(%v, sentinel) = false, want true", tt.err)
			}
			if errors.Is(tt.err, ErrAlreadyExists) {
				t.Errorf("errors.Is(%v, ErrAlreadyExists) = true, want false", tt.err)
			}
			s := ToStatus(tt.err)
			if int(s.Code) != tt.code {
				t.Errorf("status code = %d, want %d", s.Code, tt.code)
			}
			back := FromStatus(s)
			if tt.sentinel != nil && !errors.Is(back, tt.sentinel) {
				t.Errorf("round trip through Status lost the reason: %v", back.Reason)
			}
		})
	}
}

func TestInvalidMessageNamesFields(t *testing.T) {
	err := Invalid("Pod", "web", []Cause{
		{Type: "FieldValueRequired", Field: "spec.containers[0].image", Message: "Required value"},
		{Type: "FieldValueInvalid", Field: "metadata.name", Message: "bad"},
	})
	want := `Pod "web" is invalid: [spec.containers[0].image: Required value, metadata.name: bad]`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if got := len(ToStatus(err).Details.Causes); got != 2 {
		t.Errorf("got %d causes, want 2", got)
	}
}
