package labels

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wharf/wharf/api/meta"
)

// Selector decides which label sets it selects.
type Selector interface {
	// Matches reports whether labels satisfy every requirement.
	Matches(labels map[string]string) bool
	// Empty reports whether the selector selects everything.
	Empty() bool
	// String is the selector in the syntax Parse reads; "" for Everything
	// (and for Nothing, which has no string form).
	String() string
	// Requirements returns the clauses, sorted by key. Callers must not
	// change the returned slice.
	Requirements() []Requirement
}

// requirements is a selector: the conjunction of its clauses, sorted by key.
type requirements []Requirement

func (rs requirements) Matches(labels map[string]string) bool {
	for _, r := range rs {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

func (rs requirements) Empty() bool { return len(rs) == 0 }

func (rs requirements) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (rs requirements) Requirements() []Requirement { return rs }

// nothing selects no label set at all: the selector of a nil
// meta.LabelSelector, which Kubernetes reads as "select nothing".
type nothing struct{}

func (nothing) Matches(map[string]string) bool { return false }
func (nothing) Empty() bool                    { return false }
func (nothing) String() string                 { return "" }
func (nothing) Requirements() []Requirement    { return nil }

// Everything returns the selector that matches every label set.
func Everything() Selector { return requirements(nil) }

// Nothing returns the selector that matches no label set.
func Nothing() Selector { return nothing{} }

// NewSelector returns the conjunction of rs, which should come from
// NewRequirement or Parse.
func NewSelector(rs ...Requirement) Selector {
	if len(rs) == 0 {
		return Everything()
	}
	sorted := slices.Clone(rs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	return requirements(sorted)
}

// SelectorFromSet returns the selector matching label sets that contain all
// of set: key=value for each entry. A nil or empty set selects everything.
// The set is not validated: it is meant for labels read from stored
// objects (a Service's selector, a node selector), which were validated
// when they were written.
func SelectorFromSet(set map[string]string) Selector {
	rs := make([]Requirement, 0, len(set))
	for k, v := range set {
		rs = append(rs, Requirement{Key: k, Op: Equals, Values: []string{v}})
	}
	return NewSelector(rs...)
}

// Structured selector operators (meta.LabelSelectorRequirement.Operator).
const (
	LabelSelectorOpIn           = "In"
	LabelSelectorOpNotIn        = "NotIn"
	LabelSelectorOpExists       = "Exists"
	LabelSelectorOpDoesNotExist = "DoesNotExist"
)

// FromLabelSelector converts the structured form used in specs. As in
// Kubernetes, a nil selector selects nothing and an empty one everything.
func FromLabelSelector(ls *meta.LabelSelector) (Selector, error) {
	if ls == nil {
		return Nothing(), nil
	}
	if len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		return Everything(), nil
	}
	rs := make([]Requirement, 0, len(ls.MatchLabels)+len(ls.MatchExpressions))
	keys := make([]string, 0, len(ls.MatchLabels))
	for k := range ls.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable first error when several are wrong
	for _, k := range keys {
		r, err := NewRequirement(k, Equals, []string{ls.MatchLabels[k]})
		if err != nil {
			return nil, fmt.Errorf("matchLabels: %w", err)
		}
		rs = append(rs, r)
	}
	for i, e := range ls.MatchExpressions {
		var op Operator
		switch e.Operator {
		case LabelSelectorOpIn:
			op = In
		case LabelSelectorOpNotIn:
			op = NotIn
		case LabelSelectorOpExists:
			op = Exists
		case LabelSelectorOpDoesNotExist:
			op = DoesNotExist
		default:
			return nil, fmt.Errorf("matchExpressions[%d]: %q is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)", i, e.Operator)
		}
		r, err := NewRequirement(e.Key, op, e.Values)
		if err != nil {
			return nil, fmt.Errorf("matchExpressions[%d]: %w", i, err)
		}
		rs = append(rs, r)
	}
	return NewSelector(rs...), nil
}

// FormatLabelSelector renders ls for people, as kubectl describe does:
// "<none>" when it selects nothing or everything, "<error>" when invalid.
func FormatLabelSelector(ls *meta.LabelSelector) string {
	s, err := FromLabelSelector(ls)
	if err != nil {
		return "<error>"
	}
	if str := s.String(); str != "" {
		return str
	}
	return "<none>"
}
