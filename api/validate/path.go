package validate

import (
	"strconv"
	"strings"
)

// Path is a field path such as spec.containers[0].image. The zero value is
// the root. Paths are immutable: Child and Index return new ones.
type Path struct {
	parent *Path
	name   string
	index  string
}

// NewPath returns the path of a top-level field.
func NewPath(name string, more ...string) *Path {
	p := &Path{name: name}
	for _, m := range more {
		p = p.Child(m)
	}
	return p
}

// Child returns the path of field name below p.
func (p *Path) Child(name string, more ...string) *Path {
	c := &Path{parent: p, name: name}
	for _, m := range more {
		c = c.Child(m)
	}
	return c
}

// Index returns the path of element i of the list at p.
func (p *Path) Index(i int) *Path { return &Path{parent: p, index: strconv.Itoa(i)} }

// Key returns the path of map key k below p.
func (p *Path) Key(k string) *Path { return &Path{parent: p, index: k} }

func (p *Path) String() string {
	if p == nil {
		return "<nil>"
	}
	var parts []*Path
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		if q.index != "" {
			b.WriteString("[" + q.index + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(q.name)
	}
	return b.String()
}
