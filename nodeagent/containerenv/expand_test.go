package containerenv

import "testing"

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "EMPTY": "", "B": "$(A)"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"$(A)", "a"},
		{"x$(A)y$(A)z", "xayaz"},
		{"$(EMPTY)", ""},
		{"$(B)", "$(A)"}, // values are not expanded again
		{"$(NOPE)", "$(NOPE)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$a"},
		{"$$", "$"},
		{"$$$$", "$$"},
		{"$", "$"},
		{"a$", "a$"},
		{"$A", "$A"},
		{"$a$(A)", "$aa"},
		{"$(A", "$(A"},
		{"$(A $(A)", "$(A $(A)"}, // the name runs to the first ")"
		{"$()", "$()"},
		{"(A)", "(A)"},
		{"$(A)$(A)", "aa"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Expand(tt.in, lookup); got != tt.want {
				t.Errorf("Expand(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
