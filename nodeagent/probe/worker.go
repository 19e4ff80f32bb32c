package probe

import (
	"context"
	"time"

	"github.com/wharf/wharf/api/core"
)

// Kind is what a probe's result is used for.
type Kind int

// Kinds of probe.
const (
	Liveness Kind = iota
	Readiness
	Startup
)

// String returns the kind's name as events spell it.
func (k Kind) String() string {
	switch k {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	case Startup:
		return "Startup"
	default:
		return "Unknown"
	}
}

// InitialResult is a worker's result before its first verdict, as the
// kubelet sets it: a container is not ready until proven so, is presumed
// alive, and has not yet started as far as anyone knows.
func (k Kind) InitialResult() Result {
	switch k {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	default:
		return Unknown
	}
}

// Worker probes one container instance periodically and reports when its
// result changes. A restarted container gets a new Worker, as in the
// kubelet, so that its counters and initial delay start afresh.
type Worker struct {
	kind   Kind
	probe  *core.Probe
	target Target
	exec   Execer
	clock  Clock
	// restarted: the instance replaces one that exited; see AfterRestart.
	restarted bool
}

// NewWorker returns a worker for probe p of the given kind.
func NewWorker(kind Kind, p *core.Probe, target Target, exec Execer, clock Clock) *Worker {
	return &Worker{kind: kind, probe: p, target: target, exec: exec, clock: clock}
}

// AfterRestart makes the worker of a restarted container instance wait at
// least one period before its first attempt, whatever initialDelaySeconds
// says. The kubelet keeps one worker per container, ticking every period,
// so a restarted instance is first probed at a later tick, not at once;
// probed at once, a program still starting would fail a strict liveness
// probe again and again. Call it before Run.
func (w *Worker) AfterRestart() { w.restarted = true }

// Run waits initialDelaySeconds, then probes every periodSeconds until ctx
// ends. It calls onChange, from its own goroutine, each time the result
// differs from the previous one (starting from Kind.InitialResult): to
// Failure after failureThreshold failures in a row, to Success after
// successThreshold successes in a row. Unknown attempts are not counted.
//
// Run also returns once the result is final for this container instance,
// as the kubelet puts such workers on hold: a liveness or startup Failure
// (the agent restarts the container) and a startup Success (liveness and
// readiness take over).
func (w *Worker) Run(ctx context.Context, onChange func(r Result, message string)) {
	successThreshold := threshold(w.probe.SuccessThreshold, defaultSuccessThreshold)
	failureThreshold := threshold(w.probe.FailureThreshold, defaultFailureThreshold)
	period := seconds(w.probe.PeriodSeconds, defaultPeriod)

	result := w.kind.InitialResult()
	last, run := Unknown, 0
	delay := time.Duration(w.probe.InitialDelaySeconds) * time.Second
	if w.restarted {
		delay = max(delay, period)
	}
	if !w.wait(ctx, delay) {
		return
	}
	next := w.clock.Now()
	for {
		r, msg := Run(ctx, w.probe, w.target, w.exec)
		if ctx.Err() != nil {
			return
		}
		if r != Unknown {
			if r == last {
				run++
			} else {
				last, run = r, 1
			}
			enough := (r == Success && run >= successThreshold) || (r == Failure && run >= failureThreshold)
			if enough && r != result {
				result = r
				onChange(r, msg)
			}
			if w.final(result) {
				return
			}
		}
		// A probe that overran its period skips the ticks it missed rather
		// than firing them back to back, as a time.Ticker would.
		now := w.clock.Now()
		for next = next.Add(period); !next.After(now); next = next.Add(period) {
		}
		if !w.wait(ctx, next.Sub(now)) {
			return
		}
	}
}

func (w *Worker) final(r Result) bool {
	switch w.kind {
	case Liveness:
		return r == Failure
	case Startup:
		return r != Unknown
	default:
		return false
	}
}

// wait reports whether d passed before ctx ended.
func (w *Worker) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	fired := make(chan struct{}, 1)
	stop := w.clock.AfterFunc(d, func() { fired <- struct{}{} })
	select {
	case <-ctx.Done():
		stop()
		return false
	case <-fired:
		return true
	}
}

func threshold(v int32, def int) int {
	if v < 1 {
		return def
	}
	return int(v)
}
