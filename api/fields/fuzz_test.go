package fields

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: Parse never panics, and what it accepts prints as a string
// that parses to the same requirements.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"metadata.name=a,spec.nodeName!=n1,status.phase==Running", `a=x\,y`, "a=", `a=\!`, "a===b", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(sel.String())
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", s, sel.String(), err)
		}
		if diff := cmp.Diff(sel.Requirements(), again.Requirements()); diff != "" {
			t.Fatalf("Parse(%q) printed %q, which parses differently:\n%s", s, sel.String(), diff)
		}
	})
}
