package codec

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

type testSpec struct {
	Replicas   *int32            `json:"replicas,omitempty"`
	Containers []testContainer   `json:"containers"`
	Selector   map[string]string `json:"selector,omitempty"`
	Port       meta.IntOrString  `json:"port,omitempty"`
}

type testContainer struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

type testObject struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata"`
	Spec            testSpec `json:"spec"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; empty means success
	}{
		{"yaml", "apiVersion: v1\nkind: Thing\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: i\n", ""},
		{"json", `{"apiVersion":"v1","kind":"Thing","metadata":{"name":"a"},"spec":{"port":"http"}}`, ""},
		{"unknown nested field", "metadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    imagee: i\n", `unknown field "spec.containers[0].imagee"`},
		{"unknown top field", `{"metadata":{"name":"a"},"sepc":{}}`, `unknown field "sepc"`},
		{"wrong case", `{"metadata":{"Name":"a"}}`, `unknown field "metadata.Name"`},
		{"type error", `{"spec":{"replicas":"three"}}`, `spec.replicas`},
		{"malformed json", `{"metadata":`, "malformed JSON"},
		{"malformed yaml", "metadata:\n  name: [a\n", "malformed YAML"},
		{"not an object", `[1,2]`, "expected a JSON object"},
		{"map keys are free", `{"spec":{"selector":{"anything":"goes"}}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var obj testObject
			err := Decode([]byte(tt.in), &obj)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, errdefs.ErrBadRequest) {
				t.Errorf("got %v, want a BadRequest", err)
			}
		})
	}
}

func TestSplitYAML(t *testing.T) {
	in := `# a comment only
---
apiVersion: v1
kind: Namespace
metadata:
  name: a
---

---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
`
	docs, err := SplitYAML(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range docs {
		_, om, err := Peek(d)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, om.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
}
