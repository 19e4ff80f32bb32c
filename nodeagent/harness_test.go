package nodeagent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// startServer runs a real API server on an embedded etcd for the test and
// returns a client of it.
func startServer(t *testing.T) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an API server")
	}
	return apiservertest.Start(t).Client
}

func testLog() *slog.Logger {
	if os.Getenv("WHARF_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is a node config with every period short enough for tests.
func testConfig(name string) Config {
	cfg := NewConfig()
	cfg.NodeName = name
	cfg.NodeIP = "10.0.0.1"
	cfg.PodCIDR = "10.128.0.0/24"
	cfg.NodeLabels = map[string]string{"zone": "test"}
	cfg.LeaseDuration = 2 * time.Second
	cfg.RenewInterval = 100 * time.Millisecond
	cfg.SyncFrequency = 300 * time.Millisecond
	cfg.BackoffBase = 100 * time.Millisecond
	cfg.BackoffMax = 400 * time.Millisecond
	cfg.RunDuration = 100 * time.Millisecond
	cfg.AgentVersion = "v0.0.0-test"
	return cfg
}

// runningAgent is an agent running in the background of a test.
type runningAgent struct {
	*Agent
	stop func() // cancels Run and waits for it to return nil
}

// startAgent runs an agent for cfg over rt until the test ends or stop is
// called.
func startAgent(t *testing.T, c *client.Client, cfg Config, rt Runtime) *runningAgent {
	t.Helper()
	return startAgentWith(t, c, cfg, rt, nil)
}

// startAgentWith is startAgent with prepare, if not nil, called on the
// agent before it runs.
func startAgentWith(t *testing.T, c *client.Client, cfg Config, rt Runtime, prepare func(*Agent)) *runningAgent {
	t.Helper()
	a, err := New(cfg, c, rt, testLog())
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("agent %s: Run returned %v, want nil", cfg.NodeName, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("agent %s: Run did not return within 30s of its context ending", cfg.NodeName)
		}
	}
	t.Cleanup(stop)
	return &runningAgent{Agent: a, stop: stop}
}

// waitFor polls cond until it holds or timeout passes; cond returns
// whether it holds and, when not, what it saw.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s; last saw: %s", what, timeout, saw)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
}

// waitPod waits until the pod satisfies cond and returns it.
func waitPod(t *testing.T, c *client.Client, ns, name string, timeout time.Duration, what string, cond func(*core.Pod) bool) *core.Pod {
	t.Helper()
	var last *core.Pod
	waitFor(t, timeout, fmt.Sprintf("pod %s/%s %s", ns, name, what), func() (bool, string) {
		p, err := client.For[core.Pod](c).Get(context.Background(), ns, name)
		if err != nil {
			return false, err.Error()
		}
		last = p
		return cond(p), describePod(p)
	})
	return last
}

func describePod(p *core.Pod) string {
	s := fmt.Sprintf("phase=%s podIP=%s", p.Status.Phase, p.Status.PodIP)
	for _, c := range p.Status.Conditions {
		s += fmt.Sprintf(" %s=%s", c.Type, c.Status)
	}
	for _, cs := range p.Status.ContainerStatuses {
		s += fmt.Sprintf(" [%s restarts=%d ready=%v %+v]", cs.Name, cs.RestartCount, cs.Ready, stateString(cs.State))
	}
	return s
}

func stateString(s core.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return fmt.Sprintf("terminated(%d %s)", s.Terminated.ExitCode, s.Terminated.Reason)
	case s.Waiting != nil:
		return "waiting(" + s.Waiting.Reason + ")"
	}
	return "none"
}
