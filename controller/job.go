package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wharf/wharf/api/batch"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
)

// Job runs the pods of Jobs to completion.
//
//	job or pod changed ──▶ queue(ns/name) ──▶ sync: count the job's pods
//	    (active, succeeded, failed); too many failures or past the
//	    deadline? Failed, kill the active pods. Enough successes?
//	    Complete. Suspended? kill the active pods. Otherwise create or
//	    delete pods toward min(parallelism, completions left), replacing
//	    failed pods after a back-off. Then write the status.
type Job struct {
	client *client.Client
	jobsC  *client.Resource[batch.Job, *batch.Job]
	podsC  *client.Resource[core.Pod, *core.Pod]
	jobs   *client.Informer[batch.Job, *batch.Job]
	pods   *client.Informer[core.Pod, *core.Pod]
	rec    *events.Recorder
	log    *slog.Logger
	queue  *Queue[string]
	writes *podWrites
	now    func() time.Time

	// PodFailureBackoff is how long the job waits before replacing its
	// first failed pod; the wait doubles with every further failure, up to
	// six minutes (Kubernetes: 10s).
	PodFailureBackoff time.Duration
}

// maxPodFailureBackoff caps the wait before a failed pod is replaced.
const maxPodFailureBackoff = 6 * time.Minute

// Reasons of job conditions and events, as Kubernetes words them.
const (
	jobReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	jobReasonDeadlineExceeded     = "DeadlineExceeded"
	jobReasonSuspended            = "JobSuspended"
	jobReasonResumed              = "JobResumed"
	jobReasonCompleted            = "Completed"
)

// NewJob returns the Job controller. The informers it takes from f are
// started by f.Start.
func NewJob(c *client.Client, f *Informers, rec *events.Recorder, log *slog.Logger) *Job {
	j := &Job{
		client:            c,
		jobsC:             client.For[batch.Job](c),
		podsC:             client.For[core.Pod](c),
		jobs:              InformerFor[batch.Job](f),
		pods:              InformerFor[core.Pod](f),
		rec:               rec,
		log:               log.With("controller", "job"),
		queue:             NewQueue[string](100*time.Millisecond, 60*time.Second),
		writes:            newPodWrites(),
		now:               time.Now,
		PodFailureBackoff: 10 * time.Second,
	}
	j.pods.AddIndex(podsByControllerIndex, podControllerUID)
	enqueue := func(job *batch.Job) { j.queue.Add(job.Namespace + "/" + job.Name) }
	j.jobs.AddHandler(client.Handler[*batch.Job]{
		OnAdd:    enqueue,
		OnUpdate: func(_, job *batch.Job) { enqueue(job) },
		OnDelete: func(job *batch.Job) { j.writes.forget(job.Namespace + "/" + job.Name) },
	})
	j.pods.AddHandler(client.Handler[*core.Pod]{
		OnAdd: func(p *core.Pod) {
			if key, ok := jobKeyOf(p); ok {
				j.writes.created(key)
				j.queue.Add(key)
			}
		},
		OnUpdate: func(old, p *core.Pod) {
			if key, ok := jobKeyOf(p); ok {
				if p.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
					j.writes.deleted(key, podKeyOf(p))
				}
				j.queue.Add(key)
			}
			if key, ok := jobKeyOf(old); ok {
				j.queue.Add(key)
			}
		},
		OnDelete: func(p *core.Pod) {
			if key, ok := jobKeyOf(p); ok {
				j.writes.deleted(key, podKeyOf(p))
				j.queue.Add(key)
			}
		},
	})
	return j
}

// jobKeyOf is the key of the job controlling p.
func jobKeyOf(p *core.Pod) (string, bool) {
	ref := p.ControllerRef()
	if ref == nil || ref.Kind != "Job" || !strings.HasPrefix(ref.APIVersion, "batch/") {
		return "", false
	}
	return p.Namespace + "/" + ref.Name, true
}

// Run syncs jobs until ctx ends.
func (j *Job) Run(ctx context.Context, workers int) error {
	if !j.jobs.WaitForSync(ctx) || !j.pods.WaitForSync(ctx) {
		return nil
	}
	return runWorkers(ctx, j.queue, workers, j.log, j.sync)
}

func (j *Job) sync(ctx context.Context, key string) error {
	ns, name, _ := strings.Cut(key, "/")
	job, ok := j.jobs.Get(ns, name)
	if !ok {
		j.writes.forget(key)
		return nil
	}
	if jobFinished(job) {
		return j.expireFinished(ctx, job)
	}
	if !j.writes.settled(key) {
		return nil // the pods' events bring the job back
	}
	now := j.now()
	pods := j.pods.ByIndex(podsByControllerIndex, job.UID)
	st := meta.DeepCopy(job.Status)
	acc := accountJob(job, pods)
	suspended := job.Spec.Suspend != nil && *job.Spec.Suspend
	var errs []error

	switch {
	case suspended:
		if !job.HasCondition(batch.JobSuspended) {
			setJobCondition(&st, batch.JobSuspended, core.ConditionTrue, jobReasonSuspended, "Job suspended", now)
			j.rec.Event(job, core.EventTypeNormal, "Suspended", "Job suspended")
		}
	case job.HasCondition(batch.JobSuspended):
		// Resumed: the deadline counts from now.
		setJobCondition(&st, batch.JobSuspended, core.ConditionFalse, jobReasonResumed, "Job resumed", now)
		j.rec.Event(job, core.EventTypeNormal, "Resumed", "Job resumed")
		start := meta.NewTime(now)
		st.StartTime = &start
	case st.StartTime == nil:
		start := meta.NewTime(now)
		st.StartTime = &start
	}

	reason, message := "", ""
	switch {
	case suspended:
	case acc.failures > backoffLimit(job):
		reason, message = jobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case pastDeadline(job, st.StartTime, now):
		reason, message = jobReasonDeadlineExceeded, "Job was active longer than specified deadline"
	}

	var toCreate []int32 // completion indexes; -1 for a NonIndexed pod
	var toDelete []*core.Pod
	switch {
	case reason != "" || suspended:
		toDelete = acc.active
	case acc.complete:
		toDelete = acc.active
	default:
		toCreate, toDelete = plannedPods(job, acc)
		if wait := j.failureBackoff(acc, now); len(toCreate) > 0 && wait > 0 {
			toCreate = nil
			j.queue.AddAfter(key, wait)
		}
	}

	deleted, err := j.deletePods(ctx, key, job, toDelete)
	errs = append(errs, err)
	created, err := j.createPods(ctx, key, job, toCreate)
	errs = append(errs, err)

	st.Active = int32(len(acc.active) + created - deleted)
	st.Succeeded, st.Failed = acc.succeeded, acc.failed
	st.Ready = &acc.ready
	if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batch.IndexedCompletion {
		st.CompletedIndexes = formatIndexes(acc.succeededIndexes)
	}
	switch {
	case reason != "":
		setJobCondition(&st, batch.JobFailed, core.ConditionTrue, reason, message, now)
		j.rec.Event(job, core.EventTypeWarning, reason, message)
		j.log.Info("job failed", "job", key, "reason", reason)
	case acc.complete && !suspended:
		setJobCondition(&st, batch.JobComplete, core.ConditionTrue, "", "", now)
		done := meta.NewTime(now)
		st.CompletionTime = &done
		j.rec.Event(job, core.EventTypeNormal, jobReasonCompleted, "Job completed")
		j.log.Info("job completed", "job", key)
	}
	if !suspended && reason == "" && !acc.complete && job.Spec.ActiveDeadlineSeconds != nil && st.StartTime != nil {
		left := st.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second).Sub(now)
		j.queue.AddAfter(key, max(left, time.Millisecond))
	}
	if !jobStatusEqual(st, job.Status) {
		next := meta.DeepCopy(job)
		next.Status = st
		if _, err := j.jobsC.UpdateStatus(ctx, next); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, fmt.Errorf("updating status: %w", err))
		}
	}
	return errors.Join(errs...)
}

func jobFinished(job *batch.Job) bool {
	return job.HasCondition(batch.JobComplete) || job.HasCondition(batch.JobFailed)
}

func backoffLimit(job *batch.Job) int32 {
	if job.Spec.BackoffLimit == nil {
		return batch.DefaultBackoffLimit
	}
	return *job.Spec.BackoffLimit
}

func pastDeadline(job *batch.Job, start *meta.Time, now time.Time) bool {
	ads := job.Spec.ActiveDeadlineSeconds
	if ads == nil || start == nil {
		return false
	}
	return !now.Before(start.Add(time.Duration(*ads) * time.Second))
}

// failureBackoff is how much longer the job must wait before it replaces
// failed pods: PodFailureBackoff doubled per failure after the first,
// counted from the last failure.
func (j *Job) failureBackoff(acc jobAccount, now time.Time) time.Duration {
	if acc.failed == 0 || j.PodFailureBackoff <= 0 {
		return 0
	}
	d := maxPodFailureBackoff
	if acc.failed < 16 {
		d = min(j.PodFailureBackoff<<(acc.failed-1), maxPodFailureBackoff)
	}
	return acc.lastFailure.Add(d).Sub(now)
}

// expireFinished deletes a finished job once its ttlSecondsAfterFinished
// has passed, its pods with it.
func (j *Job) expireFinished(ctx context.Context, job *batch.Job) error {
	ttl := job.Spec.TTLSecondsAfterFinished
	if ttl == nil || job.DeletionTimestamp != nil {
		return nil
	}
	finished := job.Status.CompletionTime
	for _, t := range []batch.JobConditionType{batch.JobComplete, batch.JobFailed} {
		if c := job.Condition(t); c != nil && c.Status == core.ConditionTrue && finished == nil {
			finished = &c.LastTransitionTime
		}
	}
	if finished == nil {
		return nil
	}
	if left := finished.Add(time.Duration(*ttl) * time.Second).Sub(j.now()); left > 0 {
		j.queue.AddAfter(job.Namespace+"/"+job.Name, left)
		return nil
	}
	policy, uid := meta.DeletePropagationBackground, job.UID
	err := j.jobsC.Delete(ctx, job.Namespace, job.Name, &meta.DeleteOptions{PropagationPolicy: &policy, Preconditions: &meta.Preconditions{UID: &uid}})
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrConflict) {
		return fmt.Errorf("deleting finished job: %w", err)
	}
	j.log.Info("deleted a finished job after its TTL", "job", job.Namespace+"/"+job.Name)
	return nil
}

// createPods creates one pod per entry of indexes and returns how many
// were created.
func (j *Job) createPods(ctx context.Context, key string, job *batch.Job, indexes []int32) (int, error) {
	if len(indexes) == 0 {
		return 0, nil
	}
	j.writes.expect(key, len(indexes), nil)
	var failed atomic.Int32
	attempted, err := inBatches(len(indexes), func(i int) error {
		p, err := j.podsC.Create(ctx, job.Namespace, jobPodTemplate(job, indexes[i]))
		if err != nil {
			failed.Add(1)
			j.writes.created(key) // will never be seen
			j.rec.Eventf(job, core.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return err
		}
		j.rec.Eventf(job, core.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", p.Name)
		return nil
	})
	for range len(indexes) - attempted {
		j.writes.created(key) // never attempted, never seen
	}
	if err != nil {
		err = fmt.Errorf("creating pods: %w", err)
	}
	return attempted - int(failed.Load()), err
}

// deletePods deletes pods and returns how many it deleted.
func (j *Job) deletePods(ctx context.Context, key string, job *batch.Job, pods []*core.Pod) (int, error) {
	if len(pods) == 0 {
		return 0, nil
	}
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = podKeyOf(p)
	}
	j.writes.expect(key, 0, names)
	deleted := 0
	var errs []error
	for _, p := range pods {
		uid := p.UID
		err := j.podsC.Delete(ctx, p.Namespace, p.Name, &meta.DeleteOptions{Preconditions: &meta.Preconditions{UID: &uid}})
		switch {
		case err == nil:
			deleted++
			j.rec.Eventf(job, core.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		case errors.Is(err, errdefs.ErrNotFound):
			deleted++
			j.writes.deleted(key, podKeyOf(p))
		default:
			j.writes.deleted(key, podKeyOf(p))
			j.rec.Eventf(job, core.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, err)
		}
	}
	return deleted, errors.Join(errs...)
}

// setJobCondition sets condition t, moving its transition time only when
// its status changes.
func setJobCondition(st *batch.JobStatus, t batch.JobConditionType, s core.ConditionStatus, reason, message string, now time.Time) {
	c := batch.JobCondition{Type: t, Status: s, Reason: reason, Message: message,
		LastProbeTime: meta.NewTime(now), LastTransitionTime: meta.NewTime(now)}
	for i := range st.Conditions {
		if st.Conditions[i].Type != t {
			continue
		}
		if st.Conditions[i].Status == s {
			c.LastTransitionTime = st.Conditions[i].LastTransitionTime
		}
		st.Conditions[i] = c
		return
	}
	st.Conditions = append(st.Conditions, c)
}

func jobStatusEqual(a, b batch.JobStatus) bool {
	eqTime := func(x, y *meta.Time) bool {
		return x == nil && y == nil || x != nil && y != nil && x.Equal(y.Time)
	}
	eqInt := func(x, y *int32) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.Active == b.Active && a.Succeeded == b.Succeeded && a.Failed == b.Failed &&
		a.CompletedIndexes == b.CompletedIndexes && eqInt(a.Ready, b.Ready) &&
		eqTime(a.StartTime, b.StartTime) && eqTime(a.CompletionTime, b.CompletionTime) &&
		slices.EqualFunc(a.Conditions, b.Conditions, func(x, y batch.JobCondition) bool {
			return x.Type == y.Type && x.Status == y.Status && x.Reason == y.Reason && x.Message == y.Message &&
				x.LastTransitionTime.Equal(y.LastTransitionTime.Time)
		})
}
