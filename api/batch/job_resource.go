package batch

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// JobResource describes jobs.
func JobResource() *scheme.Resource {
	return &scheme.Resource{
		Group:      "batch",
		Version:    "v1",
		Kind:       "Job",
		Plural:     "jobs",
		Singular:   "job",
		Categories: []string{"all"},
		Namespaced: true,
		HasStatus:  true,
		New:        func() meta.Object { return &Job{} },
		Default:    func(obj meta.Object) { DefaultJob(obj.(*Job)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateJob(obj.(*Job)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateJobUpdate(obj.(*Job), old.(*Job))
		},
		PrepareForCreate: func(obj meta.Object) { prepareJobForCreate(obj.(*Job)) },
		Fields: func(obj meta.Object) map[string]string {
			return map[string]string{"status.successful": strconv.Itoa(int(obj.(*Job).Status.Succeeded))}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Status", table.TypeString, "Status of the job."),
			table.Column("Completions", table.TypeString, "The completion status of the job."),
			table.Column("Duration", table.TypeString, "Time required to complete the job."),
			table.AgeColumn(),
			table.Wide("Containers", table.TypeString, "Names of each container in the template."),
			table.Wide("Images", table.TypeString, "Images referenced by each container in the template."),
			table.Wide("Selector", table.TypeString, "A label query over pods that should match the pod count."),
		},
		Row: func(obj meta.Object) []any { return jobRow(obj.(*Job), time.Now()) },
	}
}

func jobRow(j *Job, now time.Time) []any {
	containers, images := containerCells(&j.Spec.Template.Spec)
	return []any{
		j.Name,
		jobStatusCell(j),
		completionsCell(j),
		durationCell(j, now),
		table.Age(j.CreationTimestamp),
		containers,
		images,
		table.Selector(j.Spec.Selector),
	}
}

// jobStatusCell is kubectl's STATUS: a finished job says how it ended even
// while it is being deleted.
func jobStatusCell(j *Job) string {
	switch {
	case j.HasCondition(JobComplete):
		return "Complete"
	case j.HasCondition(JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case j.HasCondition(JobSuspended):
		return "Suspended"
	}
	return "Running"
}

// completionsCell is "succeeded/completions"; a work queue job (no
// completions) needs one success, shown "0/1 of 3" when pods run in parallel.
func completionsCell(j *Job) string {
	s := j.Status.Succeeded
	switch p := j.Spec.Parallelism; {
	case j.Spec.Completions != nil:
		return fmt.Sprintf("%d/%d", s, *j.Spec.Completions)
	case p != nil && *p > 1:
		return fmt.Sprintf("%d/1 of %d", s, *p)
	}
	return fmt.Sprintf("%d/1", s)
}

// durationCell is how long the job ran, or has been running; empty before
// it starts.
func durationCell(j *Job, now time.Time) string {
	start := j.Status.StartTime
	switch {
	case start == nil:
		return ""
	case j.Status.CompletionTime == nil:
		return table.HumanDuration(now.Sub(start.Time))
	}
	return table.HumanDuration(j.Status.CompletionTime.Sub(start.Time))
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
