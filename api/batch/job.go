package batch

import (
	"maps"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Job runs pods from a template until enough of them succeed, retrying
// failed ones up to a limit.
type Job struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            JobSpec   `json:"spec,omitempty"`
	Status          JobStatus `json:"status,omitempty"`
}

// JobSpec is the desired state of a job.
type JobSpec struct {
	// Parallelism is how many pods may run at once.
	Parallelism *int32 `json:"parallelism,omitempty"`
	// Completions is how many pods must succeed; unset means the job is a
	// work queue that is done once any pod succeeds and none still runs.
	Completions *int32 `json:"completions,omitempty"`
	// ActiveDeadlineSeconds bounds the job's run time from its start,
	// after which its pods are killed and it fails.
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`
	// BackoffLimit is how many pod failures the job tolerates before it fails.
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
	// Selector picks the job's pods. Unless ManualSelector is true the
	// server generates it from the job's UID, which no other object has.
	Selector       *meta.LabelSelector  `json:"selector,omitempty"`
	ManualSelector *bool                `json:"manualSelector,omitempty"`
	Template       core.PodTemplateSpec `json:"template"`
	// TTLSecondsAfterFinished is how long a finished job is kept before it
	// is deleted, with its pods.
	TTLSecondsAfterFinished *int32          `json:"ttlSecondsAfterFinished,omitempty"`
	CompletionMode          *CompletionMode `json:"completionMode,omitempty"`
	// Suspend true deletes the job's running pods and creates no more
	// until it turns false again.
	Suspend *bool `json:"suspend,omitempty"`
}

// CompletionMode says how pods of a job are told apart.
type CompletionMode string

// Completion modes.
const (
	// NonIndexedCompletion: pods are interchangeable; the job is complete
	// once `completions` of them have succeeded.
	NonIndexedCompletion CompletionMode = "NonIndexed"
	// IndexedCompletion: each pod gets an index from 0 to completions-1;
	// the job is complete once one pod per index has succeeded.
	IndexedCompletion CompletionMode = "Indexed"
)

// JobStatus is what the job controller last observed.
type JobStatus struct {
	Conditions []JobCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// StartTime is when the controller started the job (again, after a
	// suspension).
	StartTime      *meta.Time `json:"startTime,omitempty"`
	CompletionTime *meta.Time `json:"completionTime,omitempty"`
	// Active, Succeeded and Failed count the job's pending or running,
	// succeeded and failed pods.
	Active    int32 `json:"active,omitempty"`
	Succeeded int32 `json:"succeeded,omitempty"`
	Failed    int32 `json:"failed,omitempty"`
	// CompletedIndexes lists the succeeded indexes of an Indexed job as
	// ranges: "1,3-5,7".
	CompletedIndexes string `json:"completedIndexes,omitempty"`
	// Ready counts the job's pods with a Ready condition.
	Ready *int32 `json:"ready,omitempty"`
}

// JobConditionType names a job condition.
type JobConditionType string

// Job conditions.
const (
	JobComplete  JobConditionType = "Complete"
	JobFailed    JobConditionType = "Failed"
	JobSuspended JobConditionType = "Suspended"
)

// JobCondition is one observed aspect of a job.
type JobCondition struct {
	Type               JobConditionType     `json:"type"`
	Status             core.ConditionStatus `json:"status"`
	LastProbeTime      meta.Time            `json:"lastProbeTime,omitempty"`
	LastTransitionTime meta.Time            `json:"lastTransitionTime,omitempty"`
	Reason             string               `json:"reason,omitempty"`
	Message            string               `json:"message,omitempty"`
}

// Condition returns the job's condition of type t, or nil.
func (j *Job) Condition(t JobConditionType) *JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// HasCondition reports whether the job's condition t is True.
func (j *Job) HasCondition(t JobConditionType) bool {
	c := j.Condition(t)
	return c != nil && c.Status == core.ConditionTrue
}

// DefaultBackoffLimit is how many pod failures a job tolerates by default.
const DefaultBackoffLimit = 6

// DefaultJob fills in a job's defaults as batch/v1 does.
func DefaultJob(j *Job) {
	spec := &j.Spec
	// A job with neither set runs one pod to one success.
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptr[int32](1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptr[int32](1)
	}
	if spec.BackoffLimit == nil {
		spec.BackoffLimit = ptr[int32](DefaultBackoffLimit)
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptr(NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr(false)
	}
	if spec.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = maps.Clone(spec.Template.Labels)
	}
	core.DefaultPodSpec(&spec.Template.Spec)
}

func ptr[T any](v T) *T { return &v }
