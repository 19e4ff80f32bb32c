package batch

import (
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// Labels the server puts on a job's pod template, so that its pods are
// easy to find by name and belong to this job alone by UID. The legacy
// ones are what Kubernetes wrote before 1.27; both are still written.
const (
	JobNameLabel             = "batch.kubernetes.io/job-name"
	ControllerUIDLabel       = "batch.kubernetes.io/controller-uid"
	LegacyJobNameLabel       = "job-name"
	LegacyControllerUIDLabel = "controller-uid"
)

// prepareJobForCreate starts a job with no status at generation 1 and,
// unless the user chose the selector, generates it. The registry has
// assigned the UID by now.
func prepareJobForCreate(j *Job) {
	j.Status = JobStatus{}
	j.Generation = 1
	if !manualSelector(j) {
		generateSelector(j)
	}
}

func manualSelector(j *Job) bool { return j.Spec.ManualSelector != nil && *j.Spec.ManualSelector }

// generateSelector adds the name and UID labels to the template, keeping
// any the user already set (validation then rejects a wrong one), and
// selects on the UID label.
func generateSelector(j *Job) {
	tl := j.Spec.Template.Labels
	if tl == nil {
		tl = map[string]string{}
		j.Spec.Template.Labels = tl
	}
	for k, v := range map[string]string{
		LegacyJobNameLabel:       j.Name,
		JobNameLabel:             j.Name,
		LegacyControllerUIDLabel: j.UID,
		ControllerUIDLabel:       j.UID,
	} {
		if _, set := tl[k]; !set {
			tl[k] = v
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &meta.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, set := j.Spec.Selector.MatchLabels[ControllerUIDLabel]; !set {
		j.Spec.Selector.MatchLabels[ControllerUIDLabel] = j.UID
	}
}

// validateGeneratedSelector checks that a generated selector and the
// template labels are still the job's own: a user could have set them, or
// copied them from another job's manifest.
func validateGeneratedSelector(j *Job) validate.ErrorList {
	if manualSelector(j) {
		return nil
	}
	var errs validate.ErrorList
	if j.UID == "" {
		// Every job would select "controller-uid=".
		errs = append(errs, validate.Required(validate.NewPath("metadata", "uid"), ""))
	}
	lp := validate.NewPath("spec", "template", "metadata", "labels")
	for _, l := range []struct{ key, want string }{
		{LegacyControllerUIDLabel, j.UID},
		{LegacyJobNameLabel, j.Name},
		{ControllerUIDLabel, j.UID},
		{JobNameLabel, j.Name},
	} {
		got, ok := j.Spec.Template.Labels[l.key]
		switch {
		case !ok:
			errs = append(errs, validate.Required(lp.Key(l.key), "must be '"+l.want+"'"))
		case got != l.want:
			errs = append(errs, validate.Invalid(lp.Key(l.key), got, "must be '"+l.want+"'"))
		}
	}
	if j.Spec.Selector == nil {
		return errs // reported by validateJobSpec
	}
	sel, err := labels.FromLabelSelector(j.Spec.Selector)
	if err == nil && !sel.Matches(map[string]string{ControllerUIDLabel: j.UID}) {
		errs = append(errs, validate.Invalid(validate.NewPath("spec", "selector"), labels.FormatLabelSelector(j.Spec.Selector), "`selector` not auto-generated"))
	}
	return errs
}
