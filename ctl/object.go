package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// decodeJSON decodes b into v keeping numbers exact: a generic decode would
// turn 1000000 into 1e+06 and round large integers.
func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// object is an API object read without knowing its Go type, as the CLI
// handles every kind alike. Its accessors return zero values for what is
// missing, so that describing a half-filled object never fails.
type object map[string]any

func parseObject(b []byte) (object, error) {
	var o object
	if err := decodeJSON(b, &o); err != nil {
		return nil, fmt.Errorf("decoding the server's reply: %w", err)
	}
	return o, nil
}

// get walks path through nested maps.
func (o object) get(path ...string) any {
	var cur any = map[string]any(o)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// str is the string at path; numbers and booleans are formatted.
func (o object) str(path ...string) string {
	switch v := o.get(path...).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// num is the integer at path, 0 when absent.
func (o object) num(path ...string) int64 {
	switch v := o.get(path...).(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			f, _ := v.Float64()
			return int64(f)
		}
		return n
	case float64:
		return int64(v)
	}
	return 0
}

// has reports whether path is set.
func (o object) has(path ...string) bool { return o.get(path...) != nil }

// obj is the map at path as an object.
func (o object) obj(path ...string) object {
	m, _ := o.get(path...).(map[string]any)
	return object(m)
}

// list is the list of maps at path; other elements are skipped.
func (o object) list(path ...string) []object {
	l, _ := o.get(path...).([]any)
	out := make([]object, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, object(m))
		}
	}
	return out
}

// strings is the list of strings at path.
func (o object) strings(path ...string) []string {
	l, _ := o.get(path...).([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// stringMap is the map of strings at path (labels, annotations, data).
func (o object) stringMap(path ...string) map[string]string {
	m, _ := o.get(path...).(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func (o object) name() string      { return o.str("metadata", "name") }
func (o object) namespace() string { return o.str("metadata", "namespace") }
func (o object) uid() string       { return o.str("metadata", "uid") }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
