package labels

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

// Operator relates a label key to the values of a Requirement. The values
// are Kubernetes' selection operators.
type Operator string

// Operators. In the string syntax Exists is a bare key, DoesNotExist is
// "!key", GreaterThan is ">" and LessThan is "<".
const (
	Equals       Operator = "="
	DoubleEquals Operator = "=="
	NotEquals    Operator = "!="
	In           Operator = "in"
	NotIn        Operator = "notin"
	Exists       Operator = "exists"
	DoesNotExist Operator = "!"
	GreaterThan  Operator = "gt"
	LessThan     Operator = "lt"
)

// Requirement is one clause of a selector; a selector matches when all of
// its requirements do. Build one with NewRequirement, which validates it.
type Requirement struct {
	Key    string
	Op     Operator
	Values []string
}

// NewRequirement returns a validated requirement. The key must be a
// qualified name and every value a label value; in/notin need at least one
// value, the equality operators and gt/lt exactly one (an integer for
// gt/lt), exists and does-not-exist none. Values are kept sorted and
// without duplicates.
func NewRequirement(key string, op Operator, values []string) (Requirement, error) {
	var problems []string
	for _, msg := range validate.QualifiedName(key) {
		problems = append(problems, fmt.Sprintf("key %q: %s", key, msg))
	}
	switch op {
	case In, NotIn:
		if len(values) == 0 {
			problems = append(problems, fmt.Sprintf("operator %q needs at least one value", op))
		}
	case Equals, DoubleEquals, NotEquals:
		if len(values) != 1 {
			problems = append(problems, fmt.Sprintf("operator %q needs exactly one value, got %d", op, len(values)))
		}
	case Exists, DoesNotExist:
		if len(values) != 0 {
			problems = append(problems, fmt.Sprintf("operator %q takes no values, got %d", op, len(values)))
		}
	case GreaterThan, LessThan:
		if len(values) != 1 {
			problems = append(problems, fmt.Sprintf("operator %q needs exactly one value, got %d", op, len(values)))
		}
		for _, v := range values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				problems = append(problems, fmt.Sprintf("value %q: operator %q needs an integer", v, op))
			}
		}
	default:
		problems = append(problems, fmt.Sprintf("unsupported operator %q", op))
	}
	for _, v := range values {
		for _, msg := range validate.LabelValue(v) {
			problems = append(problems, fmt.Sprintf("value %q: %s", v, msg))
		}
	}
	if len(problems) > 0 {
		return Requirement{}, fmt.Errorf("invalid label requirement: %s", strings.Join(problems, "; "))
	}
	vals := slices.Clone(values)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	if len(vals) == 0 {
		vals = nil
	}
	return Requirement{Key: key, Op: op, Values: vals}, nil
}

// Matches reports whether labels satisfy r. As in Kubernetes, != and notin
// match objects that do not carry the key at all, and gt/lt never match a
// value that is not an integer.
func (r Requirement) Matches(labels map[string]string) bool {
	v, has := labels[r.Key]
	switch r.Op {
	case Equals, DoubleEquals, In:
		return has && slices.Contains(r.Values, v)
	case NotEquals, NotIn:
		return !has || !slices.Contains(r.Values, v)
	case Exists:
		return has
	case DoesNotExist:
		return !has
	case GreaterThan, LessThan:
		if !has || len(r.Values) != 1 {
			return false
		}
		got, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		want, err := strconv.ParseInt(r.Values[0], 10, 64)
		if err != nil {
			return false
		}
		if r.Op == GreaterThan {
			return got > want
		}
		return got < want
	default:
		return false
	}
}

// String renders r in the selector syntax that Parse reads back.
func (r Requirement) String() string {
	var b strings.Builder
	if r.Op == DoesNotExist {
		b.WriteByte('!')
	}
	b.WriteString(r.Key)
	switch r.Op {
	case Equals, DoubleEquals, NotEquals:
		b.WriteString(string(r.Op))
	case GreaterThan:
		b.WriteByte('>')
	case LessThan:
		b.WriteByte('<')
	case In, NotIn:
		b.WriteString(" " + string(r.Op) + " (")
		vals := slices.Clone(r.Values)
		slices.Sort(vals)
		b.WriteString(strings.Join(vals, ","))
		b.WriteByte(')')
		return b.String()
	default:
		return b.String()
	}
	b.WriteString(strings.Join(r.Values, ","))
	return b.String()
}
