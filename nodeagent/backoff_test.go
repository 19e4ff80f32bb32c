package nodeagent

import (
	"testing"
	"time"
)

func TestBackoffDoublesToMax(t *testing.T) {
	b := newBackoff(10*time.Second, 5*time.Minute)
	now := t0
	if left, _ := b.wait("app", now, now); left != 0 {
		t.Fatalf("first crash: got a wait of %s, want an immediate restart", left)
	}
	want := []time.Duration{10, 20, 40, 80, 160, 300, 300}
	for i, w := range want {
		b.next("app", now)
		// The container crashes a second after its restart.
		crashed := now.Add(time.Second)
		left, delay := b.wait("app", crashed, crashed)
		if delay != w*time.Second || left != w*time.Second {
			t.Fatalf("crash %d: got wait %s of delay %s, want %s", i+2, left, delay, w*time.Second)
		}
		now = crashed.Add(left)
	}
}

func TestBackoffWait(t *testing.T) {
	tests := []struct {
		name      string
		restarts  []time.Duration // offsets from t0 of earlier restarts
		finished  time.Duration   // when the container exited
		now       time.Duration
		wantLeft  time.Duration
		wantDelay time.Duration
	}{
		{name: "never restarted", finished: 0, now: time.Second, wantLeft: 0},
		{name: "inside the first delay", restarts: []time.Duration{0}, finished: 2 * time.Second, now: 5 * time.Second,
			wantLeft: 7 * time.Second, wantDelay: 10 * time.Second},
		{name: "the delay is over", restarts: []time.Duration{0}, finished: 2 * time.Second, now: 12 * time.Second,
			wantLeft: 0, wantDelay: 10 * time.Second},
		{name: "second restart doubles", restarts: []time.Duration{0, 15 * time.Second}, finished: 16 * time.Second, now: 16 * time.Second,
			wantLeft: 20 * time.Second, wantDelay: 20 * time.Second},
		{name: "fine for twice max starts over", restarts: []time.Duration{0, 15 * time.Second}, finished: 11 * time.Minute, now: 11 * time.Minute,
			wantLeft: 0, wantDelay: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff(10*time.Second, 5*time.Minute)
			for _, r := range tt.restarts {
				b.next("app", t0.Add(r))
			}
			left, delay := b.wait("app", t0.Add(tt.finished), t0.Add(tt.now))
			if left != tt.wantLeft || (tt.wantLeft > 0 || tt.wantDelay > 0) && delay != tt.wantDelay {
				t.Errorf("got wait %s of delay %s, want %s of %s", left, delay, tt.wantLeft, tt.wantDelay)
			}
		})
	}
}

func TestBackoffResetsAfterQuietPeriod(t *testing.T) {
	b := newBackoff(time.Second, 4*time.Second)
	for i := 0; i < 5; i++ {
		b.next("app", t0)
	}
	if _, delay := b.wait("app", t0, t0); delay != 4*time.Second {
		t.Fatalf("got delay %s, want the max 4s", delay)
	}
	later := t0.Add(9 * time.Second) // more than twice max without a restart
	b.next("app", later)
	if _, delay := b.wait("app", later, later); delay != time.Second {
		t.Errorf("after a quiet period: got delay %s, want base 1s", delay)
	}
}

// TestBackoffSinceLast covers image pulls, whose failure is the recorded
// restart: the wait counts from it, doubles, and a success resets it.
func TestBackoffSinceLast(t *testing.T) {
	b := newBackoff(10*time.Second, 5*time.Minute)
	if left := b.waitSinceLast("img", t0); left != 0 {
		t.Fatalf("never failed: got a wait of %s, want 0", left)
	}
	b.next("img", t0)
	if left := b.waitSinceLast("img", t0.Add(4*time.Second)); left != 6*time.Second {
		t.Errorf("after one failure: got a wait of %s, want 6s", left)
	}
	b.next("img", t0.Add(10*time.Second))
	if left := b.waitSinceLast("img", t0.Add(10*time.Second)); left != 20*time.Second {
		t.Errorf("after two failures: got a wait of %s, want 20s", left)
	}
	b.reset("img")
	b.next("img", t0.Add(11*time.Second))
	if left := b.waitSinceLast("img", t0.Add(11*time.Second)); left != 10*time.Second {
		t.Errorf("after a reset: got a wait of %s, want base 10s", left)
	}
}
