package scheduler

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// unschedulable handles a pod that fits on no node: a FailedScheduling
// event with the reasons, the PodScheduled=False condition (written only
// when it changes), and back to the queue to wait for a cluster change.
// The condition is written before the pod is queued again, so that a stale
// PodScheduled=False can never land after a later binding.
func (s *Scheduler) unschedulable(ctx context.Context, qp *queuedPod, pod *core.Pod, err error) {
	msg := err.Error()
	s.log.Debug("pod is unschedulable", "pod", qp.key, "reason", msg)
	s.rec.Event(pod, core.EventTypeWarning, ReasonFailedScheduling, msg)
	if !needsCondition(pod, msg) {
		s.queue.requeue(qp, requeueUnschedulable)
		return
	}
	if !s.acquire(ctx) {
		s.queue.requeue(qp, requeueNow)
		return
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer s.release()
		if err := s.setUnschedulable(ctx, pod, msg); err != nil && ctx.Err() == nil {
			s.log.Warn("updating pod condition", "pod", qp.key, "err", err)
		}
		s.queue.requeue(qp, requeueUnschedulable)
	}()
}

// needsCondition reports whether pod lacks PodScheduled=False, reason
// Unschedulable, with message msg.
func needsCondition(pod *core.Pod, msg string) bool {
	c := pod.Status.Condition(core.PodScheduled)
	return c == nil || c.Status != core.ConditionFalse || c.Reason != core.PodReasonUnschedulable || c.Message != msg
}

// setUnschedulable patches the pod's PodScheduled condition through the
// status subresource. A strategic merge patch merges conditions by type,
// so it cannot undo what the node agent writes meanwhile.
func (s *Scheduler) setUnschedulable(ctx context.Context, pod *core.Pod, msg string) error {
	cond := core.PodCondition{
		Type:               core.PodScheduled,
		Status:             core.ConditionFalse,
		Reason:             core.PodReasonUnschedulable,
		Message:            msg,
		LastTransitionTime: meta.NewTime(time.Now()),
	}
	if old := pod.Status.Condition(core.PodScheduled); old != nil && old.Status == core.ConditionFalse {
		cond.LastTransitionTime = old.LastTransitionTime
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []core.PodCondition{cond}}})
	if err != nil {
		return err
	}
	_, err = s.podClient.Patch(ctx, pod.Namespace, pod.Name, client.StrategicMergePatch, patch, "status")
	return err
}
