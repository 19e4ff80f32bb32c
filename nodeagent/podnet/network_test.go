package podnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		cfg       Config
		wantField string // "" for a valid config
	}{
		{"defaults", Config{PodCIDR: "10.88.0.0/24", StateDir: dir}, ""},
		{"no cidr", Config{StateDir: dir}, "PodCIDR"},
		{"bad cidr", Config{PodCIDR: "10.88.0.0", StateDir: dir}, "PodCIDR"},
		{"ipv6 cidr", Config{PodCIDR: "fd00::/64", StateDir: dir}, "PodCIDR"},
		{"tiny cidr", Config{PodCIDR: "10.88.0.0/31", StateDir: dir}, "PodCIDR"},
		{"host bits", Config{PodCIDR: "10.88.0.1/24", StateDir: dir}, "PodCIDR"},
		{"long bridge", Config{BridgeName: "abcdefghijklmnop", PodCIDR: "10.88.0.0/24", StateDir: dir}, "BridgeName"},
		{"no state dir", Config{PodCIDR: "10.88.0.0/24"}, "StateDir"},
		{"relative state dir", Config{PodCIDR: "10.88.0.0/24", StateDir: "run/x"}, "StateDir"},
		{"relative plugin dir", Config{PodCIDR: "10.88.0.0/24", StateDir: dir, PluginDirs: []string{"bin"}}, "PluginDirs"},
		{"bad mtu", Config{PodCIDR: "10.88.0.0/24", StateDir: dir, MTU: 20}, "MTU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("New: got error %v, want none", err)
			case tt.wantField != "" && (err == nil || !strings.Contains(err.Error(), tt.wantField)):
				t.Fatalf("New: got error %v, want one naming %s", err, tt.wantField)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("StateDir after New: got %d entries, want none", len(entries))
	}
}

func TestSetupGivesDistinctAddressesInCIDR(t *testing.T) {
	n, cidr := newTestNetwork(t, 24)
	ctx := context.Background()

	a := setupPod(t, n, "pod-a")
	b := setupPod(t, n, "pod-b")
	for _, sb := range []*Sandbox{a, b} {
		addr, _ := netip.AddrFromSlice(sb.IP)
		if !cidr.Contains(addr) {
			t.Errorf("pod IP: got %s, want one in %s", sb.IP, cidr)
		}
		if want := cidr.Addr().Next(); sb.Gateway.String() != want.String() {
			t.Errorf("gateway: got %s, want %s", sb.Gateway, want)
		}
		checkPodInterfaces(t, sb)
	}
	if a.IP.Equal(b.IP) {
		t.Errorf("two pods: got the same IP %s twice, want distinct", a.IP)
	}
	uids, err := n.List()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(uids)
	if diff := cmp.Diff([]string{"pod-a", "pod-b"}, uids); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if _, err := n.Setup(ctx, "pod-a", "default", "a"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Setup of pod-a: got %v, want an error wrapping fs.ErrExist", err)
	}
}

func TestHostReachesListenerInPod(t *testing.T) {
	n, _ := newTestNetwork(t, 24)
	sb := setupPod(t, n, "pod-tcp")

	var ln net.Listener
	inNetNS(t, sb.NetNSPath, func() error {
		var err error
		// A socket belongs to the namespace it was created in, whichever
		// thread later uses it.
		ln, err = net.Listen("tcp", net.JoinHostPort(sb.IP.String(), "0"))
		return err
	})
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()

	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial pod %s from host: %v", ln.Addr(), err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if string(got) != "ping" {
		t.Errorf("echo: got %q, want %q", got, "ping")
	}
}

func TestTeardownIsIdempotent(t *testing.T) {
	n, _ := newTestNetwork(t, 24)
	ctx := context.Background()
	sb := setupPod(t, n, "pod-x")

	for i := range 2 {
		if err := n.Teardown(ctx, "pod-x"); err != nil {
			t.Fatalf("Teardown #%d: got %v, want nil", i+1, err)
		}
	}
	if _, err := os.Lstat(sb.NetNSPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("namespace file after Teardown: got %v, want not exist", err)
	}
	if err := n.Teardown(ctx, "never-set-up"); err != nil {
		t.Errorf("Teardown of unknown pod: got %v, want nil", err)
	}
	if uids, _ := n.List(); len(uids) != 0 {
		t.Errorf("List after Teardown: got %v, want none", uids)
	}
}

// A /29 leaves five addresses (.1 is the gateway, .7 broadcast): the sixth
// pod must fail cleanly, and only a released address comes back.
func TestAddressReusedOnlyAfterRelease(t *testing.T) {
	n, _ := newTestNetwork(t, 29)
	ctx := context.Background()

	inUse := map[string]string{} // IP -> pod
	for i := range 5 {
		uid := fmt.Sprintf("pod-%d", i)
		sb := setupPod(t, n, uid)
		if other, ok := inUse[sb.IP.String()]; ok {
			t.Fatalf("%s: got IP %s, already held by %s", uid, sb.IP, other)
		}
		inUse[sb.IP.String()] = uid
	}
	if _, err := n.Setup(ctx, "pod-full", "default", "full"); err == nil {
		t.Fatal("Setup with the range exhausted: got nil error, want one")
	}
	if _, err := os.Lstat(n.netnsPath("pod-full")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("namespace of failed pod: got %v, want not exist", err)
	}
	if got := len(bridgePorts(t, n.cfg.BridgeName)); got != 5 {
		t.Errorf("bridge ports after failed Setup: got %d, want 5", got)
	}

	var released string
	for ip, uid := range inUse {
		if uid == "pod-2" {
			released = ip
		}
	}
	if err := n.Teardown(ctx, "pod-2"); err != nil {
		t.Fatal(err)
	}
	sb := setupPod(t, n, "pod-again")
	if sb.IP.String() != released {
		t.Errorf("IP after release: got %s, want the released %s", sb.IP, released)
	}
}

func TestCloseRemovesBridge(t *testing.T) {
	n, _ := newTestNetwork(t, 24)
	sb := setupPod(t, n, "pod-c")
	if _, err := net.InterfaceByName(n.cfg.BridgeName); err != nil {
		t.Fatalf("bridge %s after Setup: got %v, want it present", n.cfg.BridgeName, err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := net.InterfaceByName(n.cfg.BridgeName); err == nil {
		t.Errorf("bridge %s after Close: present, want gone", n.cfg.BridgeName)
	}
	if _, err := os.Lstat(sb.NetNSPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("namespace file after Close: got %v, want not exist", err)
	}
	for _, d := range []string{netnsSubdir, ipamSubdir, cacheSubdir} {
		if _, err := os.Lstat(filepath.Join(n.cfg.StateDir, d)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after Close: got %v, want not exist", d, err)
		}
	}
}

func TestFailedSetupLeavesNothing(t *testing.T) {
	requireRoot(t)
	state := t.TempDir()
	bridge := "wt" + randomHex(t, 4)
	n, err := New(Config{
		BridgeName: bridge,
		PodCIDR:    testCIDR(t, 24).String(),
		PluginDirs: []string{t.TempDir()}, // no plugins in it
		StateDir:   state,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Should Setup leak despite failing, Close still removes the namespace
	// (its Teardown fails without plugins, but the unmount does not).
	t.Cleanup(func() { _ = n.Close() })
	if _, err := n.Setup(context.Background(), "pod-f", "default", "f"); err == nil {
		t.Fatal("Setup without plugins: got nil error, want one")
	}
	if entries, _ := os.ReadDir(filepath.Join(state, netnsSubdir)); len(entries) != 0 {
		t.Errorf("namespaces after failed Setup: got %d, want none", len(entries))
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		t.Errorf("bridge %s after failed Setup: present, want none", bridge)
	}
	if uids, _ := n.List(); len(uids) != 0 {
		t.Errorf("List after failed Setup: got %v, want none", uids)
	}
}

// newTestNetwork returns a Network with its own bridge and a random
// 10.250.X.0/bits range, and checks at cleanup that Close left nothing.
func newTestNetwork(t *testing.T, bits int) (*Network, netip.Prefix) {
	t.Helper()
	requireRoot(t)
	cidr := testCIDR(t, bits)
	n, err := New(Config{
		BridgeName: "wt" + randomHex(t, 4),
		PodCIDR:    cidr.String(),
		StateDir:   t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ports := bridgePorts(t, n.cfg.BridgeName)
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := net.InterfaceByName(n.cfg.BridgeName); err == nil {
			t.Errorf("bridge %s after cleanup: present, want gone", n.cfg.BridgeName)
		}
		for _, p := range ports {
			if _, err := os.Lstat(filepath.Join("/sys/class/net", p)); err == nil {
				t.Errorf("veth %s after cleanup: present, want gone", p)
			}
		}
		if entries, _ := os.ReadDir(filepath.Join(n.cfg.StateDir, netnsSubdir)); len(entries) != 0 {
			t.Errorf("namespaces after cleanup: got %d, want none", len(entries))
		}
	})
	return n, cidr
}

// setupPod sets up a pod and remembers the host veths it added, so that
// cleanup can check they are gone even if the bridge vanished first.
func setupPod(t *testing.T, n *Network, uid string) *Sandbox {
	t.Helper()
	sb, err := n.Setup(context.Background(), uid, "default", uid)
	if err != nil {
		t.Fatalf("Setup %s: %v", uid, err)
	}
	if sb.NetNSPath != n.netnsPath(uid) {
		t.Errorf("NetNSPath: got %s, want %s", sb.NetNSPath, n.netnsPath(uid))
	}
	return sb
}

// checkPodInterfaces enters the pod's namespace and checks lo is up and
// eth0 carries the pod's address.
func checkPodInterfaces(t *testing.T, sb *Sandbox) {
	t.Helper()
	type ifc struct {
		Name  string
		Up    bool
		Addrs []string
	}
	var got []ifc
	inNetNS(t, sb.NetNSPath, func() error {
		ifaces, err := net.Interfaces()
		if err != nil {
			return err
		}
		for _, i := range ifaces {
			addrs, err := i.Addrs()
			if err != nil {
				return err
			}
			var v4 []string
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
					v4 = append(v4, ipn.IP.String())
				}
			}
			got = append(got, ifc{i.Name, i.Flags&net.FlagUp != 0, v4})
		}
		return nil
	})
	want := []ifc{
		{"lo", true, []string{"127.0.0.1"}},
		{"eth0", true, []string{sb.IP.String()}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("interfaces in pod namespace (-want +got):\n%s", diff)
	}
}

// inNetNS runs fn on a locked thread inside the namespace at path. If the
// thread cannot return to the host namespace it stays locked, so Go discards
// it.
func inNetNS(t *testing.T, path string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- func() error {
			host, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
			if err != nil {
				return err
			}
			defer host.Close()
			pod, err := os.Open(path)
			if err != nil {
				return err
			}
			defer pod.Close()
			if err := unix.Setns(int(pod.Fd()), unix.CLONE_NEWNET); err != nil {
				return err
			}
			ferr := fn()
			if err := unix.Setns(int(host.Fd()), unix.CLONE_NEWNET); err != nil {
				return errors.Join(ferr, err)
			}
			runtime.UnlockOSThread()
			return ferr
		}()
	}()
	if err := <-errc; err != nil {
		t.Fatalf("in namespace %s: %v", path, err)
	}
}

// bridgePorts lists the interfaces enslaved to bridge (the pods' host veths).
func bridgePorts(t *testing.T, bridge string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif"))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces and bridges")
	}
}

func testCIDR(t *testing.T, bits int) netip.Prefix {
	t.Helper()
	x, err := rand.Int(rand.Reader, big.NewInt(256))
	if err != nil {
		t.Fatal(err)
	}
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 250, byte(x.Int64()), 0}), bits)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)[:n]
}

// TestConcurrentSetupsOnANewBridge sets up many pods at once on a bridge
// that does not exist yet: the first creates it while the others wait,
// then they run together. Each gets its own address and working eth0.
func TestConcurrentSetupsOnANewBridge(t *testing.T) {
	n, cidr := newTestNetwork(t, 24)
	const pods = 10
	sbs := make([]*Sandbox, pods)
	errs := make([]error, pods)
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() { sbs[i], errs[i] = n.Setup(context.Background(), fmt.Sprintf("pod-%d", i), "default", "p") })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Setup %d: %v", i, err)
		}
		addr, _ := netip.AddrFromSlice(sbs[i].IP)
		if !cidr.Contains(addr) || seen[addr.String()] {
			t.Errorf("pod %d: IP %s, want a distinct one in %s", i, addr, cidr)
		}
		seen[addr.String()] = true
		checkPodInterfaces(t, sbs[i])
	}
	if !n.warm.Load() {
		t.Errorf("after successful setups the network is not marked warm: later setups would still wait for each other")
	}
}
