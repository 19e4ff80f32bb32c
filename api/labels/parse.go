package labels

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

// ParseError says what is wrong with a selector string and where.
type ParseError struct {
	Selector string
	// Column is the 1-based byte offset of the offending token.
	Column int
	Msg    string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid label selector %q: column %d: %s", e.Selector, e.Column, e.Msg)
}

// Parse reads a selector in Kubernetes' syntax: comma-separated clauses
// of the forms
//
//	key=value  key==value  key!=value
//	key in (v1,v2)  key notin (v1,v2)
//	key  !key  key>5  key<5
//
// Keys must be qualified names and values label values; a value may be
// empty ("key=" or "key in (,a)"). Whitespace between tokens is ignored.
// An empty string selects everything.
func Parse(s string) (Selector, error) {
	p := &parser{src: s, toks: lex(s)}
	rs, err := p.parse()
	if err != nil {
		return nil, err
	}
	return NewSelector(rs...), nil
}

type tokenKind int

const (
	tokEnd tokenKind = iota
	tokIdent
	tokIn
	tokNotIn
	tokOpenParen
	tokCloseParen
	tokComma
	tokEquals
	tokDoubleEquals
	tokNotEquals
	tokBang
	tokGreater
	tokLess
)

type token struct {
	kind tokenKind
	lit  string
	pos  int // byte offset in the source
}

// describe names a token in an error message.
func (t token) describe() string {
	if t.kind == tokEnd {
		return "end of string"
	}
	return fmt.Sprintf("'%s'", t.lit)
}

var symbols = map[string]tokenKind{
	"!=": tokNotEquals, "==": tokDoubleEquals,
	"=": tokEquals, "!": tokBang, "(": tokOpenParen, ")": tokCloseParen,
	",": tokComma, ">": tokGreater, "<": tokLess,
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isSymbol(c byte) bool { return strings.IndexByte("=!(),<>", c) >= 0 }

// lex splits s into tokens, ending with tokEnd. An identifier is any run of
// bytes that are neither whitespace nor symbols; validation comes later,
// so that the error can say which key or value is wrong.
func lex(s string) []token {
	var toks []token
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return append(toks, token{kind: tokEnd, pos: i})
		}
		start := i
		if isSymbol(s[i]) {
			n := 1
			if i+1 < len(s) {
				if _, ok := symbols[s[i:i+2]]; ok {
					n = 2
				}
			}
			i += n
			toks = append(toks, token{kind: symbols[s[start:i]], lit: s[start:i], pos: start})
			continue
		}
		for i < len(s) && !isSpace(s[i]) && !isSymbol(s[i]) {
			i++
		}
		t := token{kind: tokIdent, lit: s[start:i], pos: start}
		switch t.lit {
		case "in":
			t.kind = tokIn
		case "notin":
			t.kind = tokNotIn
		}
		toks = append(toks, t)
	}
}

type parser struct {
	src  string
	toks []token
	i    int
}

// peek returns the next token. Where a key or value is expected the
// keywords "in" and "notin" are plain identifiers ("in in (notin)" is
// valid), so they are only keywords where an operator is expected.
func (p *parser) peek(operatorExpected bool) token {
	t := p.toks[p.i]
	if !operatorExpected && (t.kind == tokIn || t.kind == tokNotIn) {
		t.kind = tokIdent
	}
	return t
}

func (p *parser) next(operatorExpected bool) token {
	t := p.peek(operatorExpected)
	if t.kind != tokEnd {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, a ...any) error {
	return &ParseError{Selector: p.src, Column: t.pos + 1, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) parse() ([]Requirement, error) {
	var rs []Requirement
	for {
		t := p.peek(false)
		switch t.kind {
		case tokEnd:
			return rs, nil
		case tokIdent, tokBang:
		default:
			return nil, p.errorf(t, "found %s, expected: !, identifier, or end of string", t.describe())
		}
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
		t = p.next(false)
		switch t.kind {
		case tokEnd:
			return rs, nil
		case tokComma:
			if n := p.peek(false); n.kind != tokIdent && n.kind != tokBang {
				return nil, p.errorf(n, "found %s, expected: identifier after ','", n.describe())
			}
		default:
			return nil, p.errorf(t, "found %s, expected: ',' or end of string", t.describe())
		}
	}
}

func (p *parser) requirement() (Requirement, error) {
	start := p.peek(false)
	op := Exists
	if start.kind == tokBang {
		op = DoesNotExist
		p.next(false)
	}
	key := p.next(false)
	if key.kind != tokIdent {
		return Requirement{}, p.errorf(key, "found %s, expected: identifier", key.describe())
	}
	if msgs := validate.QualifiedName(key.lit); len(msgs) > 0 {
		return Requirement{}, p.errorf(key, "invalid key %q: %s", key.lit, strings.Join(msgs, "; "))
	}
	if after := p.peek(false); op == DoesNotExist || after.kind == tokEnd || after.kind == tokComma {
		return p.build(key, op, nil)
	}
	opTok := p.next(true)
	var values []token
	var err error
	switch opTok.kind {
	case tokIn, tokNotIn:
		op = In
		if opTok.kind == tokNotIn {
			op = NotIn
		}
		values, err = p.valueSet()
	case tokEquals, tokDoubleEquals, tokNotEquals, tokGreater, tokLess:
		op = map[tokenKind]Operator{tokEquals: Equals, tokDoubleEquals: DoubleEquals,
			tokNotEquals: NotEquals, tokGreater: GreaterThan, tokLess: LessThan}[opTok.kind]
		values, err = p.exactValue()
	default:
		return Requirement{}, p.errorf(opTok, "found %s, expected: one of =, ==, !=, in, notin, >, <", opTok.describe())
	}
	if err != nil {
		return Requirement{}, err
	}
	for _, v := range values {
		if msgs := validate.LabelValue(v.lit); len(msgs) > 0 {
			return Requirement{}, p.errorf(v, "invalid value %q: %s", v.lit, strings.Join(msgs, "; "))
		}
		if op == GreaterThan || op == LessThan {
			if _, err := strconv.ParseInt(v.lit, 10, 64); err != nil {
				return Requirement{}, p.errorf(v, "invalid value %q: operator %s needs an integer", v.lit, opTok.lit)
			}
		}
	}
	return p.build(key, op, values)
}

// build makes the requirement that the parser has already checked token by
// token; NewRequirement checks again as the single source of the rules.
func (p *parser) build(key token, op Operator, values []token) (Requirement, error) {
	vals := make([]string, len(values))
	for i, v := range values {
		vals[i] = v.lit
	}
	r, err := NewRequirement(key.lit, op, vals)
	if err != nil {
		return Requirement{}, p.errorf(key, "%s", strings.TrimPrefix(err.Error(), "invalid label requirement: "))
	}
	return r, nil
}

// exactValue reads the single value after =, ==, !=, > or <; a missing one
// is the empty value ("key=" selects key with an empty value).
func (p *parser) exactValue() ([]token, error) {
	switch t := p.peek(false); t.kind {
	case tokEnd, tokComma:
		return []token{{kind: tokIdent, pos: t.pos}}, nil
	case tokIdent:
		p.next(false)
		return []token{t}, nil
	default:
		return nil, p.errorf(t, "found %s, expected: identifier", t.describe())
	}
}

// valueSet reads "(v1, v2, ...)". Empty elements are the empty value, as
// in Kubernetes: "()" and "(,a)" both contain "".
func (p *parser) valueSet() ([]token, error) {
	if t := p.next(false); t.kind != tokOpenParen {
		return nil, p.errorf(t, "found %s, expected: '('", t.describe())
	}
	var values []token
	expectValue := true
	for {
		t := p.next(false)
		switch t.kind {
		case tokIdent:
			if !expectValue {
				return nil, p.errorf(t, "found %s, expected: ',' or ')'", t.describe())
			}
			values = append(values, t)
			expectValue = false
		case tokComma, tokCloseParen:
			if expectValue {
				values = append(values, token{kind: tokIdent, pos: t.pos})
			}
			if t.kind == tokCloseParen {
				return values, nil
			}
			expectValue = true
		default:
			return nil, p.errorf(t, "found %s, expected: ',', ')' or identifier", t.describe())
		}
	}
}
