package validate

import (
	"fmt"
	"strings"

	"github.com/wharf/wharf/api/errdefs"
)

// ErrorType says what is wrong with a field, in Kubernetes' words.
type ErrorType string

// Error types; the values are the cause types of a Status.
const (
	TypeRequired     ErrorType = "FieldValueRequired"
	TypeInvalid      ErrorType = "FieldValueInvalid"
	TypeNotSupported ErrorType = "FieldValueNotSupported"
	TypeDuplicate    ErrorType = "FieldValueDuplicate"
	TypeForbidden    ErrorType = "FieldValueForbidden"
	TypeTooLong      ErrorType = "FieldValueTooLong"
)

// Error is one invalid field.
type Error struct {
	Type   ErrorType
	Field  string
	Value  any
	Detail string
}

func (e *Error) Error() string { return e.Field + ": " + e.message() }

func (e *Error) message() string {
	switch e.Type {
	case TypeRequired:
		return join("Required value", e.Detail)
	case TypeForbidden:
		return join("Forbidden", e.Detail)
	case TypeDuplicate:
		return fmt.Sprintf("Duplicate value: %s", quote(e.Value))
	case TypeNotSupported:
		return fmt.Sprintf("Unsupported value: %s%s", quote(e.Value), prefixed(e.Detail))
	case TypeTooLong:
		return join("Too long", e.Detail)
	default:
		return fmt.Sprintf("Invalid value: %s%s", quote(e.Value), prefixed(e.Detail))
	}
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + b
}

func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func quote(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", x)
	}
}

// Required says the field must be set.
func Required(p *Path, detail string) *Error {
	return &Error{Type: TypeRequired, Field: p.String(), Detail: detail}
}

// Invalid says the value is not allowed; detail says why.
func Invalid(p *Path, value any, detail string) *Error {
	return &Error{Type: TypeInvalid, Field: p.String(), Value: value, Detail: detail}
}

// NotSupported says the value is not one of the allowed ones.
func NotSupported(p *Path, value any, allowed []string) *Error {
	d := ""
	if len(allowed) > 0 {
		d = "supported values: " + quoteAll(allowed)
	}
	return &Error{Type: TypeNotSupported, Field: p.String(), Value: value, Detail: d}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// Duplicate says the value appears twice where it must be unique.
func Duplicate(p *Path, value any) *Error {
	return &Error{Type: TypeDuplicate, Field: p.String(), Value: value}
}

// Forbidden says the field may not be set (or changed) here.
func Forbidden(p *Path, detail string) *Error {
	return &Error{Type: TypeForbidden, Field: p.String(), Detail: detail}
}

// TooLong says the value is longer than max.
func TooLong(p *Path, max int) *Error {
	return &Error{Type: TypeTooLong, Field: p.String(), Detail: fmt.Sprintf("must have at most %d bytes", max)}
}

// ErrorList is what a validator returns; empty means valid.
type ErrorList []*Error

// ToError turns a non-empty list into an errdefs Invalid error for the
// object, and an empty one into nil.
func (l ErrorList) ToError(kind, name string) error {
	if len(l) == 0 {
		return nil
	}
	causes := make([]errdefs.Cause, len(l))
	for i, e := range l {
		causes[i] = errdefs.Cause{Type: string(e.Type), Field: e.Field, Message: e.message()}
	}
	return errdefs.Invalid(kind, name, causes)
}
