package patch

// MergePatch applies an RFC 7386 JSON merge patch to doc: objects merge key by
// key, null deletes a key, and anything else (arrays included) replaces.
func MergePatch(doc, patch []byte) ([]byte, error) {
	d, err := decode(doc, "document")
	if err != nil {
		return nil, err
	}
	p, err := decode(patch, "merge patch")
	if err != nil {
		return nil, err
	}
	return encode(mergeValue(d, p))
}

func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = make(map[string]any, len(pm))
	}
	for k, pv := range pm {
		if pv == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], pv)
	}
	return tm
}

// CreateMergePatch returns the RFC 7386 merge patch that turns original into
// modified. A merge patch cannot set a value to null, so a null in modified
// becomes a deletion.
func CreateMergePatch(original, modified []byte) ([]byte, error) {
	o, err := decode(original, "original")
	if err != nil {
		return nil, err
	}
	m, err := decode(modified, "modified")
	if err != nil {
		return nil, err
	}
	return encode(diffValue(o, m))
}

func diffValue(original, modified any) any {
	om, ok1 := original.(map[string]any)
	mm, ok2 := modified.(map[string]any)
	if !ok1 || !ok2 {
		return modified
	}
	patch := map[string]any{}
	for k := range om {
		if _, ok := mm[k]; !ok {
			patch[k] = nil
		}
	}
	for k, mv := range mm {
		ov, ok := om[k]
		switch {
		case !ok:
			patch[k] = mv
		case isObject(ov) && isObject(mv):
			if sub := diffValue(ov, mv).(map[string]any); len(sub) > 0 {
				patch[k] = sub
			}
		case !equal(ov, mv):
			patch[k] = mv
		}
	}
	return patch
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
