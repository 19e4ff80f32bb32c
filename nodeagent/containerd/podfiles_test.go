package containerd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent"
)

func TestPodHostname(t *testing.T) {
	long := strings.Repeat("a", 62) + "-b"
	tests := []struct {
		name     string
		hostname string
		want     string
	}{
		{"web", "", "web"},
		{"web", "custom", "custom"},
		{long, "", strings.Repeat("a", 62)},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			pod := testPod(tc.name)
			pod.Spec.Hostname = tc.hostname
			if got := podHostname(pod); got != tc.want {
				t.Errorf("podHostname: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPodHosts(t *testing.T) {
	aliases := []core.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo", "foo.local"}}}
	want := "# Kubernetes-managed hosts file.\n" +
		"127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"fe00::0\tip6-mcastprefix\n" +
		"fe00::1\tip6-allnodes\n" +
		"fe00::2\tip6-allrouters\n" +
		"10.88.0.7\tweb\n" +
		"\n# Entries added by HostAliases.\n" +
		"10.1.2.3\tfoo\tfoo.local\n"
	if diff := cmp.Diff(want, string(podHosts("web", "10.88.0.7", aliases))); diff != "" {
		t.Errorf("podHosts (-want +got):\n%s", diff)
	}
	if got := string(podHosts("web", "", nil)); strings.Contains(got, "web") {
		t.Errorf("podHosts without an IP: got %q, want no line for the pod", got)
	}
	got := string(hostNetworkHosts([]byte("127.0.0.1 localhost\n192.168.1.5 node"), aliases))
	wantHost := "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.5 node\n" +
		"\n# Entries added by HostAliases.\n10.1.2.3\tfoo\tfoo.local\n"
	if diff := cmp.Diff(wantHost, got); diff != "" {
		t.Errorf("hostNetworkHosts (-want +got):\n%s", diff)
	}
}

func TestPodResolvConf(t *testing.T) {
	node := []byte("# from DHCP\nnameserver 10.0.0.10\nnameserver 10.0.0.11 # second\nsearch old.example\nsearch example.com corp.example\noptions ndots:5 rotate\n")
	two := "2"
	tests := []struct {
		name   string
		policy core.DNSPolicy
		cfg    *core.PodDNSConfig
		want   string
	}{
		{"Default copies the node's", core.DNSDefault, nil,
			"search example.com corp.example\nnameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5 rotate\n"},
		{"ClusterFirst without cluster DNS is Default", "", nil,
			"search example.com corp.example\nnameserver 10.0.0.10\nnameserver 10.0.0.11\noptions ndots:5 rotate\n"},
		{"dnsConfig adds and overrides", core.DNSClusterFirst, &core.PodDNSConfig{
			Nameservers: []string{"10.0.0.10", "1.1.1.1", "8.8.8.8"},
			Searches:    []string{"pod.example"},
			Options:     []core.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "edns0"}},
		}, "search example.com corp.example pod.example\nnameserver 10.0.0.10\nnameserver 10.0.0.11\nnameserver 1.1.1.1\noptions ndots:2 rotate edns0\n"},
		{"None uses dnsConfig alone", core.DNSNone, &core.PodDNSConfig{
			Nameservers: []string{"9.9.9.9"},
			Searches:    []string{"a.example", "b.example"},
			Options:     []core.PodDNSConfigOption{{Name: "ndots", Value: &two}},
		}, "search a.example b.example\nnameserver 9.9.9.9\noptions ndots:2\n"},
		{"None without dnsConfig is empty", core.DNSNone, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(podResolvConf(node, tc.policy, tc.cfg))); diff != "" {
				t.Errorf("podResolvConf (-want +got):\n%s", diff)
			}
		})
	}
}

// execOutput runs the test image in a one-shot mode in the container and
// returns its stdout.
func execOutput(t *testing.T, r *Runtime, id string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code, err := r.Exec(ctx, id, nodeagent.ExecOptions{Cmd: append([]string{"/testimage"}, args...), Stdout: &stdout, Stderr: &stderr})
	if err != nil || code != 0 {
		t.Fatalf("exec %v: got %d, %v (stderr %q), want 0", args, code, err, stderr.String())
	}
	return stdout.String()
}

// TestPodFiles checks the /etc files a pod's containers share: written at
// RunPodSandbox, seen by every container, removed with the sandbox.
func TestPodFiles(t *testing.T) {
	r := newTestRuntime(t)
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 10.0.0.10\nsearch example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.cfg.ResolvConf = resolv
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod := testPod("files")
	pod.Spec.Hostname = "custom"
	pod.Spec.HostAliases = []core.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo"}}}
	pod.Spec.DNSConfig = &core.PodDNSConfig{Searches: []string{"pod.example"}}
	sb, err := r.RunPodSandbox(ctx, pod, 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	var ids []string
	for _, name := range []string{"a", "b"} {
		id, err := r.StartContainer(ctx, sb.ID, testContainer(name, "--sleep"))
		if err != nil {
			t.Fatalf("StartContainer: %v", err)
		}
		ids = append(ids, id)
	}
	files := []struct{ path, want string }{
		{"/etc/hostname", "custom\n"},
		{"/proc/sys/kernel/hostname", "custom\n"},
		{"/etc/resolv.conf", "search example.com pod.example\nnameserver 10.0.0.10\n"},
		{"/etc/hosts", "10.1.2.3\tfoo\n"},
	}
	for _, f := range files {
		got := execOutput(t, r, ids[0], "--print-file", f.path)
		if !strings.Contains(got, f.want) {
			t.Errorf("%s: got %q, want it to hold %q", f.path, got, f.want)
		}
	}
	if got := execOutput(t, r, ids[0], "--print-file", "/etc/hosts"); !strings.HasPrefix(got, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n") {
		t.Errorf("/etc/hosts: got %q, want the kubelet's", got)
	}
	// One set of files per pod, which every container sees.
	if got, want := execOutput(t, r, ids[1], "--print-file", "/etc/hosts"), execOutput(t, r, ids[0], "--print-file", "/etc/hosts"); got != want {
		t.Errorf("/etc/hosts of the second container: got %q, want the first's %q", got, want)
	}
	if _, err := os.Stat(r.sandboxFilesDir(sb.ID)); err != nil {
		t.Errorf("sandbox files: %v", err)
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		t.Fatalf("RemovePodSandbox: %v", err)
	}
	assertSandboxGone(t, r, sb.ID)
	for _, id := range ids {
		assertGone(t, r, id)
	}
}

// TestHostNetworkPod checks that a host-network pod's containers share the
// node's network and host name and see the node's hosts file.
func TestHostNetworkPod(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod := testPod("hostnet")
	pod.Spec.HostNetwork = true
	sb, err := r.RunPodSandbox(ctx, pod, 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := r.RemovePodSandbox(context.Background(), sb.ID); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
	})
	if sb.IP != "" {
		t.Errorf("sandbox IP: got %q, want none of its own", sb.IP)
	}
	id, err := r.StartContainer(ctx, sb.ID, testContainer("app", "--sleep"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	if got := execOutput(t, r, id, "--print-file", "/proc/sys/kernel/hostname"); got != host+"\n" {
		t.Errorf("host name: got %q, want the node's %q", got, host)
	}
	if got := execOutput(t, r, id, "--print-file", "/etc/hostname"); got != host+"\n" {
		t.Errorf("/etc/hostname: got %q, want the node's %q", got, host)
	}
	nodeHosts, err := os.ReadFile(hostsFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := execOutput(t, r, id, "--print-file", "/etc/hosts"); !strings.Contains(got, string(nodeHosts)) {
		t.Errorf("/etc/hosts: got %q, want the node's %q", got, nodeHosts)
	}
	c, err := r.Client().LoadContainer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
		return ns.Type == specs.NetworkNamespace || ns.Type == specs.UTSNamespace
	}) {
		t.Errorf("namespaces: got %+v, want the node's network and UTS namespaces", spec.Linux.Namespaces)
	}
}
