package patch

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// kind is what a Go type is to a strategic merge patch.
type kind int

const (
	// kindUnknown has no type information (interface{} fields, fields the
	// type does not declare): maps merge and lists are replaced, as in a
	// JSON merge patch.
	kindUnknown kind = iota
	kindStruct
	kindMap
	kindList
	// kindAtomic is a value replaced whole: scalars and the types that decode
	// themselves (Quantity, Time, IntOrString, RawMessage).
	kindAtomic
)

// schema is the shape of a Go type as far as patching cares; a nil *schema
// is kindUnknown. Schemas are immutable once built.
type schema struct {
	kind   kind
	fields map[string]field // kindStruct, by JSON name, inline structs flattened
	elem   *schema          // kindMap values, kindList elements
}

// field is a struct field or map value: its type and what its tags say.
type field struct {
	schema *schema
	meta   patchMeta
}

// patchMeta is a field's patchStrategy and patchMergeKey tags.
type patchMeta struct {
	merge      bool // lists merge instead of being replaced
	replace    bool // maps are replaced instead of merged
	retainKeys bool // a generated patch lists the keys the map keeps
	mergeKey   string
}

func (s *schema) kindOf() kind {
	if s == nil {
		return kindUnknown
	}
	return s.kind
}

// field returns what is known of the value under key name; the zero field
// (unknown type, no strategy) for a name the type does not declare.
func (s *schema) field(name string) field {
	switch s.kindOf() {
	case kindStruct:
		return s.fields[name]
	case kindMap:
		return field{schema: s.elem}
	}
	return field{}
}

// declares reports whether the type has a field of that name, so that a real
// field called "$patch" or "$ref" is not taken for a directive.
func (s *schema) declares(name string) bool {
	if s.kindOf() != kindStruct {
		return false
	}
	_, ok := s.fields[name]
	return ok
}

func (s *schema) elemOf() *schema {
	if s.kindOf() != kindList {
		return nil
	}
	return s.elem
}

// schemaCache maps reflect.Type to *schema. Types are fixed for the life of
// the program, so, as encoding/json does, the package keeps what reflection
// found instead of walking a pod's type on every request.
var schemaCache sync.Map

func schemaFor(t reflect.Type) *schema {
	if t == nil {
		return nil
	}
	built := map[reflect.Type]*schema{}
	s := build(t, built)
	// Store only once the whole graph is built: a recursive type refers to
	// schemas that are filled in after their pointer is handed out.
	for t, s := range built {
		schemaCache.LoadOrStore(t, s)
	}
	return s
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func build(t reflect.Type, built map[reflect.Type]*schema) *schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := schemaCache.Load(t); ok {
		return s.(*schema)
	}
	if s, ok := built[t]; ok {
		return s
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return &schema{kind: kindAtomic}
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &schema{kind: kindStruct}
		built[t] = s
		s.fields = structFields(t, built, map[reflect.Type]bool{})
		return s
	case reflect.Map:
		s := &schema{kind: kindMap}
		built[t] = s
		s.elem = build(t.Elem(), built)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &schema{kind: kindAtomic} // []byte is a base64 string
		}
		s := &schema{kind: kindList}
		built[t] = s
		s.elem = build(t.Elem(), built)
		return s
	case reflect.Interface:
		return nil
	}
	return &schema{kind: kindAtomic}
}

// structFields lists t's fields by JSON name. Embedded structs without a JSON
// name (`json:",inline"` or no tag) are flattened as encoding/json flattens
// them; a field declared directly wins over a promoted one.
func structFields(t reflect.Type, built map[reflect.Type]*schema, inlining map[reflect.Type]bool) map[string]field {
	inlining[t] = true
	fields := map[string]field{}
	var inlined []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if !inlining[ft] {
					inlined = append(inlined, ft)
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = field{schema: build(sf.Type, built), meta: parseMeta(sf.Tag)}
	}
	for _, ft := range inlined {
		for name, f := range structFields(ft, built, inlining) {
			if _, ok := fields[name]; !ok {
				fields[name] = f
			}
		}
	}
	return fields
}

func parseMeta(tag reflect.StructTag) patchMeta {
	m := patchMeta{mergeKey: tag.Get("patchMergeKey")}
	for _, s := range strings.Split(tag.Get("patchStrategy"), ",") {
		switch strings.TrimSpace(s) {
		case "merge":
			m.merge = true
		case "replace":
			m.replace = true
		case "retainKeys":
			m.retainKeys = true
		}
	}
	return m
}
