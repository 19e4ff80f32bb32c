package codec

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// UnknownFields returns the paths of the fields in data (a decoded JSON
// value) that type t has no field for, sorted. Unlike encoding/json, field
// names must match exactly: "Name" is not "name".
func UnknownFields(data any, t reflect.Type) []string {
	var out []string
	walk(data, t, "", &out)
	sort.Strings(out)
	return out
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func walk(data any, t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A type that decodes itself (Quantity, Time, IntOrString, RawMessage)
	// decides what it accepts.
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := data.(map[string]any)
		if !ok {
			return // a type error, which json.Unmarshal reports
		}
		fields := fieldsOf(t)
		for k, v := range m {
			f, ok := fields[k]
			if !ok {
				*out = append(*out, join(path, k))
				continue
			}
			walk(v, f, join(path, k), out)
		}
	case reflect.Map:
		m, ok := data.(map[string]any)
		if !ok {
			return
		}
		for k, v := range m {
			walk(v, t.Elem(), join(path, k), out)
		}
	case reflect.Slice, reflect.Array:
		l, ok := data.([]any)
		if !ok {
			return
		}
		for i, v := range l {
			walk(v, t.Elem(), path+"["+strconv.Itoa(i)+"]", out)
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// fieldsOf maps the JSON names of t's fields, inline embedded structs
// flattened, to their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
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
				for k, v := range fieldsOf(ft) {
					fields[k] = v
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
		fields[name] = sf.Type
	}
	fieldCache.Store(t, fields)
	return fields
}
