package core

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

const podUpdateForbidden = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)"

// ValidatePodUpdate checks what an update of a defaulted pod may change: a
// running pod's spec is fixed except for container images, a shorter
// activeDeadlineSeconds, and added tolerations. The new pod is validated on
// its own by ValidatePod.
func ValidatePodUpdate(p, old *Pod) validate.ErrorList {
	spec := validate.NewPath("spec")
	if len(p.Spec.Containers) != len(old.Spec.Containers) {
		return validate.ErrorList{validate.Forbidden(spec.Child("containers"), "pod updates may not add or remove containers")}
	}
	if len(p.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return validate.ErrorList{validate.Forbidden(spec.Child("initContainers"), "pod updates may not add or remove containers")}
	}
	var errs validate.ErrorList
	errs = append(errs, activeDeadlineUpdate(p.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds, spec.Child("activeDeadlineSeconds"))...)
	errs = append(errs, onlyAddedTolerations(p.Spec.Tolerations, old.Spec.Tolerations, spec.Child("tolerations"))...)

	// Make the mutable fields equal, then nothing else may differ.
	munged := meta.DeepCopy(p.Spec)
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	munged.Tolerations = old.Spec.Tolerations
	if where, differs := firstDifference(reflect.ValueOf(old.Spec), reflect.ValueOf(munged), "spec"); differs {
		errs = append(errs, validate.Forbidden(spec, podUpdateForbidden+"; "+where+" changed"))
	}
	return errs
}

// activeDeadlineUpdate allows setting a deadline or shortening it, never
// lengthening or removing it.
func activeDeadlineUpdate(d, old *int64, p *validate.Path) validate.ErrorList {
	switch {
	case d == nil && old != nil:
		return validate.ErrorList{validate.Invalid(p, nil, "must not update from a positive integer to nil value")}
	case d == nil:
		return nil
	case *d < 0 || *d > math.MaxInt32:
		return validate.ErrorList{validate.Invalid(p, *d, rangeMsg(0, math.MaxInt32))}
	case old != nil && *d > *old:
		return validate.ErrorList{validate.Invalid(p, *d, "must be less than or equal to previous value")}
	}
	return nil
}

// onlyAddedTolerations requires every old toleration to remain, with only
// its tolerationSeconds changed at most.
func onlyAddedTolerations(tolerations, old []Toleration, p *validate.Path) validate.ErrorList {
	for _, o := range old {
		found := false
		for _, t := range tolerations {
			o.TolerationSeconds = t.TolerationSeconds
			if reflect.DeepEqual(o, t) {
				found = true
				break
			}
		}
		if !found {
			return validate.ErrorList{validate.Forbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

// firstDifference compares a and b as Kubernetes' semantic equality does
// (nil and empty lists and maps are equal; quantities and times compare by
// value through their Equal method) and returns the JSON path, below p, of
// the first difference.
func firstDifference(a, b reflect.Value, p string) (string, bool) {
	if eq := a.MethodByName("Equal"); eq.IsValid() && eq.Type().NumIn() == 1 && eq.Type().In(0) == a.Type() &&
		eq.Type().NumOut() == 1 && eq.Type().Out(0).Kind() == reflect.Bool {
		return p, !eq.Call([]reflect.Value{b})[0].Bool()
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return p, a.IsNil() != b.IsNil()
		}
		return firstDifference(a.Elem(), b.Elem(), p)
	case reflect.Struct:
		t := a.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return p, !reflect.DeepEqual(a.Interface(), b.Interface())
			}
		}
		for i := range t.NumField() {
			if where, differs := firstDifference(a.Field(i), b.Field(i), jsonChild(p, t.Field(i))); differs {
				return where, true
			}
		}
		return "", false
	case reflect.Slice:
		if a.Len() != b.Len() {
			return p, true
		}
		for i := range a.Len() {
			if where, differs := firstDifference(a.Index(i), b.Index(i), p+"["+strconv.Itoa(i)+"]"); differs {
				return where, true
			}
		}
		return "", false
	case reflect.Map:
		if a.Len() != b.Len() {
			return p, true
		}
		keys := a.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			kp := p + "[" + fmt.Sprint(k) + "]"
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return kp, true
			}
			if where, differs := firstDifference(a.MapIndex(k), bv, kp); differs {
				return where, true
			}
		}
		return "", false
	default:
		return p, !a.Equal(b)
	}
}

// jsonChild is the path of field f below p: its JSON name, or p itself for
// an inlined struct.
func jsonChild(p string, f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		if f.Anonymous {
			return p
		}
		name = f.Name
	}
	return p + "." + name
}
