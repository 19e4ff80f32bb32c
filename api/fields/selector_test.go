package fields

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []Requirement
		str  string
	}{
		{"", nil, ""},
		{",", nil, ""},
		{"metadata.name=a", []Requirement{{"metadata.name", Equals, "a"}}, "metadata.name=a"},
		{
			"metadata.name=a,spec.nodeName!=n1,status.phase==Running",
			[]Requirement{{"metadata.name", Equals, "a"}, {"spec.nodeName", NotEquals, "n1"}, {"status.phase", Equals, "Running"}},
			"metadata.name=a,spec.nodeName!=n1,status.phase=Running",
		},
		{"status.phase=Running,metadata.name=a", []Requirement{{"metadata.name", Equals, "a"}, {"status.phase", Equals, "Running"}}, "metadata.name=a,status.phase=Running"},
		{"spec.nodeName=", []Requirement{{"spec.nodeName", Equals, ""}}, "spec.nodeName="},
		{"spec.nodeName!=", []Requirement{{"spec.nodeName", NotEquals, ""}}, "spec.nodeName!="},
		{"a=x,,b=y", []Requirement{{"a", Equals, "x"}, {"b", Equals, "y"}}, "a=x,b=y"},
		{`a=x\,y`, []Requirement{{"a", Equals, "x,y"}}, `a=x\,y`},
		{`a=x\=y`, []Requirement{{"a", Equals, "x=y"}}, `a=x\=y`},
		{`a=x\\y`, []Requirement{{"a", Equals, `x\y`}}, `a=x\\y`},
		{`a=x\\`, []Requirement{{"a", Equals, `x\`}}, `a=x\\`},
		{`a=\!x`, []Requirement{{"a", Equals, "!x"}}, "a=!x"},
		{"a=!x", []Requirement{{"a", Equals, "!x"}}, "a=!x"},
		{"a!=!", []Requirement{{"a", NotEquals, "!"}}, "a!=!"},
		{`a=\=x`, []Requirement{{"a", Equals, "=x"}}, `a=\=x`},
		{"a b=c d", []Requirement{{"a b", Equals, "c d"}}, "a b=c d"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): got error %v, want none", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, s.Requirements()); diff != "" {
				t.Errorf("Parse(%q) requirements (-want +got):\n%s", tt.in, diff)
			}
			if got := s.String(); got != tt.str {
				t.Errorf("Parse(%q).String(): got %q, want %q", tt.in, got, tt.str)
			}
			if got, want := s.Empty(), len(tt.want) == 0; got != want {
				t.Errorf("Parse(%q).Empty(): got %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in   string
		term string
		msg  string
	}{
		{"metadata.name", "metadata.name", "expected field=value"},
		{"a=b,c", "c", "expected field=value"},
		{"=a", "=a", "missing field name"},
		{"a===b", "a===b", `unescaped '='`},
		{"a=b=c", "a=b=c", `unescaped '='`},
		{`a=b\`, `a=b\`, "unfinished escape"},
		{`a=b\n`, `a=b\n`, `invalid escape sequence '\n'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q): got %q, want an error", tt.in, s)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Term != tt.term {
				t.Fatalf("Parse(%q): got error %v, want a *ParseError for term %q", tt.in, err, tt.term)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q): got error %q, want it to contain %q", tt.in, err, tt.msg)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	pod := map[string]string{"metadata.name": "a", "metadata.namespace": "default", "spec.nodeName": "", "status.phase": "Running"}
	tests := []struct {
		selector string
		fields   map[string]string
		want     bool
	}{
		{"", pod, true},
		{"metadata.name=a", pod, true},
		{"metadata.name==a", pod, true},
		{"metadata.name=b", pod, false},
		{"metadata.name!=b", pod, true},
		{"metadata.name!=a", pod, false},
		{"spec.nodeName=", pod, true},
		{"spec.nodeName!=", pod, false},
		{"spec.nodeName=", map[string]string{}, true}, // absent reads as empty
		{"metadata.name=a,status.phase=Running", pod, true},
		{"metadata.name=a,status.phase!=Running", pod, false},
		{`metadata.name=a\,b`, map[string]string{"metadata.name": "a,b"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			s, err := Parse(tt.selector)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.selector, err)
			}
			if got := s.Matches(tt.fields); got != tt.want {
				t.Errorf("%q.Matches(%v): got %v, want %v", tt.selector, tt.fields, got, tt.want)
			}
		})
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name string
		sel  Selector
		str  string
	}{
		{"Everything", Everything(), ""},
		{"OneTermEqual", OneTermEqual("spec.nodeName", "n=1"), `spec.nodeName=n\=1`},
		{"OneTermNotEqual", OneTermNotEqual("status.phase", "Failed"), "status.phase!=Failed"},
		{"SelectorFromSet", SelectorFromSet(map[string]string{"b": "2", "a": "1"}), "a=1,b=2"},
		{"SelectorFromSet(nil)", SelectorFromSet(nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.String(); got != tt.str {
				t.Fatalf("String(): got %q, want %q", got, tt.str)
			}
			again, err := Parse(tt.str)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.str, err)
			}
			if diff := cmp.Diff(tt.sel.Requirements(), again.Requirements()); diff != "" {
				t.Errorf("re-parsed (-built +parsed):\n%s", diff)
			}
		})
	}
	if !OneTermEqual("spec.nodeName", "n1").Matches(map[string]string{"spec.nodeName": "n1"}) {
		t.Errorf("OneTermEqual(spec.nodeName, n1) does not match spec.nodeName=n1")
	}
}

func TestExactMatch(t *testing.T) {
	s, err := Parse("spec.nodeName=n1,status.phase!=Failed")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ExactMatch(s, "spec.nodeName"); !ok || v != "n1" {
		t.Errorf("ExactMatch(spec.nodeName): got %q, %v, want n1, true", v, ok)
	}
	if v, ok := ExactMatch(s, "status.phase"); ok {
		t.Errorf("ExactMatch(status.phase): got %q, true, want false for a != term", v)
	}
}

func TestEscapeValue(t *testing.T) {
	for _, v := range []string{"", "plain", `a\b`, "a,b", "a=b", `\,=!`, `\\`, "x!=y"} {
		esc := EscapeValue(v)
		got, err := UnescapeValue(esc)
		if err != nil || got != v {
			t.Errorf("UnescapeValue(EscapeValue(%q) = %q): got %q, %v, want %q", v, esc, got, err, v)
		}
	}
}
