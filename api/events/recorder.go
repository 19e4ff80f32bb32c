// Package events records core/v1 Events about objects, as Kubernetes'
// components do: "Scheduled", "FailedScheduling", "ScalingReplicaSet".
// Recording never blocks the caller; a background loop writes the events
// and folds repeats of the same event into one object with a count.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// repeatWindow is how long identical events fold into one.
const repeatWindow = 10 * time.Minute

// maxQueued bounds the events waiting to be written; beyond it new ones are
// dropped (and counted in the log), so a flood cannot exhaust memory.
const maxQueued = 1000

// Recorder records events about objects.
type Recorder struct {
	events    *client.Resource[core.Event, *core.Event]
	client    *client.Client
	component string
	host      string
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex
	queue   []*core.Event
	wake    chan struct{}
	dropped int
	// seen maps an event's identity to the Event object written for it.
	seen map[string]*core.Event
}

// NewRecorder returns a recorder for component (the reporter, e.g.
// "default-scheduler") on host.
func NewRecorder(c *client.Client, component, host string, log *slog.Logger) *Recorder {
	return &Recorder{
		events:    client.For[core.Event](c),
		client:    c,
		component: component,
		host:      host,
		log:       log.With("component", component),
		now:       time.Now,
		wake:      make(chan struct{}, 1),
		seen:      map[string]*core.Event{},
	}
}

// Event records an event of eventType (core.EventTypeNormal or
// core.EventTypeWarning) about obj. It never blocks.
func (r *Recorder) Event(obj meta.Object, eventType, reason, message string) {
	ref := core.ReferenceTo(obj)
	if ref.Kind == "" {
		// Objects from informers carry their TypeMeta; typed objects built
		// in code may not: look the kind up.
		if res, ok := r.client.Scheme().ByType(reflect.TypeOf(obj).Elem()); ok {
			ref.Kind, ref.APIVersion = res.Kind, res.APIVersion()
		}
	}
	now := meta.NewTime(r.now())
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	ev := &core.Event{
		ObjectMeta:          meta.ObjectMeta{Namespace: ns, Name: ref.Name + "." + strconv.FormatInt(r.now().UnixNano(), 16)},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              core.EventSource{Component: r.component, Host: r.host},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                eventType,
		ReportingController: r.component,
		ReportingInstance:   r.host,
	}
	r.mu.Lock()
	if len(r.queue) >= maxQueued {
		r.dropped++
		r.mu.Unlock()
		return
	}
	r.queue = append(r.queue, ev)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Eventf is Event with a formatted message.
func (r *Recorder) Eventf(obj meta.Object, eventType, reason, format string, args ...any) {
	r.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}

// Run writes queued events until ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		r.mu.Lock()
		batch := r.queue
		r.queue = nil
		if r.dropped > 0 {
			r.log.Warn("events dropped: too many queued", "count", r.dropped)
			r.dropped = 0
		}
		r.mu.Unlock()
		for _, ev := range batch {
			if err := r.write(ctx, ev); err != nil && ctx.Err() == nil {
				r.log.Debug("writing event", "reason", ev.Reason, "object", ev.InvolvedObject.Name, "err", err)
			}
		}
	}
}

func identity(ev *core.Event) string {
	o := ev.InvolvedObject
	return o.UID + "\x00" + o.Kind + "\x00" + o.Namespace + "\x00" + o.Name + "\x00" + o.FieldPath + "\x00" + ev.Type + "\x00" + ev.Reason + "\x00" + ev.Message
}

// write creates ev, or bumps the count of the same event written recently.
func (r *Recorder) write(ctx context.Context, ev *core.Event) error {
	id := identity(ev)
	if prev, ok := r.seen[id]; ok && ev.LastTimestamp.Sub(prev.LastTimestamp.Time) < repeatWindow {
		next := meta.DeepCopy(prev)
		next.Count++
		next.LastTimestamp = ev.LastTimestamp
		patch := fmt.Sprintf(`{"count":%d,"lastTimestamp":%q}`, next.Count, next.LastTimestamp.UTC().Format(time.RFC3339))
		_, err := r.events.Patch(ctx, prev.Namespace, prev.Name, client.MergePatch, []byte(patch))
		if err == nil {
			r.seen[id] = next
			return nil
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		// The event was deleted meanwhile: write it anew.
	}
	created, err := r.events.Create(ctx, ev.Namespace, ev)
	if err != nil {
		return err
	}
	r.seen[id] = created
	r.forgetOld(ev.LastTimestamp.Time)
	return nil
}

// forgetOld bounds the memory of written events.
func (r *Recorder) forgetOld(now time.Time) {
	if len(r.seen) < 4096 {
		return
	}
	for id, ev := range r.seen {
		if now.Sub(ev.LastTimestamp.Time) > repeatWindow {
			delete(r.seen, id)
		}
	}
}
