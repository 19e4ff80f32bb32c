package labels

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/meta"
)

func TestMatches(t *testing.T) {
	web := map[string]string{"app": "web", "tier": "front", "env": "prod", "replicas": "5", "empty": ""}
	tests := []struct {
		selector string
		labels   map[string]string
		want     bool
	}{
		{"", web, true},
		{"", nil, true},
		{"app=web", web, true},
		{"app==web", web, true},
		{"app=db", web, false},
		{"missing=x", web, false},
		{"app!=db", web, true},
		{"app!=web", web, false},
		{"missing!=x", web, true},
		{"empty=", web, true},
		{"missing=", web, false},
		{"empty!=", web, false},
		{"env in (prod,staging)", web, true},
		{"env in (dev,staging)", web, false},
		{"missing in (x)", web, false},
		{"env notin (prod)", web, false},
		{"env notin (dev)", web, true},
		{"missing notin (x)", web, true},
		{"empty in ()", web, true},
		{"app", web, true},
		{"missing", web, false},
		{"!missing", web, true},
		{"!app", web, false},
		{"replicas>4", web, true},
		{"replicas>5", web, false},
		{"replicas<6", web, true},
		{"replicas<5", web, false},
		{"app>1", web, false}, // not an integer: never matches
		{"missing<100", web, false},
		{"app=web,tier!=db,env in (prod, staging),!canary,track", web, false},
		{"app=web,tier!=db,env in (prod, staging),!canary,tier", web, true},
		{"app=web,app=db", web, false},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			s, err := Parse(tt.selector)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.selector, err)
			}
			if got := s.Matches(tt.labels); got != tt.want {
				t.Errorf("%q.Matches(%v): got %v, want %v", tt.selector, tt.labels, got, tt.want)
			}
		})
	}
}

func TestEverythingNothing(t *testing.T) {
	labels := map[string]string{"a": "b"}
	if !Everything().Matches(labels) || !Everything().Empty() || Everything().String() != "" {
		t.Errorf("Everything(): got Matches=%v Empty=%v String=%q, want true, true, \"\"",
			Everything().Matches(labels), Everything().Empty(), Everything().String())
	}
	if Nothing().Matches(labels) || Nothing().Matches(nil) || Nothing().Empty() {
		t.Errorf("Nothing(): got Matches=%v Empty=%v, want false, false", Nothing().Matches(labels), Nothing().Empty())
	}
}

func TestSelectorFromSet(t *testing.T) {
	s := SelectorFromSet(map[string]string{"tier": "front", "app": "web"})
	if got, want := s.String(), "app=web,tier=front"; got != want {
		t.Errorf("String(): got %q, want %q", got, want)
	}
	if !s.Matches(map[string]string{"app": "web", "tier": "front", "x": "y"}) {
		t.Errorf("Matches(superset): got false, want true")
	}
	if s.Matches(map[string]string{"app": "web"}) {
		t.Errorf("Matches(subset): got true, want false")
	}
	if !SelectorFromSet(nil).Empty() || !SelectorFromSet(nil).Matches(nil) {
		t.Errorf("SelectorFromSet(nil): got a selector that is not Everything")
	}
}

func TestFromLabelSelector(t *testing.T) {
	tests := []struct {
		name    string
		in      *meta.LabelSelector
		want    string // String(); "<nothing>" for Nothing
		wantErr string
		matches map[string]string
		match   bool
	}{
		{name: "nil selects nothing", in: nil, want: "<nothing>", matches: map[string]string{}, match: false},
		{name: "empty selects everything", in: &meta.LabelSelector{}, want: "", matches: map[string]string{"a": "b"}, match: true},
		{
			name: "labels and expressions",
			in: &meta.LabelSelector{
				MatchLabels: map[string]string{"app": "web", "tier": "front"},
				MatchExpressions: []meta.LabelSelectorRequirement{
					{Key: "env", Operator: "In", Values: []string{"staging", "prod"}},
					{Key: "canary", Operator: "DoesNotExist"},
					{Key: "track", Operator: "Exists"},
					{Key: "zone", Operator: "NotIn", Values: []string{"b"}},
				},
			},
			want:    "app=web,!canary,env in (prod,staging),tier=front,track,zone notin (b)",
			matches: map[string]string{"app": "web", "tier": "front", "env": "prod", "track": "x"},
			match:   true,
		},
		{
			name:    "unknown operator",
			in:      &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "a", Operator: "Gt", Values: []string{"1"}}}},
			wantErr: `matchExpressions[0]: "Gt" is not a valid label selector operator`,
		},
		{
			name:    "In without values",
			in:      &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "a", Operator: "In"}}},
			wantErr: "matchExpressions[0]: invalid label requirement: operator \"in\" needs at least one value",
		},
		{
			name:    "invalid label value",
			in:      &meta.LabelSelector{MatchLabels: map[string]string{"a": "not valid"}},
			wantErr: `matchLabels: invalid label requirement: value "not valid"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := FromLabelSelector(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if got := FormatLabelSelector(tt.in); got != "<error>" {
					t.Errorf("FormatLabelSelector: got %q, want <error>", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got := s.String()
			if _, ok := s.(nothing); ok {
				got = "<nothing>"
			}
			if got != tt.want {
				t.Errorf("String(): got %q, want %q", got, tt.want)
			}
			if m := s.Matches(tt.matches); m != tt.match {
				t.Errorf("Matches(%v): got %v, want %v", tt.matches, m, tt.match)
			}
			wantFormat := tt.want
			if wantFormat == "" || wantFormat == "<nothing>" {
				wantFormat = "<none>"
			}
			if f := FormatLabelSelector(tt.in); f != wantFormat {
				t.Errorf("FormatLabelSelector: got %q, want %q", f, wantFormat)
			}
		})
	}
}

func TestFromLabelSelectorRoundTrip(t *testing.T) {
	in := &meta.LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []meta.LabelSelectorRequirement{{Key: "env", Operator: "NotIn", Values: []string{"b", "a"}}},
	}
	s, err := FromLabelSelector(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(s.String())
	if err != nil {
		t.Fatalf("Parse(%q): %v", s.String(), err)
	}
	if diff := cmp.Diff(s.Requirements(), again.Requirements()); diff != "" {
		t.Errorf("re-parsed requirements (-structured +parsed):\n%s", diff)
	}
}
