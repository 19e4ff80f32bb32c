package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/apiserver/apiservertest"
	"github.com/wharf/wharf/controller"
)

// cluster is a real API server on an embedded etcd, with typed clients of
// it, for tests that run the scheduler against the real thing.
type cluster struct {
	t      testing.TB
	client *client.Client
	pods   *client.Resource[core.Pod, *core.Pod]
	nodes  *client.Resource[core.Node, *core.Node]
	events *client.Resource[core.Event, *core.Event]
}

func testLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("SCHEDULER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startCluster(t testing.TB) *cluster {
	t.Helper()
	c := apiservertest.Start(t).Client
	return &cluster{t: t, client: c, pods: client.For[core.Pod](c), nodes: client.For[core.Node](c), events: client.For[core.Event](c)}
}

// addNode creates the node with its status (Ready, allocatable) as given.
func (cl *cluster) addNode(b *nodeBuilder) *core.Node {
	cl.t.Helper()
	ctx := context.Background()
	want := b.obj()
	n, err := cl.nodes.Create(ctx, "", b.obj())
	if err != nil {
		cl.t.Fatalf("creating node %s: %v", want.Name, err)
	}
	if n.Ready() != want.Ready() || len(n.Status.Allocatable) == 0 {
		n.Status = want.Status
		if n, err = cl.nodes.UpdateStatus(ctx, n); err != nil {
			cl.t.Fatalf("node %s status: %v", want.Name, err)
		}
	}
	return n
}

func (cl *cluster) addPod(b *podBuilder) *core.Pod {
	cl.t.Helper()
	p := b.obj()
	p.UID = ""
	created, err := cl.pods.Create(context.Background(), "default", p)
	if err != nil {
		cl.t.Fatalf("creating pod %s: %v", p.Name, err)
	}
	return created
}

func (cl *cluster) pod(name string) *core.Pod {
	cl.t.Helper()
	p, err := cl.pods.Get(context.Background(), "default", name)
	if err != nil {
		cl.t.Fatalf("reading pod %s: %v", name, err)
	}
	return p
}

// podEvents lists the events about the named pod with the given reason.
func (cl *cluster) podEvents(name, reason string) []core.Event {
	cl.t.Helper()
	l, err := cl.events.List(context.Background(), "default", client.ListOptions{})
	if err != nil {
		cl.t.Fatalf("listing events: %v", err)
	}
	var out []core.Event
	for _, e := range l.Items {
		if e.InvolvedObject.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// runningScheduler is a scheduler started by startScheduler.
type runningScheduler struct {
	*Scheduler
	stop func()
}

// startScheduler runs a scheduler with its own informers and recorder
// (reporting as host) until the test ends or stop is called.
func (cl *cluster) startScheduler(cfg Config, host string) *runningScheduler {
	cl.t.Helper()
	log := testLogger().With("host", host)
	f := controller.NewInformers(cl.client, log)
	rec := events.NewRecorder(cl.client, cfg.SchedulerName, host, log)
	s, err := New(cl.client, f, rec, cfg, log)
	if err != nil {
		cl.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); rec.Run(ctx) }()
	go func() {
		defer wg.Done()
		if err := s.Run(ctx); err != nil {
			cl.t.Errorf("scheduler %s: %v", host, err)
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			f.Wait()
		})
	}
	cl.t.Cleanup(stop)
	return &runningScheduler{Scheduler: s, stop: stop}
}

// testConfig is the default configuration with short back-offs and no
// leader election.
func testConfig() Config {
	cfg := NewConfig()
	cfg.InitialBackoff, cfg.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	cfg.LeaderElect = false
	cfg.Parallelism = 4
	return cfg
}

// eventually waits until cond holds, failing the test with what it last
// said after the deadline.
func eventually(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, why)
		}
		<-tick.C
	}
}

// boundPods waits until every named pod is bound and returns pod → node.
func (cl *cluster) boundPods(names []string, timeout time.Duration) map[string]string {
	cl.t.Helper()
	placed := map[string]string{}
	eventually(cl.t, timeout, func() (bool, string) {
		l, err := cl.pods.List(context.Background(), "default", client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		byName := map[string]string{}
		for _, p := range l.Items {
			byName[p.Name] = p.Spec.NodeName
		}
		for _, n := range names {
			if byName[n] == "" {
				return false, fmt.Sprintf("pod %s is not bound", n)
			}
			placed[n] = byName[n]
		}
		return true, ""
	})
	return placed
}
