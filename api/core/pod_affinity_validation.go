package core

import (
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

func validateAffinity(a *Affinity, p *validate.Path) validate.ErrorList {
	if a == nil {
		return nil
	}
	var errs validate.ErrorList
	if na := a.NodeAffinity; na != nil {
		np := p.Child("nodeAffinity")
		if r := na.RequiredDuringSchedulingIgnoredDuringExecution; r != nil {
			errs = append(errs, validateNodeSelector(r, np.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		}
		pp := np.Child("preferredDuringSchedulingIgnoredDuringExecution")
		for i, t := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			errs = append(errs, affinityWeight(t.Weight, pp.Index(i).Child("weight"))...)
			errs = append(errs, validateNodeSelectorTerm(t.Preference, pp.Index(i).Child("preference"))...)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		errs = append(errs, validatePodAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution,
			pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAffinity"))...)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		errs = append(errs, validatePodAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution,
			pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAntiAffinity"))...)
	}
	return errs
}

func affinityWeight(w int32, p *validate.Path) validate.ErrorList {
	if w < 1 || w > 100 {
		return validate.ErrorList{validate.Invalid(p, w, "must be in the range 1-100")}
	}
	return nil
}

func validateNodeSelector(s *NodeSelector, p *validate.Path) validate.ErrorList {
	tp := p.Child("nodeSelectorTerms")
	if len(s.NodeSelectorTerms) == 0 {
		return validate.ErrorList{validate.Required(tp, "must have at least one node selector term")}
	}
	var errs validate.ErrorList
	for i, t := range s.NodeSelectorTerms {
		errs = append(errs, validateNodeSelectorTerm(t, tp.Index(i))...)
	}
	return errs
}

func validateNodeSelectorTerm(t NodeSelectorTerm, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, r := range t.MatchExpressions {
		errs = append(errs, validateNodeSelectorRequirement(r, p.Child("matchExpressions").Index(i))...)
	}
	for i, r := range t.MatchFields {
		errs = append(errs, validateNodeFieldRequirement(r, p.Child("matchFields").Index(i))...)
	}
	return errs
}

func validateNodeSelectorRequirement(r NodeSelectorRequirement, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	switch r.Operator {
	case NodeSelectorOpIn, NodeSelectorOpNotIn:
		if len(r.Values) == 0 {
			errs = append(errs, validate.Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case NodeSelectorOpExists, NodeSelectorOpDoesNotExist:
		if len(r.Values) > 0 {
			errs = append(errs, validate.Forbidden(p.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	case NodeSelectorOpGt, NodeSelectorOpLt:
		if len(r.Values) != 1 {
			errs = append(errs, validate.Required(p.Child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
		}
	default:
		errs = append(errs, validate.Invalid(p.Child("operator"), string(r.Operator), "not a valid selector operator"))
	}
	return append(errs, messagesAt(p.Child("key"), r.Key, validate.QualifiedName)...)
}

// validateNodeFieldRequirement checks a matchFields clause: Kubernetes only
// selects nodes by metadata.name, one name per clause.
func validateNodeFieldRequirement(r NodeSelectorRequirement, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	switch r.Operator {
	case NodeSelectorOpIn, NodeSelectorOpNotIn:
		if len(r.Values) != 1 {
			errs = append(errs, validate.Required(p.Child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
		}
	default:
		errs = append(errs, validate.Invalid(p.Child("operator"), string(r.Operator), "not a valid selector operator"))
	}
	if r.Key != "metadata.name" {
		errs = append(errs, validate.NotSupported(p.Child("key"), r.Key, []string{"metadata.name"}))
	}
	return errs
}

func validatePodAffinityTerms(required []PodAffinityTerm, preferred []WeightedPodAffinityTerm, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	rp := p.Child("requiredDuringSchedulingIgnoredDuringExecution")
	for i, t := range required {
		errs = append(errs, validatePodAffinityTerm(t, rp.Index(i))...)
	}
	pp := p.Child("preferredDuringSchedulingIgnoredDuringExecution")
	for i, t := range preferred {
		errs = append(errs, affinityWeight(t.Weight, pp.Index(i).Child("weight"))...)
		errs = append(errs, validatePodAffinityTerm(t.PodAffinityTerm, pp.Index(i).Child("podAffinityTerm"))...)
	}
	return errs
}

func validatePodAffinityTerm(t PodAffinityTerm, p *validate.Path) validate.ErrorList {
	errs := validatePodLabelSelector(t.LabelSelector, p.Child("labelSelector"))
	for _, ns := range t.Namespaces {
		errs = append(errs, messagesAt(p.Child("namespaces"), ns, validate.DNS1123Label)...)
	}
	if t.TopologyKey == "" {
		return append(errs, validate.Required(p.Child("topologyKey"), "can not be empty"))
	}
	return append(errs, messagesAt(p.Child("topologyKey"), t.TopologyKey, validate.QualifiedName)...)
}

// validatePodLabelSelector checks a structured label selector as Kubernetes'
// ValidateLabelSelector does.
func validatePodLabelSelector(s *meta.LabelSelector, p *validate.Path) validate.ErrorList {
	if s == nil {
		return nil
	}
	var errs validate.ErrorList
	for i, r := range s.MatchExpressions {
		ip := p.Child("matchExpressions").Index(i)
		switch r.Operator {
		case "In", "NotIn":
			if len(r.Values) == 0 {
				errs = append(errs, validate.Required(ip.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case "Exists", "DoesNotExist":
			if len(r.Values) > 0 {
				errs = append(errs, validate.Forbidden(ip.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, validate.Invalid(ip.Child("operator"), r.Operator, "not a valid selector operator"))
		}
		errs = append(errs, messagesAt(ip.Child("key"), r.Key, validate.QualifiedName)...)
		for j, v := range r.Values {
			errs = append(errs, messagesAt(ip.Child("values").Index(j), v, validate.LabelValue)...)
		}
	}
	return append(errs, validate.Labels(s.MatchLabels, p.Child("matchLabels"))...)
}
