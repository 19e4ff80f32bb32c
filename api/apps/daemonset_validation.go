package apps

import "github.com/wharf/wharf/api/validate"

var daemonSetStrategies = []string{string(RollingUpdateDaemonSetStrategyType), string(OnDeleteDaemonSetStrategyType)}

// ValidateDaemonSet validates a defaulted daemon set's spec and status.
func ValidateDaemonSet(ds *DaemonSet) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	errs = append(errs, validatePodSet(ds.Spec.Selector, &ds.Spec.Template, "daemonset", spec)...)
	errs = append(errs, nonNegative(int64(ds.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	errs = append(errs, daemonSetUpdateStrategy(ds.Spec.UpdateStrategy, spec.Child("updateStrategy"))...)
	if ds.Spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*ds.Spec.RevisionHistoryLimit), spec.Child("revisionHistoryLimit"))...)
	}
	return append(errs, daemonSetStatus(ds.Status, validate.NewPath("status"))...)
}

func daemonSetUpdateStrategy(s DaemonSetUpdateStrategy, p *validate.Path) validate.ErrorList {
	switch s.Type {
	case OnDeleteDaemonSetStrategyType:
		// Kubernetes ignores a rollingUpdate left over from RollingUpdate.
		return nil
	case RollingUpdateDaemonSetStrategyType:
		ru := p.Child("rollingUpdate")
		if s.RollingUpdate == nil {
			return validate.ErrorList{validate.Required(ru, "")}
		}
		return rollingUpdateDaemonSet(s.RollingUpdate, ru)
	case "":
		return validate.ErrorList{validate.Required(p.Child("type"), "")}
	}
	return validate.ErrorList{validate.NotSupported(p.Child("type"), string(s.Type), daemonSetStrategies)}
}

func rollingUpdateDaemonSet(ru *RollingUpdateDaemonSet, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	mu, ms := p.Child("maxUnavailable"), p.Child("maxSurge")
	errs = append(errs, intOrPercent(ru.MaxUnavailable, mu)...)
	errs = append(errs, intOrPercent(ru.MaxSurge, ms)...)
	unavailable, unavailablePercent := intOrPercentValue(ru.MaxUnavailable)
	surge, surgePercent := intOrPercentValue(ru.MaxSurge)
	if unavailablePercent && unavailable > 100 {
		errs = append(errs, validate.Invalid(mu, ru.MaxUnavailable.String(), "must not be greater than 100%"))
	}
	if surgePercent && surge > 100 {
		errs = append(errs, validate.Invalid(ms, ru.MaxSurge.String(), "must not be greater than 100%"))
	}
	if unavailable == 0 && surge == 0 {
		// No node may lose its pod and none may run two: the update
		// could never move.
		errs = append(errs, validate.Required(mu, "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

func daemonSetStatus(s DaemonSetStatus, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"currentNumberScheduled", int64(s.CurrentNumberScheduled)},
		{"numberMisscheduled", int64(s.NumberMisscheduled)},
		{"desiredNumberScheduled", int64(s.DesiredNumberScheduled)},
		{"numberReady", int64(s.NumberReady)},
		{"observedGeneration", s.ObservedGeneration},
		{"updatedNumberScheduled", int64(s.UpdatedNumberScheduled)},
		{"numberAvailable", int64(s.NumberAvailable)},
		{"numberUnavailable", int64(s.NumberUnavailable)},
	} {
		errs = append(errs, nonNegative(f.v, p.Child(f.name))...)
	}
	if s.CollisionCount != nil {
		errs = append(errs, nonNegative(int64(*s.CollisionCount), p.Child("collisionCount"))...)
	}
	return errs
}

// ValidateDaemonSetUpdate keeps a daemon set's selector.
func ValidateDaemonSetUpdate(ds, old *DaemonSet) validate.ErrorList {
	return selectorUpdate(ds.Spec.Selector, old.Spec.Selector, validate.NewPath("spec", "selector"))
}
