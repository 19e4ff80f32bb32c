package ctl

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/patch"
)

// mutation changes an object (as JSON) the way a verb asks; an error means
// the verb does not apply to it.
type mutation func(ref objectRef, o object) error

// patchResult is what became of one object's patch.
type patchResult int

const (
	patched patchResult = iota
	unchanged
)

// patchObject reads the object, applies mutate to a copy and sends the
// strategic merge patch between the two, as kubectl's pause, resume,
// restart and set image do: only what the verb changed goes to the server,
// so it does not undo what others wrote since. failed begins the error of
// a patch the server refuses.
func patchObject(ctx context.Context, sess *session, ref objectRef, mutate mutation, failed string) (patchResult, error) {
	raw, err := sess.getObject(ctx, ref.res, ref.namespace, ref.name)
	if err != nil {
		return 0, err
	}
	p, err := mutationPatch(ref, raw, mutate)
	if err != nil {
		return 0, err
	}
	if string(p) == "{}" {
		return unchanged, nil
	}
	if _, err := sess.client.Dynamic(ref.res).Patch(ctx, ref.namespace, ref.name, client.StrategicMergePatch, p); err != nil {
		return 0, fmt.Errorf("%s: %w", failed, err)
	}
	return patched, nil
}

// mutationPatch is the strategic merge patch that mutate makes of raw, an
// object of ref's kind; "{}" when it changes nothing.
func mutationPatch(ref objectRef, raw []byte, mutate mutation) ([]byte, error) {
	o, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	original, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if err := mutate(ref, o); err != nil {
		return nil, fmt.Errorf("%s %q %v", pluralName(ref.res), ref.name, err)
	}
	modified, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	p, err := patch.CreateTwoWayMergePatch(original, modified, ref.res.Type())
	if err != nil {
		return nil, fmt.Errorf("creating the patch of %s: %w", ref, err)
	}
	return p, nil
}

// copyObject returns a deep copy of o.
func copyObject(o object) object {
	b, err := json.Marshal(o)
	if err != nil {
		return object{}
	}
	c, err := parseObject(b)
	if err != nil || c == nil {
		return object{}
	}
	return c
}

// setField sets the value at path, creating the maps on the way.
func setField(o object, value any, path ...string) {
	m := map[string]any(o)
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}
