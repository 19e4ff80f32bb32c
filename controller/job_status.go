package controller

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wharf/wharf/api/batch"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// JobCompletionIndexAnnotation (and label) carry the completion index of a
// pod of an Indexed job; its containers also get it as
// JOB_COMPLETION_INDEX.
const JobCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

// jobAccount is what a job's pods add up to.
type jobAccount struct {
	active []*core.Pod // pending or running, and not being deleted
	// succeeded counts succeeded pods (succeeded indexes of an Indexed
	// job); failed counts failed pods.
	succeeded, failed int32
	// failures is what the backoff limit counts: failed pods, and the
	// container restarts of pods that restart on failure.
	failures    int32
	ready       int32
	lastFailure time.Time
	complete    bool
	// Indexed jobs only.
	succeededIndexes []int32 // sorted, distinct, within [0, completions)
}

func indexedJob(job *batch.Job) bool {
	return job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batch.IndexedCompletion
}

// accountJob counts the pods of job.
func accountJob(job *batch.Job, pods []*core.Pod) jobAccount {
	var acc jobAccount
	succeeded := map[int32]bool{}
	for _, p := range pods {
		switch p.Status.Phase {
		case core.PodSucceeded:
			acc.succeeded++
			if i, ok := completionIndex(p, job); ok {
				succeeded[i] = true
			}
		case core.PodFailed:
			acc.failed++
			acc.failures++
			if t := podFinishTime(p); t.After(acc.lastFailure) {
				acc.lastFailure = t
			}
		default:
			if p.DeletionTimestamp != nil {
				continue
			}
			acc.active = append(acc.active, p)
			if p.IsReady() {
				acc.ready++
			}
			if p.Spec.RestartPolicy == core.RestartPolicyOnFailure {
				for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
					acc.failures += cs.RestartCount
				}
			}
		}
	}
	completions := job.Spec.Completions
	if indexedJob(job) {
		acc.succeededIndexes = slices.Sorted(maps.Keys(succeeded))
		acc.succeeded = int32(len(acc.succeededIndexes))
		acc.complete = completions != nil && acc.succeeded >= *completions
		return acc
	}
	if completions != nil {
		acc.complete = acc.succeeded >= *completions
	} else {
		// A work queue: done once one pod succeeded and the rest stopped.
		acc.complete = acc.succeeded > 0 && len(acc.active) == 0
	}
	return acc
}

// podFinishTime is when p stopped: its last container's exit, or, when
// the agent did not say, its Ready condition's last change.
func podFinishTime(p *core.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if t.IsZero() {
		if c := p.Status.Condition(core.PodReady); c != nil {
			t = c.LastTransitionTime.Time
		}
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t
}

// completionIndex is the index of a pod of an Indexed job, if valid.
func completionIndex(p *core.Pod, job *batch.Job) (int32, bool) {
	if !indexedJob(job) || job.Spec.Completions == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(p.Annotations[JobCompletionIndexAnnotation], 10, 32)
	if err != nil || n < 0 || n >= int64(*job.Spec.Completions) {
		return 0, false
	}
	return int32(n), true
}

func parallelismOf(job *batch.Job) int {
	if job.Spec.Parallelism == nil {
		return 1
	}
	return int(*job.Spec.Parallelism)
}

// plannedPods says which pods a running job creates (their completion
// indexes; -1 for NonIndexed pods) and which of its active pods it deletes.
func plannedPods(job *batch.Job, acc jobAccount) (create []int32, remove []*core.Pod) {
	parallelism := parallelismOf(job)
	if indexedJob(job) {
		return plannedIndexedPods(job, acc, parallelism)
	}
	want := parallelism
	if c := job.Spec.Completions; c != nil {
		want = min(parallelism, max(int(*c-acc.succeeded), 0))
	} else if acc.succeeded > 0 {
		return nil, nil // a work queue winding down: no new pods, no killing
	}
	switch diff := want - len(acc.active); {
	case diff > 0:
		for range diff {
			create = append(create, -1)
		}
	case diff < 0:
		remove = jobPodsToDelete(acc.active, -diff)
	}
	return create, remove
}

// plannedIndexedPods keeps one active pod per index not yet succeeded, at
// most parallelism of them, and creates pods for the lowest missing
// indexes.
func plannedIndexedPods(job *batch.Job, acc jobAccount, parallelism int) (create []int32, remove []*core.Pod) {
	done := map[int32]bool{}
	for _, i := range acc.succeededIndexes {
		done[i] = true
	}
	running := map[int32]bool{}
	var kept []*core.Pod
	for _, p := range acc.active {
		i, ok := completionIndex(p, job)
		if !ok || done[i] || running[i] {
			remove = append(remove, p)
			continue
		}
		running[i] = true
		kept = append(kept, p)
	}
	if extra := len(kept) - parallelism; extra > 0 {
		remove = append(remove, jobPodsToDelete(kept, extra)...)
	}
	slots := parallelism - len(kept)
	for i := int32(0); slots > 0 && i < *job.Spec.Completions; i++ {
		if !done[i] && !running[i] {
			create = append(create, i)
			slots--
		}
	}
	return create, remove
}

// jobPodsToDelete picks n pods to delete: unscheduled before scheduled,
// not ready before ready, newest before oldest.
func jobPodsToDelete(pods []*core.Pod, n int) []*core.Pod {
	ranked := slices.Clone(pods)
	rank := func(p *core.Pod) int {
		switch {
		case p.Spec.NodeName == "":
			return 0
		case !p.IsReady():
			return 1
		}
		return 2
	}
	slices.SortStableFunc(ranked, func(a, b *core.Pod) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	return ranked[:min(n, len(ranked))]
}

// jobPodTemplate is a pod of job; index is its completion index, or -1.
func jobPodTemplate(job *batch.Job, index int32) *core.Pod {
	t := meta.DeepCopy(job.Spec.Template)
	p := &core.Pod{
		ObjectMeta: meta.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []meta.OwnerReference{ownerRefFor(&job.ObjectMeta, "batch/v1", "Job")},
		},
		Spec: t.Spec,
	}
	if index < 0 {
		return p
	}
	idx := strconv.Itoa(int(index))
	p.GenerateName = job.Name + "-" + idx + "-"
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Annotations[JobCompletionIndexAnnotation] = idx
	p.Labels[JobCompletionIndexAnnotation] = idx
	if p.Spec.Hostname == "" {
		p.Spec.Hostname = job.Name + "-" + idx
	}
	env := core.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: idx}
	for i := range p.Spec.InitContainers {
		p.Spec.InitContainers[i].Env = append(p.Spec.InitContainers[i].Env, env)
	}
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].Env = append(p.Spec.Containers[i].Env, env)
	}
	return p
}

// formatIndexes writes sorted indexes as ranges: "1,3-5,7".
func formatIndexes(idx []int32) string {
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(idx[i])))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(idx[j])))
		}
		i = j + 1
	}
	return b.String()
}
