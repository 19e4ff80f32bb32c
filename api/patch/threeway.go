package patch

import (
	"reflect"
	"slices"
	"sort"
)

// CreateThreeWayMergePatch returns the strategic merge patch that client-side
// apply sends: original is the last-applied configuration (empty or nil for
// an object never applied), modified the new manifest and current the live
// object. The patch sets every field of modified that differs from current,
// deletes every field of original that modified no longer has (null for a
// field, `$patch: delete` for an element of a keyed list,
// $deleteFromPrimitiveList for a value of a merged list), and leaves alone
// what only current has: status, defaults, what controllers and people added.
// Merged lists that change also get the $setElementOrder of modified.
func CreateThreeWayMergePatch(original, modified, current []byte, t reflect.Type) ([]byte, error) {
	o, err := decodeObject(original, "original", true)
	if err != nil {
		return nil, err
	}
	m, err := decodeObject(modified, "modified", false)
	if err != nil {
		return nil, err
	}
	c, err := decodeObject(current, "current", false)
	if err != nil {
		return nil, err
	}
	return encode(diff(o, m, c, schemaFor(t)))
}

// CreateTwoWayMergePatch returns the strategic merge patch that turns
// original into modified.
func CreateTwoWayMergePatch(original, modified []byte, t reflect.Type) ([]byte, error) {
	o, err := decodeObject(original, "original", true)
	if err != nil {
		return nil, err
	}
	m, err := decodeObject(modified, "modified", false)
	if err != nil {
		return nil, err
	}
	return encode(diff(o, m, o, schemaFor(t)))
}

// diff is the patch that makes c agree with m, and drops what o has and m
// has not. o and c may be nil: nothing was applied, or nothing is there.
func diff(o, m, c map[string]any, s *schema) map[string]any {
	patch := map[string]any{}
	for k, mv := range m {
		f := s.field(k)
		cv, inCur := c[k]
		if mv == nil {
			if inCur && cv != nil {
				patch[k] = nil
			}
			continue
		}
		// present: current has a value of the same JSON type to patch; if
		// not, the patch must carry the whole value.
		present := inCur && sameType(cv, mv)
		switch mv := mv.(type) {
		case map[string]any:
			if f.schema.kindOf() == kindAtomic || f.meta.replace {
				if !present || !equal(cv, mv) {
					patch[k] = mv
				}
				continue
			}
			om, _ := o[k].(map[string]any)
			cm, _ := cv.(map[string]any)
			sub := diff(om, mv, cm, f.schema)
			if f.meta.retainKeys && present && len(sub) > 0 {
				sub[retainKeysDirective] = sortedKeys(mv)
			}
			if len(sub) > 0 || !present {
				patch[k] = sub
			}
		case []any:
			ol, _ := o[k].([]any)
			cl, _ := cv.([]any)
			diffList(patch, k, ol, mv, cl, present, f)
		default:
			if !present || !equal(cv, mv) {
				patch[k] = mv
			}
		}
	}
	for k := range o {
		if _, ok := m[k]; !ok {
			patch[k] = nil
		}
	}
	return patch
}

// diffList adds to patch what makes list field k of current (cl) agree with
// modified (mv) and drops what original (ol) had and modified has not.
func diffList(patch map[string]any, k string, ol, mv, cl []any, present bool, f field) {
	if !f.meta.merge || f.schema.kindOf() == kindAtomic {
		if !present || !equal(cl, mv) {
			patch[k] = mv
		}
		return
	}
	key := f.meta.mergeKey
	// A list that merge semantics cannot express (duplicates, elements
	// without their key) is replaced whole.
	if !identified(mv, key, true) || !identified(cl, key, false) {
		patch[k] = append([]any{map[string]any{directiveMarker: directiveReplace}}, mv...)
		return
	}
	items := []any{}
	var order []any
	if key != "" {
		elem := f.schema.elemOf()
		for _, e := range mv {
			me := e.(map[string]any)
			kv := me[key]
			ce, _ := find(cl, key, kv).(map[string]any)
			oe, _ := find(ol, key, kv).(map[string]any)
			sub := diff(oe, me, ce, elem)
			if f.meta.retainKeys && ce != nil && len(sub) > 0 {
				sub[retainKeysDirective] = sortedKeys(me)
			}
			if ce == nil || len(sub) > 0 {
				sub[key] = kv
				items = append(items, sub)
			}
			order = append(order, map[string]any{key: kv})
		}
		var gone []any
		for _, e := range ol {
			if kv, ok := keyOf(e, key); ok && find(mv, key, kv) == nil && indexOf(gone, kv) < 0 {
				gone = append(gone, kv)
				items = append(items, map[string]any{key: kv, directiveMarker: directiveDelete})
			}
		}
	} else {
		for _, e := range mv {
			if indexOf(cl, e) < 0 {
				items = append(items, e)
			}
		}
		var gone []any
		for _, e := range ol {
			if indexOf(mv, e) < 0 && indexOf(gone, e) < 0 {
				gone = append(gone, e)
			}
		}
		if len(gone) > 0 {
			patch[deleteFromPrimitiveListPrefix+k] = gone
		}
		order = mv
	}
	if len(items) > 0 || !present {
		patch[k] = items
	}
	_, deletes := patch[deleteFromPrimitiveListPrefix+k]
	if len(items) > 0 || deletes || !orderKept(cl, mv, key) {
		if order == nil {
			order = []any{}
		}
		patch[setElementOrderPrefix+k] = order
	}
}

// identified reports whether every element of l can be told apart: by its
// merge key, or by value. Elements of current (strict false) may lack the
// key, as merging leaves them alone, but none may share one.
func identified(l []any, key string, strict bool) bool {
	var ids []any
	for _, e := range l {
		id := e
		if key != "" {
			kv, ok := keyOf(e, key)
			if !ok {
				if strict {
					return false
				}
				continue
			}
			id = kv
		}
		if indexOf(ids, id) >= 0 {
			return false
		}
		ids = append(ids, id)
	}
	return true
}

// orderKept reports whether merging modified's elements into current, new
// ones appended, already leaves them in modified's order.
func orderKept(cl, mv []any, key string) bool {
	id := func(e any) any {
		if key == "" {
			return e
		}
		kv, _ := keyOf(e, key)
		return kv
	}
	var want, got []any
	for _, e := range mv {
		want = append(want, id(e))
	}
	for _, e := range cl {
		if i := id(e); i != nil && indexOf(want, i) >= 0 {
			got = append(got, i)
		}
	}
	for _, w := range want {
		if indexOf(got, w) < 0 {
			got = append(got, w)
		}
	}
	return equal(got, want)
}

func keyOf(e any, key string) (any, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return nil, false
	}
	kv, ok := m[key]
	return kv, ok && kv != nil
}

func find(l []any, key string, kv any) any {
	if i := slices.IndexFunc(l, func(e any) bool { return hasKey(e, key, kv) }); i >= 0 {
		return l[i]
	}
	return nil
}

func sameType(a, b any) bool {
	switch a.(type) {
	case map[string]any:
		return isObject(b)
	case []any:
		_, ok := b.([]any)
		return ok
	case nil:
		return b == nil
	}
	switch b.(type) {
	case map[string]any, []any, nil:
		return false
	}
	return true
}

func sortedKeys(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
