package codec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// ToJSON returns data as JSON: JSON input is returned as it is, YAML is
// converted. A syntax error is a BadRequest that says where.
func ToJSON(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		if !json.Valid(trimmed) {
			var v any
			err := json.Unmarshal(trimmed, &v)
			return nil, errdefs.BadRequest("malformed JSON: %v", err)
		}
		return trimmed, nil
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, errdefs.BadRequest("malformed YAML: %v", err)
	}
	return j, nil
}

// Decode decodes a JSON or YAML document into into (a pointer), rejecting
// unknown fields by path.
func Decode(data []byte, into any) error {
	j, err := ToJSON(data)
	if err != nil {
		return err
	}
	return DecodeJSON(j, into)
}

// DecodeJSON decodes JSON into into (a pointer), rejecting unknown fields
// by path and reporting type errors by path.
func DecodeJSON(data []byte, into any) error {
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return errdefs.BadRequest("malformed JSON: %v", err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return errdefs.BadRequest("expected a JSON object, got %s", describe(generic))
	}
	if unknown := UnknownFields(generic, reflect.TypeOf(into)); len(unknown) > 0 {
		return errdefs.BadRequest("strict decoding error: %s", unknownMessage(unknown))
	}
	if err := json.Unmarshal(data, into); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errdefs.BadRequest("invalid value for field %q: cannot decode %s into %s", te.Field, te.Value, te.Type)
		}
		return errdefs.BadRequest("decoding: %v", err)
	}
	return nil
}

func unknownMessage(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = fmt.Sprintf("unknown field %q", p)
	}
	return strings.Join(q, ", ")
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// Peek reads apiVersion, kind, name and namespace from a JSON object without
// knowing its type.
func Peek(data []byte) (meta.TypeMeta, meta.ObjectMeta, error) {
	var probe struct {
		meta.TypeMeta `json:",inline"`
		Metadata      struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return meta.TypeMeta{}, meta.ObjectMeta{}, errdefs.BadRequest("malformed object: %v", err)
	}
	return probe.TypeMeta, meta.ObjectMeta{Name: probe.Metadata.Name, Namespace: probe.Metadata.Namespace}, nil
}

// SplitYAML splits a stream of YAML (or JSON) documents separated by "---"
// lines, dropping empty ones, and converts each to JSON. A JSON document that
// is a List (kind ending in "List" with items) is expanded into its items.
func SplitYAML(r io.Reader) ([][]byte, error) {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() error {
		defer cur.Reset()
		if isBlank(cur.Bytes()) {
			return nil
		}
		j, err := ToJSON(cur.Bytes())
		if err != nil {
			return fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if string(j) == "null" {
			return nil
		}
		items, err := expandList(j)
		if err != nil {
			return fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		docs = append(docs, items...)
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimLeft(line, "-")) == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}

func isBlank(b []byte) bool {
	for _, line := range bytes.Split(b, []byte("\n")) {
		l := bytes.TrimSpace(line)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}

func expandList(j []byte) ([][]byte, error) {
	var probe struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(j, &probe); err != nil {
		return nil, errdefs.BadRequest("expected an object: %v", err)
	}
	if strings.HasSuffix(probe.Kind, "List") && probe.Items != nil {
		out := make([][]byte, len(probe.Items))
		for i, it := range probe.Items {
			out[i] = it
		}
		return out, nil
	}
	return [][]byte{j}, nil
}
