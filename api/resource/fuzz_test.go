package resource

import "testing"

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{
		"0", "500m", "0.5", "2", "128Mi", "1Gi", "1e3", "1.5G", "100k", "-1.5Gi",
		"1.3E+6", "9Ei", "0.000000000001Ki", "1e-999", "12E", "1000E", ".5", "1.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			return
		}
		canonical := q.String()
		again, err := ParseQuantity(canonical)
		if err != nil {
			t.Fatalf("String() of %q is %q, which does not parse: %v", s, canonical, err)
		}
		if again.Cmp(q) != 0 {
			t.Fatalf("String() of %q is %q, which parses to %s", s, canonical, again.String())
		}
		if got := again.String(); got != canonical {
			t.Fatalf("canonical form of %q is not stable: got %q, want %q", s, got, canonical)
		}
	})
}
