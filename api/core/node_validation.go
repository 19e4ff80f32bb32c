package core

import (
	"fmt"
	"net"

	"github.com/wharf/wharf/api/validate"
)

var taintEffects = []string{string(TaintEffectNoSchedule), string(TaintEffectPreferNoSchedule), string(TaintEffectNoExecute)}

// ValidateNode validates a node's spec and the resources it reports.
func ValidateNode(n *Node) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	errs = append(errs, ValidateTaints(n.Spec.Taints, spec.Child("taints"))...)
	errs = append(errs, podCIDRs(n.Spec.PodCIDRs, spec.Child("podCIDRs"))...)
	if len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDR != n.Spec.PodCIDRs[0] {
		errs = append(errs, validate.Invalid(spec.Child("podCIDR"), n.Spec.PodCIDR, "must match the first entry of `podCIDRs`"))
	}
	status := validate.NewPath("status")
	errs = append(errs, nonNegativeResources(n.Status.Capacity, status.Child("capacity"))...)
	errs = append(errs, nonNegativeResources(n.Status.Allocatable, status.Child("allocatable"))...)
	return errs
}

func nonNegativeResources(rl ResourceList, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for name, q := range rl {
		if q.Sign() < 0 {
			errs = append(errs, validate.Invalid(p.Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}

// ValidateTaints validates a node's taints: well-formed, and at most one
// per key and effect.
func ValidateTaints(taints []Taint, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	seen := map[string]bool{}
	for i, t := range taints {
		ip := p.Index(i)
		for _, msg := range validate.QualifiedName(t.Key) {
			errs = append(errs, validate.Invalid(ip.Child("key"), t.Key, msg))
		}
		for _, msg := range validate.LabelValue(t.Value) {
			errs = append(errs, validate.Invalid(ip.Child("value"), t.Value, msg))
		}
		switch t.Effect {
		case TaintEffectNoSchedule, TaintEffectPreferNoSchedule, TaintEffectNoExecute:
		case "":
			errs = append(errs, validate.Required(ip.Child("effect"), ""))
		default:
			errs = append(errs, validate.NotSupported(ip.Child("effect"), string(t.Effect), taintEffects))
		}
		id := t.Key + ":" + string(t.Effect)
		if seen[id] {
			errs = append(errs, validate.Duplicate(ip, id))
		}
		seen[id] = true
	}
	return errs
}

// podCIDRs checks a node's pod ranges: valid, distinct, and at most one per
// IP family.
func podCIDRs(cidrs []string, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	seen := map[string]bool{}
	v4, v6 := 0, 0
	for i, c := range cidrs {
		ip, _, err := net.ParseCIDR(c)
		switch {
		case err != nil:
			errs = append(errs, validate.Invalid(p.Index(i), c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
		case ip.To4() != nil:
			v4++
		default:
			v6++
		}
		if seen[c] {
			errs = append(errs, validate.Duplicate(p.Index(i), c))
		}
		seen[c] = true
	}
	if len(cidrs) > 2 || v4 > 1 || v6 > 1 {
		errs = append(errs, validate.Invalid(p, fmt.Sprint(cidrs), "may specify no more than one CIDR for each IP family"))
	}
	return errs
}

// ValidateNodeUpdate refuses to move a node's pod ranges or provider ID once
// they are set: pods already have addresses from them.
func ValidateNodeUpdate(n, old *Node) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	if len(old.Spec.PodCIDRs) > 0 && fmt.Sprint(old.Spec.PodCIDRs) != fmt.Sprint(n.Spec.PodCIDRs) {
		errs = append(errs, validate.Forbidden(spec.Child("podCIDRs"), `node updates may not change podCIDR except from "" to valid`))
	}
	if old.Spec.ProviderID != "" && old.Spec.ProviderID != n.Spec.ProviderID {
		errs = append(errs, validate.Forbidden(spec.Child("providerID"), `node updates may not change providerID except from "" to valid`))
	}
	return errs
}
