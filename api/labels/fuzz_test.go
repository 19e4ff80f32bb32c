package labels

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary strings to Parse: it must never panic, and what
// it accepts must print as a string that parses to the same requirements.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"app=web,tier!=db,env in (prod, staging),!canary,track",
		"a==b", "x in (,a,)", "in in (notin)", "r>5,r<10", "a=", "!a,b",
		"example.com/x notin (y)", "a=b,,c", "a in (b", "((", "a=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			return
		}
		str := sel.String()
		again, err := Parse(str)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", s, str, err)
		}
		if diff := cmp.Diff(sel.Requirements(), again.Requirements()); diff != "" {
			t.Fatalf("Parse(%q) printed %q, which parses differently (-first +second):\n%s", s, str, diff)
		}
		if again.String() != str {
			t.Fatalf("String() is not stable: %q then %q", str, again.String())
		}
	})
}
