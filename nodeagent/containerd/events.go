package containerd

import (
	"context"
	"fmt"
	"sync"
	"time"

	apievents "github.com/containerd/containerd/api/events"
	"github.com/containerd/typeurl/v2"

	"github.com/wharf/wharf/nodeagent"
)

// resubscribeDelay spaces attempts to subscribe again after containerd's
// event stream broke (containerd restarting).
const resubscribeDelay = time.Second

// Events implements nodeagent.Runtime: task start, exit and OOM events
// from containerd's event service (an OOM kill is told as an exit), and
// the runtime's own sandbox events. Events lost while containerd restarts
// are not replayed: the agent's periodic resync covers them.
func (r *Runtime) Events(ctx context.Context) (<-chan nodeagent.Event, error) {
	q := &eventQueue{signal: make(chan struct{}, 1)}
	r.subsMu.Lock()
	r.subs[q] = struct{}{}
	r.subsMu.Unlock()

	out := make(chan nodeagent.Event)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.watch(ctx, q)
	}()
	go func() {
		defer close(out)
		defer func() {
			r.subsMu.Lock()
			delete(r.subs, q)
			r.subsMu.Unlock()
			wg.Wait()
		}()
		q.forward(ctx, out)
	}()
	return out, nil
}

// watch pushes containerd's task events of this namespace into q until ctx
// ends.
func (r *Runtime) watch(ctx context.Context, q *eventQueue) {
	for ctx.Err() == nil {
		msgs, errs := r.client.EventService().Subscribe(ctx,
			fmt.Sprintf(`namespace==%q,topic=="/tasks/start"`, r.cfg.Namespace),
			fmt.Sprintf(`namespace==%q,topic=="/tasks/exit"`, r.cfg.Namespace),
			fmt.Sprintf(`namespace==%q,topic=="/tasks/oom"`, r.cfg.Namespace))
	stream:
		for {
			select {
			case <-ctx.Done():
				return
			case <-errs:
				break stream
			case env := <-msgs:
				if env == nil || env.Event == nil {
					continue
				}
				if ev, ok := r.translate(ctx, env.Event); ok {
					q.push(ev)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(resubscribeDelay):
		}
	}
}

func (r *Runtime) translate(ctx context.Context, any typeurl.Any) (nodeagent.Event, bool) {
	v, err := typeurl.UnmarshalAny(any)
	if err != nil {
		return nodeagent.Event{}, false
	}
	var ev nodeagent.Event
	oom := false
	switch e := v.(type) {
	case *apievents.TaskStart:
		ev = nodeagent.Event{Type: nodeagent.EventContainerStarted, ContainerID: e.ContainerID}
	case *apievents.TaskExit:
		if e.ID != e.ContainerID {
			return nodeagent.Event{}, false // an exec'd process
		}
		ev = nodeagent.Event{Type: nodeagent.EventContainerExited, ContainerID: e.ContainerID}
	case *apievents.TaskOOM:
		// Told as an exit, so that the agent looks again: the container
		// has exited by then, or soon will, with a kill it must report.
		ev = nodeagent.Event{Type: nodeagent.EventContainerExited, ContainerID: e.ContainerID}
		oom = true
	default:
		return nodeagent.Event{}, false
	}
	c, err := r.client.LoadContainer(ctx, ev.ContainerID)
	if err != nil {
		return nodeagent.Event{}, false // removed already: nobody to tell
	}
	labels, err := c.Labels(ctx)
	if err != nil || labels[LabelPodUID] == "" {
		return nodeagent.Event{}, false // not a Wharf container
	}
	if oom {
		// Marked before the event is passed on, so that the agent finds
		// the mark when it looks; every subscriber marks, which is
		// idempotent. A failure (the container removed meanwhile) leaves
		// the cgroup's count to tell.
		_ = markOOMKilled(ctx, c)
	}
	ev.PodUID, ev.SandboxID = labels[LabelPodUID], labels[LabelSandboxID]
	return ev, true
}

func (r *Runtime) publish(ev nodeagent.Event) {
	r.subsMu.Lock()
	defer r.subsMu.Unlock()
	for q := range r.subs {
		q.push(ev)
	}
}

// eventQueue is one subscriber's unbounded queue, so that a slow reader
// never holds up the runtime.
type eventQueue struct {
	mu     sync.Mutex
	items  []nodeagent.Event
	signal chan struct{} // capacity 1: there is something to take
}

func (q *eventQueue) push(ev nodeagent.Event) {
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// forward sends the queued events to out, in order, until ctx ends.
func (q *eventQueue) forward(ctx context.Context, out chan<- nodeagent.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.signal:
		}
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		for _, ev := range items {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}
