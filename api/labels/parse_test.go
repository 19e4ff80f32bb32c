package labels

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want []Requirement
		str  string
	}{
		{"", nil, ""},
		{"   ", nil, ""},
		{"app=web", []Requirement{{"app", Equals, []string{"web"}}}, "app=web"},
		{"app==web", []Requirement{{"app", DoubleEquals, []string{"web"}}}, "app==web"},
		{"tier!=db", []Requirement{{"tier", NotEquals, []string{"db"}}}, "tier!=db"},
		{"app=", []Requirement{{"app", Equals, []string{""}}}, "app="},
		{"app=,b", []Requirement{{"app", Equals, []string{""}}, {"b", Exists, nil}}, "app=,b"},
		{"track", []Requirement{{"track", Exists, nil}}, "track"},
		{"!canary", []Requirement{{"canary", DoesNotExist, nil}}, "!canary"},
		{" ! canary ", []Requirement{{"canary", DoesNotExist, nil}}, "!canary"},
		{"env in (prod, staging)", []Requirement{{"env", In, []string{"prod", "staging"}}}, "env in (prod,staging)"},
		{"env notin (staging,prod,prod)", []Requirement{{"env", NotIn, []string{"prod", "staging"}}}, "env notin (prod,staging)"},
		{"env in ()", []Requirement{{"env", In, []string{""}}}, "env in ()"},
		{"env in (,a)", []Requirement{{"env", In, []string{"", "a"}}}, "env in (,a)"},
		{"env in (a,)", []Requirement{{"env", In, []string{"", "a"}}}, "env in (,a)"},
		{"env in (a,,b)", []Requirement{{"env", In, []string{"", "a", "b"}}}, "env in (,a,b)"},
		{"in in (in, notin)", []Requirement{{"in", In, []string{"in", "notin"}}}, "in in (in,notin)"},
		{"notin=in", []Requirement{{"notin", Equals, []string{"in"}}}, "notin=in"},
		{"replicas>3", []Requirement{{"replicas", GreaterThan, []string{"3"}}}, "replicas>3"},
		{"replicas < 10", []Requirement{{"replicas", LessThan, []string{"10"}}}, "replicas<10"},
		{"example.com/tier=front-end", []Requirement{{"example.com/tier", Equals, []string{"front-end"}}}, "example.com/tier=front-end"},
		{
			"app=web,tier!=db,env in (prod, staging),!canary,track",
			[]Requirement{
				{"app", Equals, []string{"web"}},
				{"canary", DoesNotExist, nil},
				{"env", In, []string{"prod", "staging"}},
				{"tier", NotEquals, []string{"db"}},
				{"track", Exists, nil},
			},
			"app=web,!canary,env in (prod,staging),tier!=db,track",
		},
		{"b=2,a=1,b=1", []Requirement{{"a", Equals, []string{"1"}}, {"b", Equals, []string{"2"}}, {"b", Equals, []string{"1"}}}, "a=1,b=2,b=1"},
		{"\ta = x\n,\rb", []Requirement{{"a", Equals, []string{"x"}}, {"b", Exists, nil}}, "a=x,b"},
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
		in     string
		column int
		msg    string
	}{
		{",", 1, "found ',', expected: !, identifier, or end of string"},
		{"a=b,", 5, "found end of string, expected: identifier after ','"},
		{"a=b,,c", 5, "found ',', expected: identifier after ','"},
		{"a=b c", 5, "found 'c', expected: ',' or end of string"},
		{"a=b=c", 4, "found '=', expected: ',' or end of string"},
		{"a b", 3, "found 'b', expected: one of ="},
		{"a!", 2, "found '!', expected: one of ="},
		{"!", 2, "found end of string, expected: identifier"},
		{"!a=b", 3, "found '=', expected: ',' or end of string"},
		{"a=(b)", 3, "found '(', expected: identifier"},
		{"a in b", 6, "found 'b', expected: '('"},
		{"a in (b", 8, "found end of string, expected: ',', ')' or identifier"},
		{"a in (b c)", 9, "found 'c', expected: ',' or ')'"},
		{"a in (b))", 9, "found ')', expected: ',' or end of string"},
		{"a in (=)", 7, "found '=', expected: ',', ')' or identifier"},
		{"a gt 5", 3, "found 'gt', expected: one of ="},
		{"-a=b", 1, `invalid key "-a"`},
		{"a/b/c=d", 1, `invalid key "a/b/c"`},
		{"/a=b", 1, "prefix part must be non-empty"},
		{strings.Repeat("k", 64) + "=v", 1, "name part must be no more than 63 characters"},
		{"a=-b", 3, `invalid value "-b"`},
		{"x=1,a in (ok, b_)", 15, `invalid value "b_"`},
		{"a=" + strings.Repeat("v", 64), 3, "must be no more than 63 characters"},
		{"a>b", 3, `invalid value "b": operator > needs an integer`},
		{"a<", 3, `invalid value "": operator < needs an integer`},
		{"a>-1", 3, `invalid value "-1"`},
		{"a>99999999999999999999", 3, "needs an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q): got selector %q, want an error", tt.in, s)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): got error %T %v, want *ParseError", tt.in, err, err)
			}
			if pe.Column != tt.column {
				t.Errorf("Parse(%q) error %q: got column %d, want %d", tt.in, err, pe.Column, tt.column)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q): got error %q, want it to contain %q", tt.in, err, tt.msg)
			}
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("Parse(%q): got error %q, want it to quote the selector", tt.in, err)
			}
		})
	}
}

func TestNewRequirementInvalid(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		op     Operator
		values []string
		msg    string
	}{
		{"in without values", "a", In, nil, `operator "in" needs at least one value`},
		{"equals with two values", "a", Equals, []string{"x", "y"}, "needs exactly one value, got 2"},
		{"exists with a value", "a", Exists, []string{"x"}, "takes no values"},
		{"gt with a word", "a", GreaterThan, []string{"x"}, "needs an integer"},
		{"unknown operator", "a", Operator("like"), []string{"x"}, `unsupported operator "like"`},
		{"bad key", "a b", Exists, nil, `key "a b"`},
		{"bad value", "a", In, []string{"ok", "no way"}, `value "no way"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRequirement(tt.key, tt.op, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("NewRequirement(%q, %q, %q): got error %v, want one containing %q", tt.key, tt.op, tt.values, err, tt.msg)
			}
		})
	}
}
