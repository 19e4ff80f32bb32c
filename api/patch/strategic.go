package patch

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// The directives of a strategic merge patch.
const (
	directiveMarker               = "$patch"
	directiveReplace              = "replace"
	directiveDelete               = "delete"
	directiveMerge                = "merge"
	retainKeysDirective           = "$retainKeys"
	setElementOrderPrefix         = "$setElementOrder/"
	deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"
)

// StrategicMergePatch applies a Kubernetes strategic merge patch to doc, an
// object of Go type t (a pointer type is fine; nil means no type is known).
// Maps merge recursively and null deletes a key. A list whose field is tagged
// patchStrategy:"merge" merges: by its patchMergeKey element by element, or,
// without one, as a union that keeps order and adds no duplicates. Other
// lists are replaced. The directives are described in the package doc.
func StrategicMergePatch(doc, patch []byte, t reflect.Type) ([]byte, error) {
	d, err := decodeObject(doc, "document", false)
	if err != nil {
		return nil, err
	}
	p, err := decodeObject(patch, "strategic merge patch", false)
	if err != nil {
		return nil, err
	}
	out, deleted, err := mergeMap(d, p, schemaFor(t), "")
	if err != nil {
		return nil, err
	}
	if deleted {
		out = map[string]any{}
	}
	return encode(out)
}

// listDirectives are the sibling keys that steer how the list in one field
// merges.
type listDirectives struct {
	order, del       any
	hasOrder, hasDel bool
}

// mergeMap merges patch p into original o (nil when there is none) and
// reports whether the map is to be deleted from its parent.
func mergeMap(o, p map[string]any, s *schema, path string) (map[string]any, bool, error) {
	if d, ok := p[directiveMarker]; ok && !s.declares(directiveMarker) {
		switch d {
		case directiveReplace:
			rest := make(map[string]any, len(p))
			for k, v := range p {
				if k != directiveMarker {
					rest[k] = v
				}
			}
			// Merging into nothing still applies (and so drops) the
			// directives nested in the replacement.
			m, _, err := mergeMap(nil, rest, s, path)
			return m, false, err
		case directiveDelete:
			return nil, true, nil
		case directiveMerge:
		default:
			return nil, false, badRequest("%s: unknown %s directive %s", at(path), directiveMarker, compact(d))
		}
	}

	out := make(map[string]any, len(o)+len(p))
	for k, v := range o {
		out[k] = v
	}
	var (
		keys      []string
		lists     = map[string]listDirectives{}
		retain    []any
		hasRetain bool
	)
	for k, v := range p {
		switch {
		case s.declares(k):
			keys = append(keys, k)
		case k == directiveMarker:
		case k == retainKeysDirective:
			l, ok := v.([]any)
			if !ok {
				return nil, false, badRequest("%s: %s must be a list of field names, got %s", at(path), k, describe(v))
			}
			retain, hasRetain = l, true
		case strings.HasPrefix(k, setElementOrderPrefix):
			f := strings.TrimPrefix(k, setElementOrderPrefix)
			ld := lists[f]
			ld.order, ld.hasOrder = v, true
			lists[f] = ld
		case strings.HasPrefix(k, deleteFromPrimitiveListPrefix):
			f := strings.TrimPrefix(k, deleteFromPrimitiveListPrefix)
			ld := lists[f]
			ld.del, ld.hasDel = v, true
			lists[f] = ld
		default:
			keys = append(keys, k)
		}
	}
	// Sorted, so that of several errors the same one is reported each time.
	sort.Strings(keys)

	for _, k := range keys {
		pv := p[k]
		if pv == nil {
			delete(out, k)
			continue
		}
		ov := out[k]
		nv, del, err := mergeField(ov, pv, s.field(k), lists[k], join(path, k))
		if err != nil {
			return nil, false, err
		}
		if del {
			delete(out, k)
		} else {
			out[k] = nv
		}
	}
	// Directives for a list the patch does not otherwise touch: a reorder,
	// or values to drop from it.
	for f, ld := range lists {
		if _, ok := p[f]; ok {
			continue
		}
		ol, ok := out[f].([]any)
		if !ok {
			continue
		}
		nl, err := mergeList(ol, nil, false, s.field(f), ld, join(path, f))
		if err != nil {
			return nil, false, err
		}
		out[f] = nl
	}

	if hasRetain {
		keep := map[string]bool{}
		for _, r := range retain {
			name, ok := r.(string)
			if !ok {
				return nil, false, badRequest("%s: %s must be a list of field names, got %s", at(path), retainKeysDirective, compact(r))
			}
			keep[name] = true
		}
		for _, k := range keys {
			if p[k] != nil && !keep[k] {
				return nil, false, badRequest("%s: field %q is set by the patch but not listed in %s", at(path), k, retainKeysDirective)
			}
		}
		for k := range out {
			if !keep[k] {
				delete(out, k)
			}
		}
	}
	return out, false, nil
}

// mergeField merges patch value pv into original value ov (nil when there is
// none) and reports whether the field is to be deleted.
func mergeField(ov, pv any, f field, ld listDirectives, path string) (any, bool, error) {
	if f.schema.kindOf() == kindAtomic {
		return pv, false, nil
	}
	switch p := pv.(type) {
	case map[string]any:
		om, _ := ov.(map[string]any)
		if f.meta.replace {
			om = nil
		}
		return mergeMap(om, p, f.schema, path)
	case []any:
		l, err := mergeList(ov, p, true, f, ld, path)
		return l, false, err
	}
	return pv, false, nil
}

// strip is a patch value merged into nothing: what a value in a replacing
// patch becomes once its directives are applied and dropped.
func strip(v any, s *schema, path string) (any, bool, error) {
	return mergeField(nil, v, field{schema: s}, listDirectives{}, path)
}

// mergeList merges the patch list pl (given says whether the patch has one at
// all, rather than only directives) into the original list ov.
func mergeList(ov any, pl []any, given bool, f field, ld listDirectives, path string) ([]any, error) {
	ol, _ := ov.([]any)
	elem := f.schema.elemOf()
	if ld.hasDel {
		dl, ok := ld.del.([]any)
		if !ok {
			return nil, badRequest("%s: %s%s must be a list, got %s", at(path), deleteFromPrimitiveListPrefix, lastName(path), describe(ld.del))
		}
		ol = slices.DeleteFunc(slices.Clone(ol), func(e any) bool { return indexOf(dl, e) >= 0 })
	}

	merge, replace := f.meta.merge, false
	items := make([]any, 0, len(pl))
	for _, e := range pl {
		if m, ok := e.(map[string]any); ok && len(m) == 1 {
			switch m[directiveMarker] {
			case directiveReplace:
				replace = true
				continue
			case directiveMerge:
				merge = true
				continue
			}
		}
		items = append(items, e)
	}

	var out []any
	var err error
	switch {
	case replace || (given && !merge):
		out = make([]any, 0, len(items))
		for i, e := range items {
			v, del, err := strip(e, elem, index(path, i))
			if err != nil {
				return nil, err
			}
			if !del {
				out = append(out, v)
			}
		}
	case !given:
		out = slices.Clone(ol)
	case f.meta.mergeKey != "":
		out, err = mergeKeyed(ol, items, f.meta.mergeKey, elem, path)
	default:
		out, err = mergeSet(ol, items, elem, path)
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []any{} // an empty list, not null
	}
	if ld.hasOrder {
		return reorder(out, ld.order, f.meta.mergeKey, path)
	}
	return out, nil
}

// mergeKeyed merges a list whose elements are objects identified by key.
func mergeKeyed(ol, items []any, key string, elem *schema, path string) ([]any, error) {
	out := slices.Clone(ol)
	for i, e := range items {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badRequest("%s: elements of a list merged by %q must be objects, got %s", index(path, i), key, describe(e))
		}
		kv, ok := m[key]
		if !ok || kv == nil {
			return nil, badRequest("%s: element has no merge key %q", index(path, i), key)
		}
		if m[directiveMarker] == directiveDelete {
			out = slices.DeleteFunc(out, func(e any) bool { return hasKey(e, key, kv) })
			continue
		}
		j := slices.IndexFunc(out, func(e any) bool { return hasKey(e, key, kv) })
		var base map[string]any
		if j >= 0 {
			base = out[j].(map[string]any)
		}
		merged, del, err := mergeMap(base, m, elem, fmt.Sprintf("%s[%s=%s]", path, key, compact(kv)))
		switch {
		case err != nil:
			return nil, err
		case del && j >= 0:
			out = slices.Delete(out, j, j+1)
		case del:
		case j >= 0:
			out[j] = merged
		default:
			out = append(out, merged)
		}
	}
	return out, nil
}

// mergeSet merges a list without a merge key as a set: values not yet in the
// list are appended.
func mergeSet(ol, items []any, elem *schema, path string) ([]any, error) {
	out := slices.Clone(ol)
	for i, e := range items {
		v, del, err := strip(e, elem, index(path, i))
		if err != nil {
			return nil, err
		}
		if !del && indexOf(out, v) < 0 {
			out = append(out, v)
		}
	}
	return out, nil
}

// reorder puts the elements named by order first, in its order, and the
// others after them in the order they had. Elements are named by their merge
// key (order entries are then {key: value} objects) or, without one, by value.
func reorder(list []any, order any, key, path string) ([]any, error) {
	ol, ok := order.([]any)
	if !ok {
		return nil, badRequest("%s: %s%s must be a list, got %s", at(path), setElementOrderPrefix, lastName(path), describe(order))
	}
	out := make([]any, 0, len(list))
	used := make([]bool, len(list))
	for _, o := range ol {
		id := o
		if m, ok := o.(map[string]any); ok && key != "" {
			if id, ok = m[key]; !ok {
				return nil, badRequest("%s: %s%s entry %s has no merge key %q", at(path), setElementOrderPrefix, lastName(path), compact(o), key)
			}
		}
		for j, e := range list {
			if !used[j] && identifies(e, key, id) {
				out = append(out, e)
				used[j] = true
			}
		}
	}
	for j, e := range list {
		if !used[j] {
			out = append(out, e)
		}
	}
	return out, nil
}

func identifies(e any, key string, id any) bool {
	if key == "" {
		return equal(e, id)
	}
	return hasKey(e, key, id)
}

// hasKey reports whether e is an object whose merge key is kv.
func hasKey(e any, key string, kv any) bool {
	m, ok := e.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m[key]
	return ok && equal(v, kv)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func at(path string) string {
	if path == "" {
		return "patch"
	}
	return path
}

func lastName(path string) string {
	return path[strings.LastIndex(path, ".")+1:]
}
