package patch

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// podGen makes random pod-shaped documents from a small vocabulary, so that
// original, modified and current often share container names, labels and
// finalizers and differ in what they hold.
type podGen struct{ r *rand.Rand }

func (g podGen) chance(p float64) bool { return g.r.Float64() < p }

func (g podGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// subset returns some of pool, in random order, without repeats.
func (g podGen) subset(pool ...string) []string {
	out := append([]string(nil), pool...)
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:g.r.IntN(len(out)+1)]
}

func (g podGen) strings(pool ...string) []any {
	var out []any
	for _, s := range g.subset(pool...) {
		out = append(out, s)
	}
	return out
}

func (g podGen) stringMap(keys []string, values ...string) map[string]any {
	m := map[string]any{}
	for _, k := range g.subset(keys...) {
		m[k] = g.pick(values...)
	}
	return m
}

func (g podGen) pod() map[string]any {
	pod := map[string]any{}
	if g.chance(0.5) {
		pod["kind"] = "Pod"
	}
	if g.chance(0.9) {
		md := map[string]any{"name": g.pick("p", "q")}
		if g.chance(0.8) {
			md["labels"] = g.stringMap([]string{"app", "tier", "team", "hash"}, "a", "b", "c")
		}
		if g.chance(0.7) {
			md["finalizers"] = orEmpty(g.strings("f0", "f1", "f2", "f3", "f4"))
		}
		if g.chance(0.3) {
			md["resourceVersion"] = g.pick("1", "2", "3")
		}
		pod["metadata"] = md
	}
	if g.chance(0.9) {
		pod["spec"] = g.spec()
	}
	if g.chance(0.3) {
		pod["status"] = map[string]any{"phase": g.pick("Pending", "Running")}
	}
	if g.chance(0.3) {
		pod["extra"] = g.unknown(2)
	}
	return pod
}

func (g podGen) spec() map[string]any {
	spec := map[string]any{}
	if g.chance(0.9) {
		var cs []any
		for _, name := range g.subset("c0", "c1", "c2", "c3") {
			cs = append(cs, g.container(name))
		}
		spec["containers"] = orEmpty(cs)
	}
	if g.chance(0.4) {
		var vs []any
		for _, name := range g.subset("v0", "v1", "v2") {
			v := map[string]any{"name": name}
			if g.chance(0.5) {
				v["emptyDir"] = map[string]any{}
			} else {
				v["hostPath"] = map[string]any{"path": g.pick("/a", "/b")}
			}
			vs = append(vs, v)
		}
		spec["volumes"] = orEmpty(vs)
	}
	if g.chance(0.5) {
		spec["nodeSelector"] = g.stringMap([]string{"zone", "disk", "arch"}, "x", "y")
	}
	if g.chance(0.3) {
		var ts []any
		for _, k := range g.subset("t0", "t1", "t2") {
			ts = append(ts, map[string]any{"key": k})
		}
		spec["tolerations"] = orEmpty(ts)
	}
	if g.chance(0.4) {
		st := map[string]any{}
		if g.chance(0.7) {
			st["type"] = g.pick("RollingUpdate", "Recreate")
		}
		if g.chance(0.5) {
			st["rollingUpdate"] = map[string]any{"maxSurge": g.intOrString()}
		}
		spec["strategy"] = st
	}
	if g.chance(0.3) {
		aff := map[string]any{"zones": orEmpty(g.strings("z0", "z1", "z2"))}
		if g.chance(0.5) {
			aff["hard"] = true
		}
		spec["affinity"] = aff
	}
	return spec
}

func (g podGen) container(name string) map[string]any {
	c := map[string]any{"name": name}
	if g.chance(0.8) {
		c["image"] = g.pick("img:1", "img:2", "img:3")
	}
	if g.chance(0.3) {
		// Arguments are a replaced list, so repeats are allowed.
		var args []any
		for range g.r.IntN(3) {
			args = append(args, g.pick("-v", "-q"))
		}
		c["args"] = orEmpty(args)
	}
	if g.chance(0.5) {
		var env []any
		for _, n := range g.subset("E0", "E1", "E2", "E3") {
			e := map[string]any{"name": n}
			if g.chance(0.8) {
				e["value"] = g.pick("1", "2")
			}
			env = append(env, e)
		}
		c["env"] = orEmpty(env)
	}
	if g.chance(0.4) {
		var ports []any
		for _, p := range g.subset("80", "443", "8080") {
			port := map[string]any{"containerPort": json.Number(p)}
			if g.chance(0.5) {
				port["protocol"] = g.pick("TCP", "UDP")
			}
			ports = append(ports, port)
		}
		c["ports"] = orEmpty(ports)
	}
	if g.chance(0.3) {
		var mounts []any
		for _, p := range g.subset("/data", "/logs") {
			mounts = append(mounts, map[string]any{"name": g.pick("v0", "v1"), "mountPath": p})
		}
		c["volumeMounts"] = orEmpty(mounts)
	}
	if g.chance(0.3) {
		res := map[string]any{}
		for _, k := range g.subset("cpu", "memory") {
			res[k] = g.intOrString()
		}
		c["resources"] = res
	}
	return c
}

// intOrString makes values for atomic fields, objects included, since an
// atomic value is never merged whatever its JSON shape.
func (g podGen) intOrString() any {
	switch g.r.IntN(3) {
	case 0:
		return json.Number(strconv.Itoa(g.r.IntN(3)))
	case 1:
		return g.pick("25%", "50%")
	}
	return g.stringMap([]string{"a", "b"}, "1", "2")
}

// unknown makes a value for a field the type does not declare.
func (g podGen) unknown(depth int) any {
	switch n := g.r.IntN(4); {
	case n == 0 || depth == 0:
		return g.pick("u", "v")
	case n == 1:
		return orEmpty(g.strings("x", "y", "z"))
	default:
		m := map[string]any{}
		for _, k := range g.subset("k0", "k1", "k2") {
			m[k] = g.unknown(depth - 1)
		}
		return m
	}
}

// cross mixes two documents the way edits do: each member kept from one,
// the other, both (merged) or neither; lists now and then reordered.
func (g podGen) cross(a, b any) any {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		v := a
		if g.chance(0.5) {
			v = b
		}
		if l, ok := v.([]any); ok && g.chance(0.2) {
			l = append([]any{}, l...)
			g.r.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
			return l
		}
		return v
	}
	out := map[string]any{}
	for k, v := range am {
		if g.chance(0.9) {
			out[k] = v
		}
	}
	for k, v := range bm {
		switch ov, ok := out[k]; {
		case !ok:
			if g.chance(0.5) {
				out[k] = v
			}
		case g.chance(0.7):
			out[k] = g.cross(ov, v)
		}
	}
	return out
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// TestThreeWayProperty checks, on random documents, what apply promises:
// after the three-way patch, current has every field that modified sets, as
// modified sets it, and none of original's fields that modified dropped;
// applying the patch again changes nothing; and a two-way patch turns
// original into exactly modified.
func TestThreeWayProperty(t *testing.T) {
	pod := field{schema: schemaFor(podType)}
	failures := 0
	for seed := range uint64(3000) {
		g := podGen{rand.New(rand.NewPCG(seed, 0x5eed))}
		a, b, c := g.pod(), g.pod(), g.pod()
		original := any(a)
		if g.chance(0.15) {
			original = map[string]any{}
		}
		modified := g.cross(a, b)
		current := g.cross(g.cross(a, c), modified)
		o, m, cur := mustEncode(t, original), mustEncode(t, modified), mustEncode(t, current)

		err := func() error {
			p, err := CreateThreeWayMergePatch(o, m, cur, podType)
			if err != nil {
				return fmt.Errorf("CreateThreeWayMergePatch: %w", err)
			}
			got, err := StrategicMergePatch(cur, p, podType)
			if err != nil {
				return fmt.Errorf("StrategicMergePatch of %s: %w", p, err)
			}
			r := mustJSON(t, string(got))
			mv := mustJSON(t, string(m))
			if err := covers(r, mv, pod, "$"); err != nil {
				return fmt.Errorf("patch %s gave %s: %w", p, got, err)
			}
			if err := noneLeft(r, mustJSON(t, string(o)), mv, pod, "$"); err != nil {
				return fmt.Errorf("patch %s gave %s: %w", p, got, err)
			}
			again, err := StrategicMergePatch(got, p, podType)
			if err != nil {
				return fmt.Errorf("StrategicMergePatch again: %w", err)
			}
			if !equal(mustJSON(t, string(again)), r) {
				return fmt.Errorf("patch %s is not idempotent: once %s, twice %s", p, got, again)
			}

			p2, err := CreateTwoWayMergePatch(o, m, podType)
			if err != nil {
				return fmt.Errorf("CreateTwoWayMergePatch: %w", err)
			}
			got2, err := StrategicMergePatch(o, p2, podType)
			if err != nil {
				return fmt.Errorf("StrategicMergePatch of two-way %s: %w", p2, err)
			}
			if !equal(mustJSON(t, string(got2)), mv) {
				return fmt.Errorf("two-way patch %s gave %s, want %s", p2, got2, m)
			}
			return nil
		}()
		if err != nil {
			t.Errorf("seed %d: original %s\nmodified %s\ncurrent %s\n%v", seed, o, m, cur, err)
			if failures++; failures == 3 {
				t.FailNow()
			}
		}
	}
}

func mustEncode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// covers says whether r holds everything m sets: merged lists may hold
// elements of others too, but those of m come in m's order.
func covers(r, m any, f field, path string) error {
	if f.schema.kindOf() == kindAtomic || f.meta.replace {
		if !equal(r, m) {
			return fmt.Errorf("%s: got %s, want %s", path, compact(r), compact(m))
		}
		return nil
	}
	switch mv := m.(type) {
	case map[string]any:
		rm, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an object", path, compact(r))
		}
		for k, v := range mv {
			rv, ok := rm[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing, want %s", path, k, compact(v))
			}
			if err := covers(rv, v, f.schema.field(k), path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		rl, ok := r.([]any)
		if !ok || !f.meta.merge {
			if !equal(r, m) {
				return fmt.Errorf("%s: got %s, want %s", path, compact(r), compact(m))
			}
			return nil
		}
		key := f.meta.mergeKey
		var mine []any
		for _, e := range rl {
			if key == "" && indexOf(mv, e) >= 0 {
				mine = append(mine, e)
			}
			if kv, ok := keyOf(e, key); key != "" && ok && find(mv, key, kv) != nil {
				mine = append(mine, e)
			}
		}
		if key == "" {
			if !equal(orEmpty(mine), mv) {
				return fmt.Errorf("%s: got %s, want %s among its values", path, compact(r), compact(m))
			}
			return nil
		}
		if len(mine) != len(mv) {
			return fmt.Errorf("%s: got %s, want the elements of %s", path, compact(r), compact(m))
		}
		elem := field{schema: f.schema.elemOf()}
		for i := range mine {
			kv, _ := keyOf(mv[i], key)
			if !hasKey(mine[i], key, kv) {
				return fmt.Errorf("%s: got %s, want %s=%s at %d", path, compact(r), key, compact(kv), i)
			}
			if err := covers(mine[i], mv[i], elem, fmt.Sprintf("%s[%s]", path, compact(kv))); err != nil {
				return err
			}
		}
		return nil
	default:
		if !equal(r, m) {
			return fmt.Errorf("%s: got %s, want %s", path, compact(r), compact(m))
		}
		return nil
	}
}

// noneLeft says whether r is free of what o has and m dropped.
func noneLeft(r, o, m any, f field, path string) error {
	if f.schema.kindOf() == kindAtomic || f.meta.replace {
		return nil // covers checked the whole value
	}
	switch ov := o.(type) {
	case map[string]any:
		mm, ok1 := m.(map[string]any)
		rm, ok2 := r.(map[string]any)
		if !ok1 || !ok2 {
			return nil
		}
		for k, v := range ov {
			mv, inM := mm[k]
			if !inM {
				if rv, ok := rm[k]; ok {
					return fmt.Errorf("%s.%s: got %s, want it gone", path, k, compact(rv))
				}
				continue
			}
			if err := noneLeft(rm[k], v, mv, f.schema.field(k), path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		ml, ok1 := m.([]any)
		rl, ok2 := r.([]any)
		if !ok1 || !ok2 || !f.meta.merge {
			return nil
		}
		key := f.meta.mergeKey
		elem := field{schema: f.schema.elemOf()}
		for _, oe := range ov {
			if key == "" {
				if indexOf(ml, oe) < 0 && indexOf(rl, oe) >= 0 {
					return fmt.Errorf("%s: got %s, want %s gone", path, compact(r), compact(oe))
				}
				continue
			}
			kv, _ := keyOf(oe, key)
			me, re := find(ml, key, kv), find(rl, key, kv)
			if me == nil && re != nil {
				return fmt.Errorf("%s: got %s, want %s=%s gone", path, compact(r), key, compact(kv))
			}
			if err := noneLeft(re, oe, me, elem, fmt.Sprintf("%s[%s]", path, compact(kv))); err != nil {
				return err
			}
		}
	}
	return nil
}
