package codec

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary manifests to the decoder: it must never panic,
// and whatever it accepts must survive a second decode of its own output.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Thing\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: i\n"))
	f.Add([]byte(`{"metadata":{"name":"a","labels":{"x":"y"}},"spec":{"port":8080,"replicas":3}}`))
	f.Add([]byte("---\n---\nkind: List\nitems: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := SplitYAML(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, d := range docs {
			var obj testObject
			if err := DecodeJSON(d, &obj); err != nil {
				continue
			}
			out, err := jsonMarshal(&obj)
			if err != nil {
				t.Fatalf("re-encoding an accepted object: %v", err)
			}
			var again testObject
			if err := DecodeJSON(out, &again); err != nil {
				t.Fatalf("decoding our own output %s: %v", out, err)
			}
		}
	})
}
