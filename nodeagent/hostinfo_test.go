package nodeagent

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

func TestOSPrettyName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n", "Debian GNU/Linux 12 (bookworm)"},
		{"PRETTY_NAME='Alpine Linux v3.20'\n", "Alpine Linux v3.20"},
		{"PRETTY_NAME=Plain\n", "Plain"},
		{"NAME=x\n", ""},
	}
	for _, tt := range tests {
		if got := osPrettyName([]byte(tt.in)); got != tt.want {
			t.Errorf("osPrettyName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// flakyRuntime is the simulated runtime whose Version fails while down is
// set, as containerd does while it is stopped.
type flakyRuntime struct {
	*Simulated
	down atomic.Bool
}

func (r *flakyRuntime) Version(ctx context.Context) (RuntimeVersion, error) {
	if r.down.Load() {
		return RuntimeVersion{}, errors.New("connection refused")
	}
	return r.Simulated.Version(ctx)
}

func TestNodeNotReadyWhileRuntimeDown(t *testing.T) {
	c := startServer(t)
	rt := &flakyRuntime{Simulated: NewSimulated(time.Second, nil)}
	startAgentWith(t, c, testConfig("node-a"), rt, func(a *Agent) {
		a.realHost = true
		a.runtimeCheck = 50 * time.Millisecond
	})
	nodes := client.For[core.Node](c)
	readyIs := func(want core.ConditionStatus, msg string) {
		t.Helper()
		waitFor(t, waitLong, "node Ready="+string(want), func() (bool, string) {
			n, err := nodes.Get(context.Background(), "", "node-a")
			if err != nil {
				return false, err.Error()
			}
			for _, cond := range n.Status.Conditions {
				if cond.Type == core.NodeReady {
					return cond.Status == want && (msg == "" || cond.Message == msg), cond.Message
				}
			}
			return false, "no Ready condition"
		})
	}
	readyIs(core.ConditionTrue, "")
	n, err := nodes.Get(context.Background(), "", "node-a")
	if err != nil {
		t.Fatal(err)
	}
	if n.Status.NodeInfo.KernelVersion == "" || n.Status.NodeInfo.KernelVersion == simulatedKernelVersion {
		t.Errorf("kernelVersion of a real node: got %q, want this machine's", n.Status.NodeInfo.KernelVersion)
	}
	rt.down.Store(true)
	readyIs(core.ConditionFalse, "container runtime is down: connection refused")
	rt.down.Store(false)
	readyIs(core.ConditionTrue, "")
}
