package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Output formats of get.
const (
	outputTable = ""
	outputWide  = "wide"
	outputYAML  = "yaml"
	outputJSON  = "json"
	outputName  = "name"
)

func checkOutput(format string, allowed ...string) error {
	if slices.Contains(allowed, format) {
		return nil
	}
	var names []string
	for _, a := range allowed {
		if a != outputTable {
			names = append(names, a)
		}
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", format, strings.Join(names, ","))
}

// listOf wraps objects in the generic List kubectl prints for several
// objects, or for any listing.
func listOf(items []json.RawMessage) []byte {
	if items == nil {
		items = []json.RawMessage{}
	}
	b, _ := json.Marshal(struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
		Metadata   map[string]string `json:"metadata"`
	}{"v1", "List", items, map[string]string{"resourceVersion": ""}})
	return b
}

// objectPrinter writes whole objects as JSON or YAML. Keys come out sorted,
// as kubectl prints them; YAML documents after the first are preceded by
// "---", so that a stream of them (get --watch) stays one valid YAML stream.
type objectPrinter struct {
	format  string
	printed int
}

func (p *objectPrinter) print(w io.Writer, raw []byte) error {
	var v any
	if err := decodeJSON(raw, &v); err != nil {
		return fmt.Errorf("decoding the server's reply: %w", err)
	}
	var out []byte
	switch p.format {
	case outputJSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "    ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		out = buf.Bytes()
	case outputYAML:
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if out, err = yaml.JSONToYAML(j); err != nil {
			return err
		}
		if p.printed > 0 {
			out = append([]byte("---\n"), out...)
		}
	default:
		return fmt.Errorf("cannot print objects as %q", p.format)
	}
	p.printed++
	_, err := w.Write(out)
	return err
}
