package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// JSONPatch applies an RFC 6902 JSON patch, a list of add, remove, replace,
// move, copy and test operations, to doc. The operations run in order on one
// document and the patch is all or nothing: the first operation that fails
// fails the patch, with an error naming its index, op and path.
func JSONPatch(doc, patch []byte) ([]byte, error) {
	d, err := decode(doc, "document")
	if err != nil {
		return nil, err
	}
	p, err := decode(patch, "JSON patch")
	if err != nil {
		return nil, err
	}
	ops, ok := p.([]any)
	if !ok {
		return nil, badRequest("a JSON patch must be an array of operations, got %s", describe(p))
	}
	for i, raw := range ops {
		op, ok := raw.(map[string]any)
		if !ok {
			return nil, badRequest("JSON patch operation %d must be an object, got %s", i, describe(raw))
		}
		if d, err = applyOp(d, op, i); err != nil {
			return nil, err
		}
	}
	return encode(d)
}

func applyOp(doc any, op map[string]any, i int) (any, error) {
	name, _ := op["op"].(string)
	path, ok := op["path"].(string)
	if !ok {
		return nil, badRequest("JSON patch operation %d (%s): missing or non-string \"path\"", i, name)
	}
	fail := func(err error) error {
		var bad opError
		if errors.As(err, &bad) && bad.malformed {
			return badRequest("JSON patch operation %d (%s %s): %v", i, name, path, err)
		}
		return unprocessable("JSON patch operation %d (%s %s) failed: %v", i, name, path, err)
	}
	to, err := parsePointer(path)
	if err != nil {
		return nil, fail(err)
	}
	value, hasValue := op["value"]
	from, hasFrom := op["from"].(string)
	switch name {
	case "add", "replace", "test":
		if !hasValue {
			return nil, fail(malformed("missing \"value\""))
		}
	case "move", "copy":
		if !hasFrom {
			return nil, fail(malformed("missing or non-string \"from\""))
		}
	case "remove":
	default:
		return nil, badRequest("JSON patch operation %d: unknown op %q", i, name)
	}
	switch name {
	case "add":
		doc, err = add(doc, to, value)
	case "remove":
		doc, _, err = remove(doc, to)
	case "replace":
		doc, err = replace(doc, to, value)
	case "test":
		var got any
		if got, err = get(doc, to); err == nil && !equal(got, value) {
			err = failed("value is %s, not the one tested", compact(got))
		}
	case "move", "copy":
		var src []string
		if src, err = parsePointer(from); err != nil {
			break
		}
		if name == "move" {
			if isPrefix(src, to) {
				if len(src) != len(to) {
					err = failed("cannot move %q into its own child", from)
				} else {
					_, err = get(doc, src) // moving a value onto itself changes nothing
				}
				break
			}
			var v any
			if doc, v, err = remove(doc, src); err == nil {
				doc, err = add(doc, to, v)
			}
			break
		}
		var v any
		if v, err = get(doc, src); err == nil {
			doc, err = add(doc, to, deepCopy(v))
		}
	}
	if err != nil {
		return nil, fail(err)
	}
	return doc, nil
}

// opError is why an operation failed; a malformed operation is a bad
// request, while a well-formed one that this document cannot take (a failed
// test, a missing path) is unprocessable.
type opError struct {
	msg       string
	malformed bool
}

func (e opError) Error() string { return e.msg }

func malformed(msg string) error { return opError{msg: msg, malformed: true} }

func failed(format string, a ...any) error {
	return opError{msg: fmt.Sprintf(format, a...)}
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return describe(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// parsePointer splits an RFC 6901 JSON pointer into unescaped tokens; ""
// is the whole document.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, malformed("a JSON pointer must be empty or start with /")
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		if !strings.Contains(t, "~") {
			continue
		}
		// ~1 before ~0, so that "~01" is "~1" and not "/".
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 < len(t) && t[j+1] == '0' {
				b.WriteByte('~')
			} else if j+1 < len(t) && t[j+1] == '1' {
				b.WriteByte('/')
			} else {
				return nil, malformed("~ must be followed by 0 or 1 in a JSON pointer")
			}
			j++
		}
		tokens[i] = b.String()
	}
	return tokens, nil
}

func isPrefix(prefix, path []string) bool {
	if len(prefix) > len(path) {
		return false
	}
	for i := range prefix {
		if prefix[i] != path[i] {
			return false
		}
	}
	return true
}

// arrayIndex parses an array index token: digits without leading zeros,
// below limit (the length, or one past it where an index may append).
func arrayIndex(tok string, limit int) (int, error) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') || strings.Trim(tok, "0123456789") != "" {
		return 0, failed("%q is not an array index", tok)
	}
	n, err := strconv.Atoi(tok)
	if err != nil || n >= limit {
		return 0, failed("index %s is out of range", tok)
	}
	return n, nil
}

func get(doc any, path []string) (any, error) {
	for _, tok := range path {
		switch c := doc.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, failed("no member %q", tok)
			}
			doc = v
		case []any:
			n, err := arrayIndex(tok, len(c))
			if err != nil {
				return nil, err
			}
			doc = c[n]
		default:
			return nil, failed("cannot look up %q in %s", tok, describe(doc))
		}
	}
	return doc, nil
}

// update runs f on the container that holds the last token of path and puts
// what f returns in its place, since adding to or removing from a Go slice
// makes a new slice that the slice's own parent must then hold.
func update(doc any, path []string, f func(container any, tok string) (any, error)) (any, error) {
	if len(path) == 1 {
		return f(doc, path[0])
	}
	tok := path[0]
	child, err := get(doc, path[:1])
	if err != nil {
		return nil, err
	}
	child, err = update(child, path[1:], f)
	if err != nil {
		return nil, err
	}
	switch c := doc.(type) {
	case map[string]any:
		c[tok] = child
	case []any:
		n, _ := arrayIndex(tok, len(c))
		c[n] = child
	}
	return doc, nil
}

func add(doc any, path []string, value any) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	return update(doc, path, func(container any, tok string) (any, error) {
		switch c := container.(type) {
		case map[string]any:
			c[tok] = value
			return c, nil
		case []any:
			n := len(c)
			if tok != "-" {
				var err error
				if n, err = arrayIndex(tok, len(c)+1); err != nil {
					return nil, err
				}
			}
			c = append(c, nil)
			copy(c[n+1:], c[n:])
			c[n] = value
			return c, nil
		}
		return nil, failed("cannot add %q to %s", tok, describe(container))
	})
}

func remove(doc any, path []string) (any, any, error) {
	if len(path) == 0 {
		return nil, nil, failed("cannot remove the whole document")
	}
	var removed any
	doc, err := update(doc, path, func(container any, tok string) (any, error) {
		switch c := container.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, failed("no member %q", tok)
			}
			removed = v
			delete(c, tok)
			return c, nil
		case []any:
			n, err := arrayIndex(tok, len(c))
			if err != nil {
				return nil, err
			}
			removed = c[n]
			return append(c[:n:n], c[n+1:]...), nil
		}
		return nil, failed("cannot remove %q from %s", tok, describe(container))
	})
	return doc, removed, err
}

func replace(doc any, path []string, value any) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	return update(doc, path, func(container any, tok string) (any, error) {
		switch c := container.(type) {
		case map[string]any:
			if _, ok := c[tok]; !ok {
				return nil, failed("no member %q", tok)
			}
			c[tok] = value
			return c, nil
		case []any:
			n, err := arrayIndex(tok, len(c))
			if err != nil {
				return nil, err
			}
			c[n] = value
			return c, nil
		}
		return nil, failed("cannot replace %q in %s", tok, describe(container))
	})
}
