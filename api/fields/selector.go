package fields

import (
	"sort"
	"strings"
)

// Operator compares a field with a value.
type Operator string

// Operators. Parse reads "==" as Equals, as Kubernetes does.
const (
	Equals       Operator = "="
	DoubleEquals Operator = "=="
	NotEquals    Operator = "!="
)

// Requirement is one term of a field selector.
type Requirement struct {
	Field string
	Op    Operator
	Value string
}

// Matches reports whether fields satisfy r. A field that is absent has the
// empty value, so "spec.nodeName=" selects unscheduled pods.
func (r Requirement) Matches(fields map[string]string) bool {
	if r.Op == NotEquals {
		return fields[r.Field] != r.Value
	}
	return fields[r.Field] == r.Value
}

// String renders r in the syntax Parse reads, escaping the value.
func (r Requirement) String() string {
	op := "="
	if r.Op == NotEquals {
		op = "!="
	}
	return r.Field + op + EscapeValue(r.Value)
}

// Selector decides which field sets it selects.
type Selector interface {
	// Matches reports whether fields satisfy every requirement.
	Matches(fields map[string]string) bool
	// Empty reports whether the selector selects everything.
	Empty() bool
	// String is the selector in the syntax Parse reads.
	String() string
	// Requirements returns the terms. Callers must not change the slice.
	Requirements() []Requirement
}

type requirements []Requirement

func (rs requirements) Matches(fields map[string]string) bool {
	for _, r := range rs {
		if !r.Matches(fields) {
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

// Everything returns the selector that matches every field set.
func Everything() Selector { return requirements(nil) }

// OneTermEqual returns the selector field=value.
func OneTermEqual(field, value string) Selector {
	return requirements{{Field: field, Op: Equals, Value: value}}
}

// OneTermNotEqual returns the selector field!=value.
func OneTermNotEqual(field, value string) Selector {
	return requirements{{Field: field, Op: NotEquals, Value: value}}
}

// SelectorFromSet returns the selector matching field sets that have every
// field of set with its value; nil or empty selects everything.
func SelectorFromSet(set map[string]string) Selector {
	var rs requirements
	for f, v := range set {
		rs = append(rs, Requirement{Field: f, Op: Equals, Value: v})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Field < rs[j].Field })
	return rs
}

// ExactMatch returns the value s requires field to equal, if it has such a
// term: what a server or cache uses to serve "spec.nodeName=n1" from an
// index instead of a scan.
func ExactMatch(s Selector, field string) (string, bool) {
	for _, r := range s.Requirements() {
		if r.Field == field && r.Op != NotEquals {
			return r.Value, true
		}
	}
	return "", false
}
