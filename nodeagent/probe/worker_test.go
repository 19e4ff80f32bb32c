package probe

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
)

// fakeClock is stepped by the test. Every AfterFunc is announced on
// scheduled, which is how a test knows the worker has finished an attempt
// and gone back to waiting.
type fakeClock struct {
	mu        sync.Mutex
	now       time.Time
	timers    []*fakeTimer
	scheduled chan time.Duration
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), scheduled: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.scheduled <- d
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := t.stopped
		t.stopped = true
		return !was
	}
}

// Advance moves time on and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, t := range c.timers {
		if !t.stopped && !t.at.After(c.now) {
			t.stopped = true
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

// scriptedExecer answers each exec probe with the next exit code of its
// script (-1 for a runtime error, which yields Unknown).
type scriptedExecer struct {
	mu     sync.Mutex
	script []int
	calls  int
}

func (e *scriptedExecer) Exec(ctx context.Context, id string, cmd []string) (int, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	code := e.script[e.calls]
	e.calls++
	if code < 0 {
		return 0, nil, context.Canceled
	}
	return code, []byte("out"), nil
}

func (e *scriptedExecer) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

// change is one onChange call, after which probe attempt it came.
type change struct {
	Attempt int
	Result  Result
}

const (
	ok   = 0
	bad  = 1
	oops = -1
)

func TestWorker(t *testing.T) {
	tests := []struct {
		name         string
		kind         Kind
		initialDelay int32
		restarted    bool // AfterRestart
		success      int32
		failure      int32
		script       []int
		want         []change
		wantReturned bool // Run ended by itself after the script
	}{
		{
			name: "readiness needs 2 successes and 3 failures in a row", kind: Readiness,
			initialDelay: 5, success: 2, failure: 3,
			script: []int{ok, ok, bad, bad, ok, bad, bad, bad, ok, bad, ok, ok},
			want:   []change{{2, Success}, {8, Failure}, {12, Success}},
		},
		{
			name: "readiness stays Failure while failing", kind: Readiness,
			success: 1, failure: 3,
			script: []int{bad, bad, bad, bad},
		},
		{
			name: "unknown attempts neither count nor break a run", kind: Readiness,
			success: 2, failure: 3,
			script: []int{ok, oops, ok, bad, oops, bad},
			want:   []change{{3, Success}},
		},
		{
			name: "liveness fails after 3 and stops", kind: Liveness,
			initialDelay: 30, success: 1, failure: 3,
			script:       []int{bad, bad, ok, bad, bad, bad},
			want:         []change{{6, Failure}},
			wantReturned: true,
		},
		{
			name: "restarted liveness waits a period first", kind: Liveness,
			restarted: true, success: 1, failure: 1,
			script:       []int{bad},
			want:         []change{{1, Failure}},
			wantReturned: true,
		},
		{
			name: "restarted keeps a longer initial delay", kind: Readiness,
			initialDelay: 30, restarted: true, success: 1, failure: 3,
			script: []int{ok},
			want:   []change{{1, Success}},
		},
		{
			name: "liveness healthy reports nothing", kind: Liveness,
			success: 1, failure: 3,
			script: []int{ok, ok, ok},
		},
		{
			name: "startup succeeds once and stops", kind: Startup,
			success: 1, failure: 3,
			script:       []int{bad, bad, ok},
			want:         []change{{3, Success}},
			wantReturned: true,
		},
		{
			name: "startup fails after threshold and stops", kind: Startup,
			success: 1, failure: 2,
			script:       []int{bad, bad},
			want:         []change{{2, Failure}},
			wantReturned: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			exec := &scriptedExecer{script: tt.script}
			p := &core.Probe{
				ProbeHandler:        core.ProbeHandler{Exec: &core.ExecAction{Command: []string{"check"}}},
				InitialDelaySeconds: tt.initialDelay,
				TimeoutSeconds:      1,
				PeriodSeconds:       10,
				SuccessThreshold:    tt.success,
				FailureThreshold:    tt.failure,
			}
			w := NewWorker(tt.kind, p, Target{ContainerID: "c1"}, exec, clock)
			if tt.restarted {
				w.AfterRestart()
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var got []change
			done := make(chan struct{})
			go func() {
				defer close(done)
				w.Run(ctx, func(r Result, _ string) {
					mu.Lock()
					got = append(got, change{exec.count(), r})
					mu.Unlock()
				})
			}()

			wantWait := time.Duration(tt.initialDelay) * time.Second
			delayed := wantWait > 0 || tt.restarted
			if wantWait == 0 {
				// The first attempt is immediate, unless restarted:
				// then it waits a period.
				wantWait = 10 * time.Second
			}
			returned, sawDelay := false, false
		loop:
			for {
				select {
				case d := <-clock.scheduled:
					if d != wantWait {
						t.Fatalf("after %d attempts: got wait %v, want %v", exec.count(), d, wantWait)
					}
					if delayed && exec.count() == 0 {
						sawDelay = true
						// Just short of the delay nothing may happen.
						clock.Advance(d - time.Nanosecond)
						if n := exec.count(); n != 0 {
							t.Fatalf("got %d attempts before the initial delay, want 0", n)
						}
						clock.Advance(time.Nanosecond)
					} else if exec.count() == len(tt.script) {
						cancel()
						<-done
						break loop
					} else {
						clock.Advance(d)
					}
					wantWait = 10 * time.Second
				case <-done:
					returned = true
					break loop
				case <-time.After(5 * time.Second):
					t.Fatalf("worker stuck after %d attempts", exec.count())
				}
			}

			if delayed && !sawDelay {
				t.Errorf("got a first attempt at once, want it after %v", time.Duration(max(tt.initialDelay, 10))*time.Second)
			}
			if returned != tt.wantReturned {
				t.Errorf("got Run returned by itself %v, want %v", returned, tt.wantReturned)
			}
			if n := exec.count(); n != len(tt.script) {
				t.Errorf("got %d attempts, want %d", n, len(tt.script))
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("onChange calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWorkerStopsOnCancelDuringInitialDelay(t *testing.T) {
	clock := newFakeClock()
	exec := &scriptedExecer{script: []int{ok}}
	p := &core.Probe{ProbeHandler: core.ProbeHandler{Exec: &core.ExecAction{Command: []string{"check"}}}, InitialDelaySeconds: 60}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewWorker(Readiness, p, Target{}, exec, clock).Run(ctx, func(Result, string) { t.Error("got onChange, want none") })
	}()
	select {
	case <-clock.scheduled:
	case <-time.After(5 * time.Second):
		t.Fatal("worker never waited")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("got Run still running after cancel, want it returned")
	}
	if n := exec.count(); n != 0 {
		t.Errorf("got %d attempts, want 0", n)
	}
}

func TestKindInitialResult(t *testing.T) {
	tests := []struct {
		kind Kind
		want Result
	}{
		{Liveness, Success},
		{Readiness, Failure},
		{Startup, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := tt.kind.InitialResult(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
