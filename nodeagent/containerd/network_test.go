package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/nodeagent/podnet"
)

// TestPodIPAnswersHTTP runs the test image's server in a sandbox with a
// real pod network and reaches it from the host at the pod IP.
func TestPodIPAnswersHTTP(t *testing.T) {
	if env == nil {
		t.Skip("no containerd")
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	bridge := "wc" + hex.EncodeToString(b[:])
	n, err := podnet.New(podnet.Config{
		BridgeName: bridge,
		PodCIDR:    fmt.Sprintf("10.251.%d.0/24", b[0]),
		StateDir:   t.TempDir(),
	})
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New(ctx, Config{Address: env.address, Namespace: testNamespace, StateDir: t.TempDir(), Network: n})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()

	sb, err := r.RunPodSandbox(ctx, testPod("web"), 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	defer func() {
		if err := r.RemovePodSandbox(context.Background(), sb.ID); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
		if uids, _ := n.List(); len(uids) != 0 {
			t.Errorf("network namespaces after RemovePodSandbox: got %v, want none", uids)
		}
	}()
	if net.ParseIP(sb.IP) == nil {
		t.Fatalf("sandbox IP: got %q, want an address", sb.IP)
	}
	id, err := r.StartContainer(ctx, sb.ID, testContainer("web"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	waitLog(t, r, id, "listening")

	if body := httpGet(t, sb.IP, "/"); !strings.Contains(body, "web") {
		t.Errorf("GET pod: got %q, want it to name the pod's hostname web", body)
	}
	// The pod's /etc/hosts names it at its IP, as the kubelet's does.
	if body, want := httpGet(t, sb.IP, "/files?path=/etc/hosts"), sb.IP+"\tweb\n"; !strings.Contains(body, want) {
		t.Errorf("/etc/hosts: got %q, want it to hold %q", body, want)
	}
	if err := r.StopContainer(ctx, id, 10*time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
}
