package batch

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// maxParallelismForIndexedJob bounds an Indexed job's parallelism, as in
// Kubernetes: the controller tracks indexes in memory.
const maxParallelismForIndexedJob = 100000

var (
	completionModes    = []string{string(NonIndexedCompletion), string(IndexedCompletion)}
	jobRestartPolicies = []string{string(core.RestartPolicyOnFailure), string(core.RestartPolicyNever)}
)

// ValidateJob validates a defaulted job's spec and status.
func ValidateJob(j *Job) validate.ErrorList {
	errs := validateGeneratedSelector(j)
	errs = append(errs, validateJobSpec(&j.Spec, validate.NewPath("spec"))...)
	return append(errs, validateJobStatus(&j.Status, validate.NewPath("status"))...)
}

func validateJobSpec(s *JobSpec, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for _, f := range []struct {
		name string
		v    *int64
	}{
		{"parallelism", int64Of(s.Parallelism)},
		{"completions", int64Of(s.Completions)},
		{"activeDeadlineSeconds", s.ActiveDeadlineSeconds},
		{"backoffLimit", int64Of(s.BackoffLimit)},
		{"ttlSecondsAfterFinished", int64Of(s.TTLSecondsAfterFinished)},
	} {
		if f.v != nil {
			errs = append(errs, nonNegative(*f.v, p.Child(f.name))...)
		}
	}
	if m := s.CompletionMode; m != nil {
		switch *m {
		case NonIndexedCompletion:
		case IndexedCompletion:
			if s.Completions == nil {
				errs = append(errs, validate.Required(p.Child("completions"), "when completion mode is Indexed"))
			}
			if s.Parallelism != nil && *s.Parallelism > maxParallelismForIndexedJob {
				errs = append(errs, validate.Invalid(p.Child("parallelism"), *s.Parallelism,
					"must be less than or equal to "+strconv.Itoa(maxParallelismForIndexedJob)+" when completion mode is Indexed"))
			}
		default:
			errs = append(errs, validate.NotSupported(p.Child("completionMode"), string(*m), completionModes))
		}
	}
	return append(errs, validateJobTemplate(s, p)...)
}

// validateJobTemplate checks that the selector, generated or not, picks
// the template's pods, and that the pods end: a job counts exits.
func validateJobTemplate(s *JobSpec, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	sp, tp := p.Child("selector"), p.Child("template")
	if s.Selector == nil {
		errs = append(errs, validate.Required(sp, ""))
	} else if selErrs := validate.LabelSelector(s.Selector, sp); len(selErrs) > 0 {
		errs = append(errs, selErrs...)
	} else if sel, err := labels.FromLabelSelector(s.Selector); err == nil && !sel.Matches(s.Template.Labels) {
		errs = append(errs, validate.Invalid(tp.Child("metadata", "labels"), table.MapSelector(s.Template.Labels),
			"`selector` does not match template `labels`"))
	}
	errs = append(errs, core.ValidatePodTemplateSpec(&s.Template, tp)...)
	if rp := s.Template.Spec.RestartPolicy; rp != core.RestartPolicyOnFailure && rp != core.RestartPolicyNever {
		errs = append(errs, validate.NotSupported(tp.Child("spec", "restartPolicy"), string(rp), jobRestartPolicies))
	}
	return errs
}

func validateJobStatus(s *JobStatus, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	errs = append(errs, nonNegative(int64(s.Active), p.Child("active"))...)
	errs = append(errs, nonNegative(int64(s.Succeeded), p.Child("succeeded"))...)
	errs = append(errs, nonNegative(int64(s.Failed), p.Child("failed"))...)
	if s.Ready != nil {
		errs = append(errs, nonNegative(int64(*s.Ready), p.Child("ready"))...)
	}
	return errs
}

// ValidateJobUpdate keeps what the job controller has acted on: the pods
// it selected, the template it stamped them from, and how it counts them.
// Parallelism, activeDeadlineSeconds, backoffLimit,
// ttlSecondsAfterFinished and suspend may change.
func ValidateJobUpdate(j, old *Job) validate.ErrorList {
	s, o, p := &j.Spec, &old.Spec, validate.NewPath("spec")
	errs := validate.Immutable(s.Selector, o.Selector, p.Child("selector"))
	errs = append(errs, validateCompletionsUpdate(s, o, p.Child("completions"))...)
	errs = append(errs, validate.Immutable(s.CompletionMode, o.CompletionMode, p.Child("completionMode"))...)
	return append(errs, validateTemplateUpdate(j, old, p.Child("template"))...)
}

// validateCompletionsUpdate lets an Indexed job grow or shrink, as long as
// completions moves with parallelism ("elastic" indexed jobs).
func validateCompletionsUpdate(s, old *JobSpec, p *validate.Path) validate.ErrorList {
	indexed := s.CompletionMode != nil && *s.CompletionMode == IndexedCompletion
	if !indexed {
		return validate.Immutable(s.Completions, old.Completions, p)
	}
	if s.Completions == nil || old.Completions != nil && *s.Completions == *old.Completions {
		return nil // nil is reported by ValidateJob
	}
	if s.Parallelism == nil || *s.Completions != *s.Parallelism {
		return validate.ErrorList{validate.Invalid(p, *s.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// validateTemplateUpdate keeps the template, except that a job suspended
// before it ever started may still be told where to run (what queueing
// systems such as Kueue do before they admit a job).
func validateTemplateUpdate(j, old *Job, p *validate.Path) validate.ErrorList {
	t, o := j.Spec.Template, old.Spec.Template
	neverStarted := old.Spec.Suspend != nil && *old.Spec.Suspend && old.Status.StartTime == nil
	if neverStarted {
		t.Labels, t.Annotations = o.Labels, o.Annotations
		t.Spec.NodeSelector, t.Spec.Affinity, t.Spec.Tolerations = o.Spec.NodeSelector, o.Spec.Affinity, o.Spec.Tolerations
	}
	a, errA := json.Marshal(t)
	b, errB := json.Marshal(o)
	if errA == nil && errB == nil && bytes.Equal(a, b) {
		return nil
	}
	return validate.ErrorList{validate.Invalid(p, string(a), validate.FieldImmutable)}
}

func nonNegative(v int64, p *validate.Path) validate.ErrorList {
	if v < 0 {
		return validate.ErrorList{validate.Invalid(p, v, "must be greater than or equal to 0")}
	}
	return nil
}

func int64Of(p *int32) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}
