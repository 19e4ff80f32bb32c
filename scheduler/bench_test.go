package scheduler

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/controller"
)

// benchPods is how many pods each round of BenchmarkScheduling places.
const benchPods = 2000

// BenchmarkScheduling measures scheduling throughput, pods bound per second
// as the watch shows them, against a real API server on an embedded etcd
// holding 1,000 or 5,000 Ready nodes with room to spare. Each round
// creates benchPods pending pods (of ten ReplicaSets, so that spreading
// has work to do), then starts a scheduler on synced informers and times
// it until every pod is bound; binding, events and watch all count.
//
//	go test -run '^$' -bench BenchmarkScheduling -benchtime 1x ./scheduler
func BenchmarkScheduling(b *testing.B) {
	for _, nodes := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			cl := startCluster(b)
			parallel(b, nodes, func(i int) error {
				_, err := cl.nodes.Create(context.Background(), "", testNode(fmt.Sprintf("node-%05d", i)).alloc("1000", "4Ti", "10000").obj())
				return err
			})
			var pods int
			var spent time.Duration
			round := 0
			for b.Loop() {
				b.StopTimer()
				round++
				prefix := fmt.Sprintf("r%d-", round)
				parallel(b, benchPods, func(i int) error {
					p := testPod(fmt.Sprintf("%spod-%05d", prefix, i)).req("100m", "128Mi").owner(fmt.Sprintf("%srs-%d", prefix, i%10)).obj()
					p.UID = ""
					_, err := cl.pods.Create(context.Background(), "default", p)
					return err
				})
				d := scheduleRound(b, cl, prefix)
				pods += benchPods
				spent += d
				b.StartTimer() // b.Loop wants it running
			}
			b.ReportMetric(float64(pods)/spent.Seconds(), "pods/s")
		})
	}
}

// scheduleRound runs a scheduler until the pods named with prefix are all
// bound, and returns how long that took once its informers had synced.
func scheduleRound(b *testing.B, cl *cluster, prefix string) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := testLogger()
	f := controller.NewInformers(cl.client, log)
	rec := events.NewRecorder(cl.client, core.DefaultSchedulerName, "bench", log)
	cfg := NewConfig()
	cfg.LeaderElect = false
	s, err := New(cl.client, f, rec, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	var bound atomic.Int64
	done := make(chan struct{})
	controller.InformerFor[core.Pod](f).AddHandler(client.Handler[*core.Pod]{
		OnUpdate: func(old, p *core.Pod) {
			if old.Spec.NodeName == "" && p.Spec.NodeName != "" && len(p.Name) > len(prefix) && p.Name[:len(prefix)] == prefix {
				if bound.Add(1) == benchPods {
					close(done)
				}
			}
		},
	})
	f.Start(ctx)
	defer f.Wait()
	if !f.WaitForSync(ctx) {
		b.Fatal("informers did not sync")
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(2)
	go func() { defer wg.Done(); rec.Run(ctx) }()
	b.StartTimer()
	start := time.Now()
	go func() {
		defer wg.Done()
		if err := s.Run(ctx); err != nil {
			b.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d pods bound after 5 minutes", bound.Load(), benchPods)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	return elapsed
}

// parallel runs op(0..n-1) over 32 goroutines and fails b on the first
// error.
func parallel(b *testing.B, n int, op func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}
