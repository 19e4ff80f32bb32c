package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wharf/wharf/api/batch"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// finishPod plays the node agent: it reports p as finished in phase.
func finishPod(t *testing.T, c *client.Client, p *core.Pod, phase core.PodPhase) {
	t.Helper()
	next := meta.DeepCopy(p)
	next.Status.Phase = phase
	got, err := client.For[core.Pod](c).UpdateStatus(context.Background(), next)
	if err != nil {
		t.Fatalf("reporting pod %s %s: %v", p.Name, phase, err)
	}
	if got.Status.Phase != phase {
		t.Fatalf("pods/status write of phase %s to %s: got phase %s back; the API server drops pod status writes", phase, p.Name, got.Status.Phase)
	}
}

// jobPodsOf lists the pods the job controls.
func jobPodsOf(t *testing.T, c *client.Client, job *batch.Job) []*core.Pod {
	t.Helper()
	l, err := client.For[core.Pod](c).List(context.Background(), job.Namespace, client.ListOptions{LabelSelector: batch.ControllerUIDLabel + "=" + job.UID})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*core.Pod, len(l.Items))
	for i := range l.Items {
		out[i] = &l.Items[i]
	}
	return out
}

func createJob(t *testing.T, c *client.Client, b *jobBuilder) *batch.Job {
	t.Helper()
	j := b.build()
	j.UID = ""
	j.Spec.Template.Labels = nil
	got, err := client.For[batch.Job](c).Create(context.Background(), "default", j)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// jobCondition waits for the job to have condition ct True with reason.
func waitJobCondition(t *testing.T, c *client.Client, job *batch.Job, ct batch.JobConditionType, reason string, step func()) *batch.Job {
	t.Helper()
	var got *batch.Job
	apiservertest.Eventually(t, 20*time.Second, func() string {
		if step != nil {
			step()
		}
		var err error
		if got, err = client.For[batch.Job](c).Get(context.Background(), job.Namespace, job.Name); err != nil {
			return err.Error()
		}
		cond := got.Condition(ct)
		if cond == nil || cond.Status != core.ConditionTrue || cond.Reason != reason {
			return fmt.Sprintf("conditions %+v, want %s=True reason %q", got.Status.Conditions, ct, reason)
		}
		return ""
	})
	return got
}

func TestJobAgainstServer(t *testing.T) {
	r := newControllerRig(t)
	jc := NewJob(r.c, r.f, r.rec, r.log)
	jc.PodFailureBackoff = 10 * time.Millisecond
	r.start(t, jc.Run)

	t.Run("runs to completion", func(t *testing.T) {
		job := createJob(t, r.c, testJob("complete").completions(3).parallel(2))
		maxActive := 0
		got := waitJobCondition(t, r.c, job, batch.JobComplete, "", func() {
			active := 0
			for _, p := range jobPodsOf(t, r.c, job) {
				if !p.IsTerminal() {
					active++
					finishPod(t, r.c, p, core.PodSucceeded)
				}
			}
			maxActive = max(maxActive, active)
		})
		if got.Status.Succeeded != 3 || got.Status.Active != 0 || got.Status.CompletionTime == nil || got.Status.StartTime == nil {
			t.Fatalf("status %+v, want succeeded 3, active 0, start and completion times", got.Status)
		}
		if n := len(jobPodsOf(t, r.c, job)); n != 3 {
			t.Fatalf("got %d pods, want 3 (one per completion)", n)
		}
		if maxActive > 2 {
			t.Fatalf("saw %d active pods, more than parallelism 2", maxActive)
		}
	})

	t.Run("backoff limit", func(t *testing.T) {
		job := createJob(t, r.c, testJob("failing").backoffLimit(1))
		got := waitJobCondition(t, r.c, job, batch.JobFailed, jobReasonBackoffLimitExceeded, func() {
			for _, p := range jobPodsOf(t, r.c, job) {
				if !p.IsTerminal() {
					finishPod(t, r.c, p, core.PodFailed)
				}
			}
		})
		if got.Status.Failed != 2 {
			t.Fatalf("failed %d, want 2 (backoffLimit 1 exceeded)", got.Status.Failed)
		}
	})

	t.Run("active deadline", func(t *testing.T) {
		b := testJob("slow").parallel(2).completions(4)
		deadline := int64(1)
		b.j.Spec.ActiveDeadlineSeconds = &deadline
		job := createJob(t, r.c, b)
		waitJobCondition(t, r.c, job, batch.JobFailed, jobReasonDeadlineExceeded, nil)
		apiservertest.Eventually(t, 20*time.Second, func() string {
			if n := len(jobPodsOf(t, r.c, job)); n != 0 {
				return fmt.Sprintf("%d pods left, want the active ones deleted", n)
			}
			return ""
		})
	})

	t.Run("suspend", func(t *testing.T) {
		b := testJob("paused").parallel(2).completions(2)
		yes := true
		b.j.Spec.Suspend = &yes
		job := createJob(t, r.c, b)
		got := waitJobCondition(t, r.c, job, batch.JobSuspended, jobReasonSuspended, nil)
		if n := len(jobPodsOf(t, r.c, job)); n != 0 || got.Status.StartTime != nil {
			t.Fatalf("suspended job: got %d pods, startTime %v; want none and none", n, got.Status.StartTime)
		}
		no := false
		got.Spec.Suspend = &no
		if _, err := client.For[batch.Job](r.c).Update(context.Background(), got); err != nil {
			t.Fatal(err)
		}
		apiservertest.Eventually(t, 20*time.Second, func() string {
			if n := len(jobPodsOf(t, r.c, job)); n != 2 {
				return fmt.Sprintf("%d pods, want 2 after resuming", n)
			}
			return ""
		})
	})
}
