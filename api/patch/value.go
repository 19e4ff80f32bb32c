package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Documents are handled as the generic values encoding/json produces, with
// numbers kept as json.Number so that large integers and exact decimals
// survive a patch byte for byte.

func decode(data []byte, what string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errdefs.BadRequest("malformed JSON in %s: %v", what, err)
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return nil, errdefs.BadRequest("malformed JSON in %s: data after the top-level value", what)
	}
	return v, nil
}

// decodeObject decodes a document that must be a JSON object. Empty input is
// an empty object only when emptyOK, as for a last-applied configuration that
// was never recorded.
func decodeObject(data []byte, what string, emptyOK bool) (map[string]any, error) {
	if emptyOK && len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	v, err := decode(data, what)
	if err != nil {
		return nil, err
	}
	if v == nil && emptyOK {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errdefs.BadRequest("%s must be a JSON object, got %s", what, describe(v))
	}
	return m, nil
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Patched documents are API objects, not HTML: keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errdefs.Internal(fmt.Errorf("encoding a patched document: %w", err))
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares two JSON values; numbers are equal when their values are,
// so 1, 1.0 and 1e0 are one number (RFC 6902 section 4.6).
func equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, okx := new(big.Rat).SetString(string(a))
		y, oky := new(big.Rat).SetString(string(b))
		return okx && oky && x.Cmp(y) == 0
	default:
		return a == b
	}
}

// deepCopy copies a JSON value so that a copied subtree can be changed
// without changing the original (JSON patch "copy").
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

func indexOf(list []any, v any) int {
	for i, e := range list {
		if equal(e, v) {
			return i
		}
	}
	return -1
}

func badRequest(format string, a ...any) error {
	return errdefs.BadRequest(format, a...)
}

// unprocessable is the 422 Kubernetes answers for a well-formed patch that
// cannot be applied to this object.
func unprocessable(format string, a ...any) error {
	return &errdefs.Error{
		Reason:  meta.StatusReasonInvalid,
		Code:    http.StatusUnprocessableEntity,
		Message: fmt.Sprintf(format, a...),
	}
}
