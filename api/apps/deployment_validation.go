package apps

import "github.com/wharf/wharf/api/validate"

var deploymentStrategies = []string{string(RecreateDeploymentStrategyType), string(RollingUpdateDeploymentStrategyType)}

// ValidateDeployment validates a defaulted deployment's spec and status.
func ValidateDeployment(d *Deployment) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	if d.Spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*d.Spec.Replicas), spec.Child("replicas"))...)
	}
	errs = append(errs, validatePodSet(d.Spec.Selector, &d.Spec.Template, "deployment", spec)...)
	errs = append(errs, deploymentStrategy(d.Spec.Strategy, spec.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(d.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	if d.Spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*d.Spec.RevisionHistoryLimit), spec.Child("revisionHistoryLimit"))...)
	}
	if pd := d.Spec.ProgressDeadlineSeconds; pd != nil {
		p := spec.Child("progressDeadlineSeconds")
		errs = append(errs, nonNegative(int64(*pd), p)...)
		if *pd <= d.Spec.MinReadySeconds {
			errs = append(errs, validate.Invalid(p, *pd, "must be greater than minReadySeconds"))
		}
	}
	return append(errs, deploymentStatus(d.Status, validate.NewPath("status"))...)
}

func deploymentStrategy(s DeploymentStrategy, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	ru := p.Child("rollingUpdate")
	switch s.Type {
	case RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			errs = append(errs, validate.Forbidden(ru, "may not be specified when strategy `type` is 'Recreate'"))
		}
	case RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return append(errs, validate.Required(ru, "this should be defaulted and never be nil"))
		}
		errs = append(errs, rollingUpdate(s.RollingUpdate, ru)...)
	case "":
		errs = append(errs, validate.Required(p.Child("type"), ""))
	default:
		errs = append(errs, validate.NotSupported(p.Child("type"), string(s.Type), deploymentStrategies))
	}
	return errs
}

func rollingUpdate(ru *RollingUpdateDeployment, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	mu, ms := p.Child("maxUnavailable"), p.Child("maxSurge")
	errs = append(errs, intOrPercent(ru.MaxUnavailable, mu)...)
	errs = append(errs, intOrPercent(ru.MaxSurge, ms)...)
	unavailable, unavailablePercent := intOrPercentValue(ru.MaxUnavailable)
	surge, _ := intOrPercentValue(ru.MaxSurge)
	if ru.MaxUnavailable != nil && ru.MaxSurge != nil && unavailable == 0 && surge == 0 {
		// Neither a pod down nor one extra: the rollout could never move.
		errs = append(errs, validate.Invalid(mu, ru.MaxUnavailable.String(), "may not be 0 when `maxSurge` is 0"))
	}
	if unavailablePercent && unavailable > 100 {
		errs = append(errs, validate.Invalid(mu, ru.MaxUnavailable.String(), "must not be greater than 100%"))
	}
	return errs
}

func deploymentStatus(s DeploymentStatus, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	errs = append(errs, nonNegative(s.ObservedGeneration, p.Child("observedGeneration"))...)
	errs = append(errs, nonNegative(int64(s.Replicas), p.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(s.UpdatedReplicas), p.Child("updatedReplicas"))...)
	errs = append(errs, nonNegative(int64(s.ReadyReplicas), p.Child("readyReplicas"))...)
	errs = append(errs, nonNegative(int64(s.AvailableReplicas), p.Child("availableReplicas"))...)
	errs = append(errs, nonNegative(int64(s.UnavailableReplicas), p.Child("unavailableReplicas"))...)
	if s.CollisionCount != nil {
		errs = append(errs, nonNegative(int64(*s.CollisionCount), p.Child("collisionCount"))...)
	}
	errs = append(errs, notAbove(s.UpdatedReplicas, s.Replicas, "status.replicas", p.Child("updatedReplicas"))...)
	errs = append(errs, notAbove(s.ReadyReplicas, s.Replicas, "status.replicas", p.Child("readyReplicas"))...)
	errs = append(errs, notAbove(s.AvailableReplicas, s.Replicas, "status.replicas", p.Child("availableReplicas"))...)
	errs = append(errs, notAbove(s.AvailableReplicas, s.ReadyReplicas, "readyReplicas", p.Child("availableReplicas"))...)
	return errs
}

// ValidateDeploymentUpdate keeps a deployment's selector.
func ValidateDeploymentUpdate(d, old *Deployment) validate.ErrorList {
	return selectorUpdate(d.Spec.Selector, old.Spec.Selector, validate.NewPath("spec", "selector"))
}
