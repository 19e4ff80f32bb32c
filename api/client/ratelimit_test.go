package client

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wharf/wharf/api/meta"
)

func TestTokenBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newTokenBucket(10, 2)
	b.now = func() time.Time { return now }
	steps := []struct {
		advance time.Duration
		want    time.Duration
	}{
		{0, 0}, // the burst
		{0, 0},
		{0, 100 * time.Millisecond}, // then one every 100ms, queued in order
		{0, 200 * time.Millisecond},
		{250 * time.Millisecond, 50 * time.Millisecond}, // 2.5 tokens earned, 2 were owed
		{10 * time.Second, 0},                           // refilled, but only up to the burst
		{0, 0},
		{0, 100 * time.Millisecond},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := b.reserve(); got != s.want {
			t.Errorf("step %d: got wait %v, want %v", i, got, s.want)
		}
	}
}

func TestTokenBucketBurstAtLeastOne(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newTokenBucket(1, 0)
	b.now = func() time.Time { return now }
	if got := b.reserve(); got != 0 {
		t.Errorf("first: got wait %v, want 0", got)
	}
	if got := b.reserve(); got != time.Second {
		t.Errorf("second: got wait %v, want 1s", got)
	}
}

func TestClientRateLimit(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, testWidget("default", "w1", "1"))
	}}
	_, cfg := newTestServer(t, rec)
	cfg.QPS, cfg.Burst = 50, 1
	widgets := For[widget](newTestClient(t, cfg))
	start := time.Now()
	const n = 6
	for range n {
		if _, err := widgets.Get(context.Background(), "default", "w1"); err != nil {
			t.Fatal(err)
		}
	}
	// With a burst of 1, n requests at 50/s need at least (n-1)/50 s.
	if got, want := time.Since(start), (n-1)*20*time.Millisecond; got < want {
		t.Errorf("%d requests took %v, want at least %v", n, got, want)
	}
}

func TestClientRateLimitHonoursContext(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, meta.Status{}) }}
	_, cfg := newTestServer(t, rec)
	cfg.QPS, cfg.Burst = 0.001, 1
	widgets := For[widget](newTestClient(t, cfg))
	if _, err := widgets.Get(context.Background(), "default", "w1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := widgets.Get(ctx, "default", "w1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got error %v, want context.DeadlineExceeded from the rate limiter", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("got %d requests at the server, want 1", n)
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: time.Second}
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		if want > time.Second {
			want = time.Second
		}
		for range 20 {
			bb := b
			if got := bb.next(); got < want/2 || got > want {
				t.Fatalf("attempt %d: got %v, want within [%v, %v]", i, got, want/2, want)
			}
		}
		b.next()
	}
	b.reset()
	if got := b.next(); got > 100*time.Millisecond {
		t.Errorf("after reset: got %v, want at most 100ms", got)
	}
}
