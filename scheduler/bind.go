package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Event reasons the scheduler records on pods.
const (
	ReasonScheduled        = "Scheduled"
	ReasonFailedScheduling = "FailedScheduling"
)

// bindAsync writes the binding of an assumed pod on its own goroutine,
// waiting for a free write slot first, so that the loop moves on to the
// next pod while the API server commits this one.
func (s *Scheduler) bindAsync(ctx context.Context, qp *queuedPod, assumed *core.Pod) {
	if !s.acquire(ctx) {
		s.cache.forgetPod(assumed)
		s.queue.requeue(qp, requeueNow)
		return
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer s.release()
		err := s.bind(ctx, assumed)
		if err == nil {
			s.cache.finishBinding(assumed)
			s.queue.done(qp)
			s.rec.Eventf(assumed, core.EventTypeNormal, ReasonScheduled, "Successfully assigned %s/%s to %s",
				assumed.Namespace, assumed.Name, assumed.Spec.NodeName)
			return
		}
		s.cache.forgetPod(assumed)
		// The room the pod was assumed to take is free again.
		s.queue.moveAllToActiveOrBackoff()
		switch {
		case ctx.Err() != nil:
			// Leadership lost or shutting down: whoever leads next retries.
			s.queue.requeue(qp, requeueNow)
		case errors.Is(err, errdefs.ErrNotFound):
			s.queue.done(qp) // deleted meanwhile
		default:
			// A Conflict means the pod was bound meanwhile; requeued, it
			// is dropped once the informer shows that.
			s.log.Warn("binding failed", "pod", qp.key, "node", assumed.Spec.NodeName, "err", err)
			s.rec.Eventf(assumed, core.EventTypeWarning, ReasonFailedScheduling, "Binding rejected: %v", err)
			s.queue.requeue(qp, requeueError)
		}
	}()
}

// bind POSTs the pod's binding subresource, which sets spec.nodeName
// unless it is set already (409 Conflict): the compare-and-swap that
// keeps two schedulers from placing one pod twice.
func (s *Scheduler) bind(ctx context.Context, pod *core.Pod) error {
	b := core.Binding{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Binding"},
		ObjectMeta: meta.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     core.ObjectReference{Kind: "Node", Name: pod.Spec.NodeName},
	}
	body, err := json.Marshal(&b)
	if err != nil {
		return err
	}
	path, err := client.ObjectPath(s.podClient.Resource(), pod.Namespace, pod.Name, "binding")
	if err != nil {
		return err
	}
	if _, _, err := s.client.Do(ctx, http.MethodPost, path, nil, "", body, ""); err != nil {
		return fmt.Errorf("binding %s/%s to %s: %w", pod.Namespace, pod.Name, pod.Spec.NodeName, err)
	}
	return nil
}
