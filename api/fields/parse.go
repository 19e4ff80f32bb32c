package fields

import (
	"fmt"
	"sort"
	"strings"
)

// ParseError says what is wrong with a selector string.
type ParseError struct {
	Selector string
	// Term is the comma-separated term at fault.
	Term string
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid field selector %q: term %q: %s", e.Selector, e.Term, e.Msg)
}

// Parse reads a field selector: terms "field=value", "field==value" or
// "field!=value" separated by commas. Empty terms are ignored and an empty
// string selects everything. In values a backslash escapes ',', '=', '!'
// and '\' itself; an unescaped ',' ends the term and an unescaped '=' in a
// value is an error. Field names are taken literally up to the first
// operator. Terms are sorted by their printed form, so String is canonical.
func Parse(s string) (Selector, error) {
	terms := splitTerms(s)
	var rs requirements
	for _, term := range terms {
		if term == "" {
			continue
		}
		field, op, raw, ok := splitTerm(term)
		if !ok {
			return nil, &ParseError{s, term, "expected field=value, field==value or field!=value"}
		}
		if field == "" {
			return nil, &ParseError{s, term, "missing field name before " + string(op)}
		}
		value, err := UnescapeValue(raw)
		if err != nil {
			return nil, &ParseError{s, term, err.Error()}
		}
		if op == DoubleEquals {
			op = Equals
		}
		rs = append(rs, Requirement{Field: field, Op: op, Value: value})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].String() < rs[j].String() })
	return rs, nil
}

// splitTerms cuts s at the commas that are not escaped.
func splitTerms(s string) []string {
	if s == "" {
		return nil
	}
	var terms []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ',':
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:])
}

// splitTerm cuts a term at its first operator; "!=" and "==" win over "="
// where they start at the same place.
func splitTerm(term string) (field string, op Operator, value string, ok bool) {
	for i := 0; i < len(term); i++ {
		for _, op := range []Operator{NotEquals, DoubleEquals, Equals} {
			if strings.HasPrefix(term[i:], string(op)) {
				return term[:i], op, term[i+len(op):], true
			}
		}
	}
	return "", "", "", false
}

// UnescapeValue undoes EscapeValue. It also accepts "\!" for '!', which
// EscapeValue never needs to write.
func UnescapeValue(s string) (string, error) {
	if !strings.ContainsAny(s, `\,=`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", fmt.Errorf(`value %q ends with an unfinished escape '\'`, s)
			}
			i++
			switch s[i] {
			case '\\', ',', '=', '!':
				b.WriteByte(s[i])
			default:
				return "", fmt.Errorf(`value %q has an invalid escape sequence '\%c'`, s, s[i])
			}
		case ',', '=':
			return "", fmt.Errorf(`value %q has an unescaped '%c' (write '\%c')`, s, c, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// EscapeValue escapes '\', ',' and '=' in a value so that it can be placed
// in a selector string, exactly as Kubernetes does.
func EscapeValue(s string) string {
	return valueEscaper.Replace(s)
}

var valueEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`)
