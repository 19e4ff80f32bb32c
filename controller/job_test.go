package controller

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/batch"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

type jobBuilder struct{ j *batch.Job }

func testJob(name string) *jobBuilder {
	one, six := int32(1), int32(6)
	mode := batch.NonIndexedCompletion
	return &jobBuilder{&batch.Job{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, UID: "job-uid"},
		Spec: batch.JobSpec{
			Parallelism: &one, Completions: &one, BackoffLimit: &six, CompletionMode: &mode,
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"job": name}},
				Spec:       core.PodSpec{RestartPolicy: core.RestartPolicyNever, Containers: []core.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}}
}

func (b *jobBuilder) parallel(p int32) *jobBuilder    { b.j.Spec.Parallelism = &p; return b }
func (b *jobBuilder) completions(c int32) *jobBuilder { b.j.Spec.Completions = &c; return b }
func (b *jobBuilder) workQueue() *jobBuilder          { b.j.Spec.Completions = nil; return b }
func (b *jobBuilder) indexed() *jobBuilder {
	m := batch.IndexedCompletion
	b.j.Spec.CompletionMode = &m
	return b
}
func (b *jobBuilder) build() *batch.Job                { return b.j }
func (b *jobBuilder) backoffLimit(n int32) *jobBuilder { b.j.Spec.BackoffLimit = &n; return b }

type jobPodBuilder struct{ p *core.Pod }

func jobPod(name string, phase core.PodPhase) *jobPodBuilder {
	return &jobPodBuilder{&core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: meta.NewTime(t0)},
		Status:     core.PodStatus{Phase: phase},
	}}
}

func (b *jobPodBuilder) index(i int) *jobPodBuilder {
	b.p.Annotations = map[string]string{JobCompletionIndexAnnotation: strconv.Itoa(i)}
	return b
}

func (b *jobPodBuilder) ready() *jobPodBuilder {
	b.p.Spec.NodeName = "n1"
	b.p.Status.Conditions = []core.PodCondition{{Type: core.PodReady, Status: core.ConditionTrue}}
	return b
}

func (b *jobPodBuilder) restarts(n int32) *jobPodBuilder {
	b.p.Spec.RestartPolicy = core.RestartPolicyOnFailure
	b.p.Status.ContainerStatuses = []core.ContainerStatus{{Name: "c", RestartCount: n}}
	return b
}

func (b *jobPodBuilder) finishedAt(t time.Time) *jobPodBuilder {
	b.p.Status.ContainerStatuses = []core.ContainerStatus{{Name: "c", State: core.ContainerState{
		Terminated: &core.ContainerStateTerminated{ExitCode: 1, FinishedAt: meta.NewTime(t)}}}}
	return b
}

func (b *jobPodBuilder) terminating() *jobPodBuilder {
	now := meta.NewTime(t0)
	b.p.DeletionTimestamp = &now
	return b
}

func (b *jobPodBuilder) build() *core.Pod { return b.p }

func podNames(pods []*core.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestAccountJob(t *testing.T) {
	tests := []struct {
		name       string
		job        *batch.Job
		pods       []*core.Pod
		want       jobAccount // without active, which wantActive names
		wantActive []string
	}{
		{"nothing yet", testJob("j").completions(3).build(), nil, jobAccount{}, nil},
		{"mixed", testJob("j").completions(3).parallel(2).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(),
			jobPod("b", core.PodFailed).finishedAt(t0).build(),
			jobPod("c", core.PodRunning).ready().build(),
			jobPod("d", core.PodPending).build(),
			jobPod("e", core.PodRunning).terminating().build(),
		}, jobAccount{succeeded: 1, failed: 1, failures: 1, ready: 1, lastFailure: t0}, []string{"c", "d"}},
		{"complete", testJob("j").completions(2).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(), jobPod("b", core.PodSucceeded).build(),
		}, jobAccount{succeeded: 2, complete: true}, nil},
		{"restarts of OnFailure pods count as failures", testJob("j").build(), []*core.Pod{
			jobPod("a", core.PodRunning).restarts(3).build(),
		}, jobAccount{failures: 3}, []string{"a"}},
		{"work queue: done once one succeeded and none runs", testJob("j").workQueue().parallel(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(), jobPod("b", core.PodFailed).build(),
		}, jobAccount{succeeded: 1, failed: 1, failures: 1, complete: true, lastFailure: t0}, nil},
		{"work queue: still running", testJob("j").workQueue().parallel(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(), jobPod("b", core.PodRunning).build(),
		}, jobAccount{succeeded: 1}, []string{"b"}},
		{"indexed: succeeded indexes, duplicates counted once", testJob("j").indexed().completions(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).index(0).build(), jobPod("b", core.PodSucceeded).index(0).build(),
			jobPod("c", core.PodSucceeded).index(2).build(), jobPod("d", core.PodSucceeded).index(7).build(),
		}, jobAccount{succeeded: 2, succeededIndexes: []int32{0, 2}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := accountJob(tt.job, tt.pods)
			active := podNames(got.active)
			got.active = nil
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(jobAccount{})); diff != "" {
				t.Errorf("account (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantActive, active); diff != "" {
				t.Errorf("active pods (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlannedPods(t *testing.T) {
	tests := []struct {
		name       string
		job        *batch.Job
		pods       []*core.Pod
		wantCreate []int32
		wantDelete []string
	}{
		{"start: parallelism pods", testJob("j").completions(5).parallel(2).build(), nil, []int32{-1, -1}, nil},
		{"near the end: only the completions left", testJob("j").completions(5).parallel(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(), jobPod("b", core.PodSucceeded).build(),
			jobPod("c", core.PodSucceeded).build(), jobPod("d", core.PodRunning).build(),
		}, []int32{-1}, nil},
		{"parallelism lowered: delete the unscheduled first", testJob("j").completions(5).parallel(1).build(), []*core.Pod{
			jobPod("ready", core.PodRunning).ready().build(), jobPod("pending", core.PodPending).build(),
		}, nil, []string{"pending"}},
		{"work queue after a success: neither create nor delete", testJob("j").workQueue().parallel(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).build(), jobPod("b", core.PodRunning).build(),
		}, nil, nil},
		{"indexed: lowest missing indexes", testJob("j").indexed().completions(4).parallel(2).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).index(0).build(), jobPod("b", core.PodRunning).index(2).build(),
		}, []int32{1}, nil},
		{"indexed: duplicate and done indexes deleted", testJob("j").indexed().completions(3).parallel(3).build(), []*core.Pod{
			jobPod("a", core.PodSucceeded).index(0).build(), jobPod("b", core.PodRunning).index(0).build(),
			jobPod("c", core.PodRunning).index(1).build(), jobPod("d", core.PodRunning).index(1).build(),
		}, []int32{2}, []string{"b", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			create, remove := plannedPods(tt.job, accountJob(tt.job, tt.pods))
			if diff := cmp.Diff(tt.wantCreate, create); diff != "" {
				t.Errorf("create (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDelete, podNames(remove)); diff != "" {
				t.Errorf("delete (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobFailureBackoff(t *testing.T) {
	j := &Job{PodFailureBackoff: 10 * time.Second}
	tests := []struct {
		failed int32
		now    time.Time
		want   time.Duration
	}{
		{0, t0, 0},
		{1, t0.Add(4 * time.Second), 6 * time.Second},
		{3, t0.Add(4 * time.Second), 36 * time.Second},
		{30, t0, maxPodFailureBackoff},
		{1, t0.Add(time.Minute), -50 * time.Second},
	}
	for _, tt := range tests {
		got := j.failureBackoff(jobAccount{failed: tt.failed, lastFailure: t0}, tt.now)
		if got != tt.want {
			t.Errorf("%d failures, %v after the last: got %v, want %v", tt.failed, tt.now.Sub(t0), got, tt.want)
		}
	}
}

func TestJobPodTemplate(t *testing.T) {
	job := testJob("pi").indexed().completions(3).build()
	p := jobPodTemplate(job, 2)
	if p.GenerateName != "pi-2-" || p.Annotations[JobCompletionIndexAnnotation] != "2" || p.Spec.Hostname != "pi-2" {
		t.Errorf("indexed pod: got generateName %q annotations %v hostname %q, want pi-2-, index 2, pi-2", p.GenerateName, p.Annotations, p.Spec.Hostname)
	}
	if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0] != (core.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: "2"}) {
		t.Errorf("indexed pod env: got %+v, want JOB_COMPLETION_INDEX=2", env)
	}
	ref := p.ControllerRef()
	if ref == nil || ref.Kind != "Job" || ref.UID != "job-uid" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("owner reference: got %+v, want a blocking controller reference to the job", ref)
	}
	if len(job.Spec.Template.Spec.Containers[0].Env) != 0 {
		t.Error("jobPodTemplate changed the job's template")
	}
	plain := jobPodTemplate(testJob("pi").build(), -1)
	if plain.GenerateName != "pi-" || plain.Labels["job"] != "pi" {
		t.Errorf("pod: got generateName %q labels %v, want pi- and the template's labels", plain.GenerateName, plain.Labels)
	}
}

func TestFormatIndexes(t *testing.T) {
	for _, tt := range []struct {
		in   []int32
		want string
	}{
		{nil, ""}, {[]int32{4}, "4"}, {[]int32{1, 3, 4, 5, 7}, "1,3-5,7"}, {[]int32{0, 1}, "0-1"},
	} {
		if got := formatIndexes(tt.in); got != tt.want {
			t.Errorf("formatIndexes(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPodWrites(t *testing.T) {
	w := newPodWrites()
	now := t0
	w.now = func() time.Time { return now }
	w.expect("k", 2, []string{"ns/a"})
	w.created("k")
	w.deleted("k", "ns/a")
	if w.settled("k") {
		t.Fatal("one creation still in flight: got settled, want not")
	}
	w.created("k")
	if !w.settled("k") {
		t.Fatal("everything observed: got not settled, want settled")
	}
	w.expect("k", 1, nil)
	now = now.Add(podWritesTTL + time.Second)
	if !w.settled("k") {
		t.Fatal("expectation older than its TTL: got not settled, want settled")
	}
}

func TestInBatches(t *testing.T) {
	var calls atomic.Int32
	n, err := inBatches(10, func(int) error { calls.Add(1); return nil })
	if n != 10 || err != nil || calls.Load() != 10 {
		t.Fatalf("all succeed: got %d calls, %d done, %v; want 10, 10, nil", calls.Load(), n, err)
	}
	calls.Store(0)
	n, err = inBatches(10, func(i int) error {
		calls.Add(1)
		if i >= 1 {
			return errors.New("refused")
		}
		return nil
	})
	// Batches of 1 then 2: the second batch fails and nothing more is tried.
	if n != 3 || err == nil || calls.Load() != 3 {
		t.Fatalf("failing: got %d calls, %d done, %v; want 3, 3, an error", calls.Load(), n, err)
	}
}
