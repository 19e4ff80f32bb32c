package validate

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/wharf/wharf/api/meta"
)

// FieldImmutable is the detail of every error about a field that an update
// changed but may not.
const FieldImmutable = "field is immutable"

// ObjectMeta validates the metadata of an object being written. The server
// has already turned generateName into a name, so name is checked as it will
// be stored: a DNS-1123 subdomain, or a label when nameIsLabel (namespaces,
// services). namespaced says whether the kind lives in a namespace.
func ObjectMeta(m *meta.ObjectMeta, namespaced, nameIsLabel bool, p *Path) ErrorList {
	var errs ErrorList
	nameCheck := DNS1123Subdomain
	if nameIsLabel {
		nameCheck = DNS1123Label
	}
	if m.GenerateName != "" {
		// A prefix may end in '-': the random suffix follows it.
		prefix := m.GenerateName
		if len(prefix) > 1 && strings.HasSuffix(prefix, "-") {
			prefix = prefix[:len(prefix)-1] + "a"
		}
		for _, msg := range nameCheck(prefix) {
			errs = append(errs, Invalid(p.Child("generateName"), m.GenerateName, msg))
		}
	}
	if m.Name == "" {
		errs = append(errs, Required(p.Child("name"), "name or generateName is required"))
	} else {
		for _, msg := range nameCheck(m.Name) {
			errs = append(errs, Invalid(p.Child("name"), m.Name, msg))
		}
	}
	switch {
	case namespaced && m.Namespace == "":
		errs = append(errs, Required(p.Child("namespace"), ""))
	case namespaced:
		for _, msg := range DNS1123Label(m.Namespace) {
			errs = append(errs, Invalid(p.Child("namespace"), m.Namespace, msg))
		}
	case m.Namespace != "":
		errs = append(errs, Forbidden(p.Child("namespace"), "not allowed on this type"))
	}
	if m.Generation < 0 {
		errs = append(errs, Invalid(p.Child("generation"), m.Generation, "must be greater than or equal to 0"))
	}
	errs = append(errs, Labels(m.Labels, p.Child("labels"))...)
	errs = append(errs, Annotations(m.Annotations, p.Child("annotations"))...)
	errs = append(errs, ownerReferences(m.OwnerReferences, p.Child("ownerReferences"))...)
	errs = append(errs, finalizers(m.Finalizers, p.Child("finalizers"))...)
	return errs
}

func ownerReferences(refs []meta.OwnerReference, p *Path) ErrorList {
	var errs ErrorList
	var controllers []string
	for i, r := range refs {
		ip := p.Index(i)
		if r.APIVersion == "" {
			errs = append(errs, Required(ip.Child("apiVersion"), ""))
		}
		if r.Kind == "" {
			errs = append(errs, Required(ip.Child("kind"), ""))
		}
		if r.Name == "" {
			errs = append(errs, Required(ip.Child("name"), ""))
		}
		if r.UID == "" {
			errs = append(errs, Required(ip.Child("uid"), ""))
		}
		if r.Controller != nil && *r.Controller {
			controllers = append(controllers, r.Kind+"/"+r.Name)
		}
	}
	if len(controllers) > 1 {
		errs = append(errs, Invalid(p, strings.Join(controllers, ", "),
			fmt.Sprintf("Only one reference can have Controller set to true. Found \"true\" in references for %s", strings.Join(controllers, " and "))))
	}
	return errs
}

func finalizers(fs []string, p *Path) ErrorList {
	var errs ErrorList
	var orphan, foreground bool
	for _, f := range fs {
		for _, msg := range QualifiedName(f) {
			errs = append(errs, Invalid(p, f, msg))
		}
		orphan = orphan || f == meta.FinalizerOrphan
		foreground = foreground || f == meta.FinalizerForeground
	}
	if orphan && foreground {
		errs = append(errs, Invalid(p, strings.Join(fs, ","),
			fmt.Sprintf("finalizers %s and %s cannot be both set", meta.FinalizerOrphan, meta.FinalizerForeground)))
	}
	return errs
}

// ObjectMetaUpdate validates what an update did to the metadata: identity
// and creation are immutable, deletion once begun cannot be undone or
// re-timed, generation never goes back, and an object being deleted gains no
// finalizers. It does not re-check the new metadata's form: callers run
// ObjectMeta on it as well.
func ObjectMetaUpdate(m, old *meta.ObjectMeta, p *Path) ErrorList {
	var errs ErrorList
	errs = append(errs, Immutable(m.Name, old.Name, p.Child("name"))...)
	errs = append(errs, Immutable(m.Namespace, old.Namespace, p.Child("namespace"))...)
	errs = append(errs, Immutable(m.UID, old.UID, p.Child("uid"))...)
	if !m.CreationTimestamp.Equal(old.CreationTimestamp.Time) {
		errs = append(errs, Invalid(p.Child("creationTimestamp"), m.CreationTimestamp.String(), FieldImmutable))
	}
	if !sameTime(m.DeletionTimestamp, old.DeletionTimestamp) {
		errs = append(errs, Invalid(p.Child("deletionTimestamp"), timeValue(m.DeletionTimestamp), FieldImmutable))
	}
	errs = append(errs, Immutable(m.DeletionGracePeriodSeconds, old.DeletionGracePeriodSeconds, p.Child("deletionGracePeriodSeconds"))...)
	if m.Generation < old.Generation {
		errs = append(errs, Invalid(p.Child("generation"), m.Generation, "must not be decremented"))
	}
	if old.DeletionTimestamp != nil {
		var added []string
		for _, f := range m.Finalizers {
			if !old.HasFinalizer(f) {
				added = append(added, f)
			}
		}
		if len(added) > 0 {
			errs = append(errs, Forbidden(p.Child("finalizers"),
				fmt.Sprintf("no new finalizers can be added if the object is being deleted, found new finalizers %q", added)))
		}
	}
	return errs
}

func sameTime(a, b *meta.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b.Time)
}

func timeValue(t *meta.Time) any {
	if t == nil {
		return nil
	}
	return t.String()
}

// Immutable reports a field that an update changed; values are compared
// deeply, so pointers, maps and slices compare by content.
func Immutable(value, old any, p *Path) ErrorList {
	if reflect.DeepEqual(value, old) {
		return nil
	}
	return ErrorList{Invalid(p, printable(value), FieldImmutable)}
}

// printable dereferences pointers so that an error shows 30, not an address.
func printable(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return v
	}
	if rv.IsNil() {
		return nil
	}
	return rv.Elem().Interface()
}

// LabelSelector validates a structured label selector (a Deployment's
// spec.selector): label syntax, and values that suit each operator. A nil
// selector is valid here; kinds that require one say so themselves.
func LabelSelector(s *meta.LabelSelector, p *Path) ErrorList {
	if s == nil {
		return nil
	}
	var errs ErrorList
	for i, r := range s.MatchExpressions {
		ip := p.Child("matchExpressions").Index(i)
		switch r.Operator {
		case "In", "NotIn":
			if len(r.Values) == 0 {
				errs = append(errs, Required(ip.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case "Exists", "DoesNotExist":
			if len(r.Values) > 0 {
				errs = append(errs, Forbidden(ip.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, Invalid(ip.Child("operator"), r.Operator, "not a valid selector operator"))
		}
		for _, msg := range QualifiedName(r.Key) {
			errs = append(errs, Invalid(ip.Child("key"), r.Key, msg))
		}
		for j, v := range r.Values {
			for _, msg := range LabelValue(v) {
				errs = append(errs, Invalid(ip.Child("values").Index(j), v, msg))
			}
		}
	}
	return append(errs, Labels(s.MatchLabels, p.Child("matchLabels"))...)
}
