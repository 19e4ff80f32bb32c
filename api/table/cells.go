package table

import (
	"sort"
	"strings"

	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// Placeholders for cells with nothing to show.
const (
	// None stands for an empty list, map, selector or optional value.
	None = "<none>"
	// Unknown stands for a value nobody has reported yet.
	Unknown = "<unknown>"
)

// OrNone returns s, or None when it is empty.
func OrNone(s string) string {
	if s == "" {
		return None
	}
	return s
}

// OrUnknown returns s, or Unknown when it is empty.
func OrUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// Join writes list comma-separated, or None when it is empty.
func Join(list []string) string {
	if len(list) == 0 {
		return None
	}
	return strings.Join(list, ",")
}

// MapSelector writes a map of labels as an equality selector sorted by key,
// "app=web,tier=db", or None when it is empty (a Service's spec.selector).
func MapSelector(m map[string]string) string {
	if len(m) == 0 {
		return None
	}
	return strings.Join(mapTerms(m), ",")
}

func mapTerms(m map[string]string) []string {
	terms := make([]string, 0, len(m))
	for k, v := range m {
		terms = append(terms, k+"="+v)
	}
	sort.Strings(terms)
	return terms
}

// Selector writes a structured selector as kubectl does, its terms sorted
// by key: "app=web,tier in (a,b),!canary". A nil selector selects nothing and
// an empty one everything; both print None, and an invalid one "<error>".
func Selector(s *meta.LabelSelector) string { return labels.FormatLabelSelector(s) }
