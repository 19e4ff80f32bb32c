package table

import (
	"testing"

	"github.com/wharf/wharf/api/meta"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, "<none>"},
		{[]string{}, "<none>"},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a,b"},
	}
	for _, tt := range tests {
		if got := Join(tt.in); got != tt.want {
			t.Errorf("Join(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMapSelector(t *testing.T) {
	if got, want := MapSelector(nil), "<none>"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := MapSelector(map[string]string{"tier": "db", "app": "web"}), "app=web,tier=db"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSelector(t *testing.T) {
	tests := []struct {
		name string
		in   *meta.LabelSelector
		want string
	}{
		{"nil", nil, "<none>"},
		{"empty", &meta.LabelSelector{}, "<none>"},
		{"labels", &meta.LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"}}, "a=1,b=2"},
		{
			"mixed, sorted by key",
			&meta.LabelSelector{
				MatchLabels: map[string]string{"app": "web"},
				MatchExpressions: []meta.LabelSelectorRequirement{
					{Key: "tier", Operator: "In", Values: []string{"b", "a"}},
					{Key: "canary", Operator: "DoesNotExist"},
					{Key: "env", Operator: "NotIn", Values: []string{"dev"}},
					{Key: "zone", Operator: "Exists"},
				},
			},
			"app=web,!canary,env notin (dev),tier in (a,b),zone",
		},
		{"invalid", &meta.LabelSelector{MatchLabels: map[string]string{"a b": "c"}}, "<error>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Selector(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrNoneOrUnknown(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{OrNone(""), "<none>"},
		{OrNone("x"), "x"},
		{OrUnknown(""), "<unknown>"},
		{OrUnknown("x"), "x"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
