package leaderelection_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf/wharf/api/leaderelection"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// TestOneLeaderAtATime: two candidates on one lease never lead at the same
// time, and when the leader steps down the other takes over.
func TestOneLeaderAtATime(t *testing.T) {
	srv := apiservertest.Start(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var leaders, maxLeaders, terms atomic.Int32
	second := make(chan struct{})
	stop := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, id := range []string{"a", "b"} {
		ctx, cancel := context.WithCancel(context.Background())
		mu.Lock()
		stop[id] = cancel
		mu.Unlock()
		cfg := leaderelection.Config{Namespace: "kube-system", Name: "test", Identity: id,
			LeaseDuration: 2 * time.Second, RenewDeadline: time.Second, RetryPeriod: 50 * time.Millisecond}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := leaderelection.Run(ctx, srv.Client, cfg, log, func(lctx context.Context) error {
				n := leaders.Add(1)
				defer leaders.Add(-1)
				for {
					m := maxLeaders.Load()
					if n <= m || maxLeaders.CompareAndSwap(m, n) {
						break
					}
				}
				if terms.Add(1) == 2 {
					close(second)
				} else {
					// The first leader steps down at once: its candidate stops.
					go func() { mu.Lock(); stop[id](); mu.Unlock() }()
				}
				<-lctx.Done()
				return nil
			})
			if err != nil && !errors.Is(err, leaderelection.ErrLost) {
				t.Errorf("candidate %s: %v", id, err)
			}
		}()
	}
	select {
	case <-second:
	case <-time.After(20 * time.Second):
		t.Fatal("the second candidate never became leader after the first stepped down")
	}
	for _, cancel := range stop {
		cancel()
	}
	wg.Wait()
	if m := maxLeaders.Load(); m != 1 {
		t.Errorf("%d candidates led at once, want 1", m)
	}
}
