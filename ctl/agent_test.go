package ctl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

// agentRoot is a root command holding only `agent`, with the global flags
// it reads, so that a test can run it under a context it cancels.
func agentRoot(args ...string) *cobra.Command {
	root := &cobra.Command{Use: "wharf", SilenceErrors: true, SilenceUsage: true}
	(&globalOptions{}).addFlags(root.PersistentFlags())
	root.AddCommand(newAgentCommand())
	root.SetArgs(args)
	return root
}

func TestAgentRefusesWhatItCannotRun(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"agent", "--kubeconfig", "/nonexistent"}, "/nonexistent"},
		{[]string{"agent", "--simulate", "2", "--node-cpu", "0"}, "--node-cpu"},
		{[]string{"agent", "--simulate", "-1"}, "--simulate"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := agentRoot(tt.args...).ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestAgentNeedsContainerd: a real node whose containerd does not answer
// fails at once, naming the socket and how to start containerd.
func TestAgentNeedsContainerd(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "none.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := agentRoot("agent", "--kubeconfig", kubeconfig, "--containerd-address", sock,
		"--state-dir", filepath.Join(dir, "state"), "--root-dir", filepath.Join(dir, "root")).ExecuteContext(ctx)
	for _, want := range []string{sock, "systemctl start containerd"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error mentioning %q", err, want)
		}
	}
}

// TestAgentSimulatesNodes: `wharf agent --simulate 3` registers three Ready
// nodes and returns nil once its context ends (SIGTERM).
func TestAgentSimulatesNodes(t *testing.T) {
	c := startCluster(t)
	cl := c.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agentRoot("agent", "--kubeconfig", c.kubeconfig, "--simulate", "3", "--node-name-prefix", "fake-",
			"--node-labels", "pool=sim", "--log-level", "error").ExecuteContext(ctx)
	}()
	waitFor(t, "three Ready simulated nodes", func() bool {
		nodes, err := client.For[core.Node](cl).List(context.Background(), "", client.ListOptions{LabelSelector: "pool=sim"})
		if err != nil {
			return false
		}
		ready := 0
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if n.Ready() && strings.HasPrefix(n.Name, "fake-000") {
				ready++
			}
		}
		return ready == 3
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("wharf agent: got %v after its context ended, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("wharf agent did not stop within 30s of its context ending")
	}
}
