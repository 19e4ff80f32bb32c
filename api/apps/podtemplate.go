package apps

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// validatePodSet validates what every replicated kind has: a selector that
// selects something and matches the template it stamps pods from, and a
// template for pods that run forever.
func validatePodSet(selector *meta.LabelSelector, tmpl *core.PodTemplateSpec, kind string, spec *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	sp := spec.Child("selector")
	selectorOK := false
	switch {
	case selector == nil:
		errs = append(errs, validate.Required(sp, ""))
	case len(selector.MatchLabels)+len(selector.MatchExpressions) == 0:
		errs = append(errs, validate.Invalid(sp, "", "empty selector is invalid for "+kind))
	default:
		selErrs := validate.LabelSelector(selector, sp)
		errs = append(errs, selErrs...)
		selectorOK = len(selErrs) == 0
	}
	tp := spec.Child("template")
	if selectorOK {
		if sel, err := labels.FromLabelSelector(selector); err == nil && !sel.Matches(tmpl.Labels) {
			errs = append(errs, validate.Invalid(tp.Child("metadata", "labels"), table.MapSelector(tmpl.Labels),
				"`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, core.ValidatePodTemplateSpec(tmpl, tp)...)
	if p := tmpl.Spec.RestartPolicy; p != core.RestartPolicyAlways {
		errs = append(errs, validate.NotSupported(tp.Child("spec", "restartPolicy"), string(p), []string{string(core.RestartPolicyAlways)}))
	}
	if tmpl.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, validate.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

// selectorUpdate refuses to change a selector: the controller would lose
// track of the pods it already owns.
func selectorUpdate(sel, old *meta.LabelSelector, p *validate.Path) validate.ErrorList {
	a, b := table.Selector(sel), table.Selector(old)
	if a == b {
		return nil
	}
	return validate.ErrorList{validate.Invalid(p, a, validate.FieldImmutable)}
}

func nonNegative(v int64, p *validate.Path) validate.ErrorList {
	if v < 0 {
		return validate.ErrorList{validate.Invalid(p, v, "must be greater than or equal to 0")}
	}
	return nil
}

// notAbove reports v > limit with limit's name: "cannot be greater than status.replicas".
func notAbove(v, limit int32, limitName string, p *validate.Path) validate.ErrorList {
	if v > limit {
		return validate.ErrorList{validate.Invalid(p, v, "cannot be greater than "+limitName)}
	}
	return nil
}

var percentRE = regexp.MustCompile(`^[0-9]+%$`)

// intOrPercent validates a count such as maxSurge: a non-negative integer
// or a percentage.
func intOrPercent(v *meta.IntOrString, p *validate.Path) validate.ErrorList {
	switch {
	case v == nil:
		return nil
	case v.IsString && !percentRE.MatchString(v.StrVal):
		return validate.ErrorList{validate.Invalid(p, v.StrVal, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%')")}
	case v.IsString:
		return nil
	}
	return nonNegative(int64(v.IntVal), p)
}

// intOrPercentValue is the number or percentage in v, and whether it is a
// percentage; 0 for nil or malformed values.
func intOrPercentValue(v *meta.IntOrString) (int, bool) {
	if v == nil {
		return 0, false
	}
	if !v.IsString {
		return int(v.IntVal), false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	if err != nil {
		return 0, true
	}
	return n, true
}

// containerCells are the CONTAINERS and IMAGES cells of a pod template.
func containerCells(spec *core.PodSpec) (names, images string) {
	n := make([]string, len(spec.Containers))
	i := make([]string, len(spec.Containers))
	for k, c := range spec.Containers {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
