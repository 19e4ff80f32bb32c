package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
)

// TestConcurrentSandboxes starts and removes many sandboxes at once, on a
// bridge that does not exist yet (the first setup creates it while the
// others wait): each gets its own address, and nothing is left.
func TestConcurrentSandboxes(t *testing.T) {
	if env == nil {
		t.Skip("no containerd")
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	bridge := "wk" + hex.EncodeToString(b[:])
	n, err := podnet.New(podnet.Config{BridgeName: bridge, PodCIDR: fmt.Sprintf("10.252.%d.0/24", b[0]), StateDir: t.TempDir()})
	if err != nil {
		t.Fatalf("podnet.New: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("network Close: %v", err)
		}
		if _, err := net.InterfaceByName(bridge); err == nil {
			t.Errorf("bridge %s after Close: present, want gone", bridge)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := New(ctx, Config{Address: env.address, Namespace: testNamespace, StateDir: t.TempDir(), Network: n})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()

	const pods = 12
	sbs := make([]*nodeagent.Sandbox, pods)
	errs := make([]error, pods)
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() { sbs[i], errs[i] = r.RunPodSandbox(ctx, testPod(fmt.Sprintf("p%d", i)), 0) })
	}
	wg.Wait()
	ips := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("RunPodSandbox %d: %v", i, err)
		}
		if sbs[i].IP == "" || ips[sbs[i].IP] {
			t.Errorf("sandbox %d: IP %q, want a unique address", i, sbs[i].IP)
		}
		ips[sbs[i].IP] = true
	}
	for i := range pods {
		wg.Go(func() { errs[i] = r.RemovePodSandbox(ctx, sbs[i].ID) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("RemovePodSandbox %d: %v", i, err)
		}
	}
	if uids, _ := n.List(); len(uids) != 0 {
		t.Errorf("network namespaces after removal: got %v, want none", uids)
	}
	if left, _ := r.ListSandboxes(ctx, ""); len(left) != 0 {
		t.Errorf("sandboxes after removal: got %d, want none", len(left))
	}
}
