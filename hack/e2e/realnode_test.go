//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wharf/wharf/api/builtin"
	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
)

// The real-node tests (TestReal*, BenchmarkPodStart) share one
// single-machine cluster per `go test` run: a private containerd daemon
// (its own root, state and socket in a temporary directory, so the
// machine's containerd and a `make up` cluster are never touched) with the
// test images imported, and `wharf up` on it with a bridge, pod CIDR and
// containerd namespace of its own. The first test that needs it starts it;
// TestMain tears it down after the last test and fails the run if anything
// the pods or the node created is left on the machine.

const (
	realNodeName = "e2e-node"
	testImage1   = "wharf.local/wharf-test:1"
	testImage2   = "wharf.local/wharf-test:2"
	// backoffBase shortens the kubelet's 10 s restart back-off so that a
	// crash loop shows several doubling delays within seconds.
	backoffBase = time.Second
	// nsPrefix names every namespace the real-node tests create; teardown
	// deletes whatever is left of them.
	nsPrefix = "e2e-"
)

// shared is the run's real node. It is package state because TestMain,
// which outlives every test, must tear it down; it is set once.
var shared realNodeSlot

type realNodeSlot struct {
	once sync.Once
	node *realNode
	skip string // why this machine cannot run a real node
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if n := shared.node; n != nil {
		if problems := n.teardown(); len(problems) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: the real node's teardown found:")
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, "  - "+p)
			}
			code = 1
		}
	}
	os.Exit(code)
}

// realNodeFor returns the run's real node, starting it on first use. It
// skips t where a real node cannot run: not root, or containerd, runc or
// the CNI plugins missing.
func realNodeFor(t testing.TB) *realNode {
	t.Helper()
	if testing.Short() {
		t.Skip("real containers are not run with -short")
	}
	shared.once.Do(func() {
		if shared.skip = realNodeMissing(); shared.skip != "" {
			return
		}
		shared.node, shared.err = startRealNode()
	})
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("starting the real node: %v", shared.err)
	}
	return shared.node
}

// realNodeMissing says what this machine lacks to run a real node, or "".
func realNodeMissing() string {
	if os.Geteuid() != 0 {
		return "real-node tests need root (containerd, network namespaces, cgroups)"
	}
	for _, b := range []string{"containerd", "runc", "ctr", "ip", "nsenter"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Sprintf("real-node tests need %s (hack/install-deps.sh installs it)", b)
		}
	}
	for _, p := range []string{"bridge", "host-local", "loopback"} {
		if !fileExists(filepath.Join("/usr/lib/cni", p)) && !fileExists(filepath.Join("/opt/cni/bin", p)) {
			return "real-node tests need the CNI plugin " + p + " (package containernetworking-plugins)"
		}
	}
	return ""
}

// realNode is one `wharf up` on a private containerd.
type realNode struct {
	repo       string // the repository's root
	bin        string // bin/wharf
	dir        string // holds everything below
	address    string // the private containerd's socket
	namespace  string // containerd namespace; also names its cgroup dirs
	bridge     string
	podCIDR    string
	dataDir    string // wharf up's --data-dir
	stateDir   string
	rootDir    string
	kubeconfig string
	imageDir   string // the test image tarballs
	registry   string // host:port of the local registry, "" without one

	netnsBefore []string // /run/netns before the node started

	containerd *exec.Cmd
	cdExited   chan struct{}
	up         *exec.Cmd
	upExited   chan struct{}
	upLog      string
	registryUp bool
	nodeReady  bool // the node came up: teardown checks what it left

	client *apiclient.Client
}

func startRealNode() (_ *realNode, err error) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(repo, "bin", "wharf")
	if b := os.Getenv("WHARF_E2E_BIN"); b != "" {
		// Another build of wharf, e.g. with work in progress.
		bin = b
	}
	if !fileExists(bin) {
		return nil, fmt.Errorf("%s is missing: run `make build` first (make e2e does)", bin)
	}
	// A short path: the containerd socket's must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "we2e")
	if err != nil {
		return nil, err
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	n := &realNode{
		repo:      repo,
		bin:       bin,
		dir:       dir,
		address:   filepath.Join(dir, "containerd.sock"),
		namespace: "wharf-e2e" + id,
		bridge:    "we2e" + id,
		dataDir:   filepath.Join(dir, "data"),
		stateDir:  filepath.Join(dir, "run"),
		rootDir:   filepath.Join(dir, "lib"),
		imageDir:  filepath.Join(dir, "images"),
		upLog:     filepath.Join(dir, "up.log"),
	}
	n.kubeconfig = filepath.Join(n.dataDir, "admin.kubeconfig")
	n.netnsBefore, _ = dirNames("/run/netns")
	defer func() {
		if err != nil {
			// Undo what started; what it finds is noise beside err.
			_ = n.teardown()
		}
	}()
	if n.podCIDR, err = pickPodCIDR(); err != nil {
		return nil, err
	}
	if err := n.startContainerd(); err != nil {
		return nil, err
	}
	if err := n.importImages(); err != nil {
		return nil, err
	}
	if err := n.startRegistry(); err != nil {
		return nil, err
	}
	if err := n.startUp(); err != nil {
		return nil, err
	}
	return n, nil
}

// pickPodCIDR picks a /24 in 10.223.0.0/16 that no interface of this
// machine is in, so that two runs side by side do not share a range.
func pickPodCIDR() (string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for range 50 {
		var b [1]byte
		_, _ = rand.Read(b[:])
		_, cidr, _ := net.ParseCIDR(fmt.Sprintf("10.223.%d.0/24", b[0]))
		used := false
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && cidr.Contains(ipn.IP) {
				used = true
			}
		}
		if !used {
			return cidr.String(), nil
		}
	}
	return "", errors.New("no free /24 in 10.223.0.0/16 for the pods")
}

func (n *realNode) startContainerd() error {
	conf := filepath.Join(n.dir, "containerd.toml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(n.dir, "containerd-root"), filepath.Join(n.dir, "containerd-state"), n.address, n.address+".ttrpc"), 0o644); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(n.dir, "containerd.log"))
	if err != nil {
		return err
	}
	n.containerd = exec.Command("containerd", "--config", conf)
	n.containerd.Stdout, n.containerd.Stderr = logf, logf
	if err := n.containerd.Start(); err != nil {
		logf.Close()
		n.containerd = nil
		return err
	}
	n.cdExited = make(chan struct{})
	go func() { _ = n.containerd.Wait(); logf.Close(); close(n.cdExited) }()
	return poll(15*time.Second, func() string {
		select {
		case <-n.cdExited:
			return "containerd exited; see " + logf.Name()
		default:
		}
		if _, err := n.ctr("version"); err != nil {
			return "containerd does not answer: " + err.Error()
		}
		return ""
	})
}

// importImages builds both test image tags and imports them as `make up`
// does; ctr unpacks them for the overlayfs snapshotter.
func (n *realNode) importImages() error {
	cmd := exec.Command(filepath.Join(n.repo, "hack", "build-test-image.sh"), n.imageDir)
	cmd.Dir = n.repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("hack/build-test-image.sh: %w\n%s", err, out)
	}
	for _, tar := range []string{"wharf-test-1.tar", "wharf-test-2.tar"} {
		if out, err := n.ctr("images", "import", filepath.Join(n.imageDir, tar)); err != nil {
			return fmt.Errorf("import %s: %w\n%s", tar, err, out)
		}
	}
	return nil
}

// startRegistry runs a local registry when docker-registry is installed;
// wharf up must know it as an insecure registry from the start.
func (n *realNode) startRegistry() error {
	if _, err := exec.LookPath("docker-registry"); err != nil {
		return nil
	}
	dir := filepath.Join(n.dir, "registry")
	out, err := exec.Command(filepath.Join(n.repo, "hack", "registry.sh"), "start", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("hack/registry.sh start: %w\n%s", err, out)
	}
	n.registryUp = true
	addr := regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).FindString(string(out))
	if addr == "" {
		return fmt.Errorf("hack/registry.sh start did not say its address (127.0.0.1:PORT):\n%s", out)
	}
	n.registry = addr
	return nil
}

// pushImage pushes test image tag 1 to the local registry as
// wharf-test:TAG and returns its reference.
func (n *realNode) pushImage(t *testing.T, tag string) string {
	t.Helper()
	ref := n.registry + "/wharf-test:" + tag
	script := filepath.Join(n.repo, "hack", "registry.sh")
	if out, err := exec.Command(script, "push", filepath.Join(n.dir, "registry"), filepath.Join(n.imageDir, "wharf-test-1.tar"), ref).CombinedOutput(); err != nil {
		t.Fatalf("hack/registry.sh push %s: %v\n%s", ref, err, out)
	}
	return ref
}

// runtimeFlags are the flags `wharf up` and `wharf cleanup` share: where the
// node keeps its containers, networks and files.
func (n *realNode) runtimeFlags() []string {
	return []string{
		"--containerd-address", n.address,
		"--containerd-namespace", n.namespace,
		"--state-dir", n.stateDir,
		"--root-dir", n.rootDir,
		"--cni-bridge", n.bridge,
	}
}

func (n *realNode) startUp() error {
	args := append([]string{"up",
		"--data-dir", n.dataDir, "--port", "0",
		"--node-name", realNodeName, "--node-ip", "127.0.0.1", "--agent-port", "0",
		"--restart-backoff-base", backoffBase.String(), "--pod-cidr", n.podCIDR,
	}, n.runtimeFlags()...)
	if n.registry != "" {
		args = append(args, "--insecure-registry", n.registry)
	}
	if os.Getenv("WHARF_E2E_LOG_DIR") != "" {
		args = append(args, "--log-level", "debug")
	}
	logf, err := os.Create(n.upLog)
	if err != nil {
		return err
	}
	n.up = exec.Command(n.bin, args...)
	n.up.Stdout, n.up.Stderr = logf, logf
	if err := n.up.Start(); err != nil {
		logf.Close()
		n.up = nil
		return err
	}
	n.upExited = make(chan struct{})
	go func() { _ = n.up.Wait(); logf.Close(); close(n.upExited) }()

	exited := func() string {
		select {
		case <-n.upExited:
			return "wharf up exited:\n" + n.logTail(40)
		default:
			return ""
		}
	}
	if err := poll(30*time.Second, func() string {
		if msg := exited(); msg != "" {
			return msg
		}
		if !(&cluster{kubeconfig: n.kubeconfig}).ready() {
			return "the API server is not ready"
		}
		return ""
	}); err != nil {
		return err
	}
	ccfg, _, err := apiclient.ConfigFromKubeconfig(n.kubeconfig, "")
	if err != nil {
		return err
	}
	ccfg.UserAgent = "wharf-e2e"
	if n.client, err = apiclient.New(ccfg, builtin.Scheme()); err != nil {
		return err
	}
	nodes := apiclient.For[core.Node](n.client)
	if err := poll(60*time.Second, func() string {
		if msg := exited(); msg != "" {
			return msg
		}
		node, err := nodes.Get(context.Background(), "", realNodeName)
		if err != nil {
			return "node " + realNodeName + ": " + err.Error()
		}
		if !node.Ready() {
			return "node " + realNodeName + " is not Ready"
		}
		return ""
	}); err != nil {
		return fmt.Errorf("%w\nwharf up's log:\n%s", err, n.logTail(40))
	}
	n.nodeReady = true
	return nil
}

// ctr runs containerd's CLI against the private daemon, in the node's
// namespace unless args start with -n.
func (n *realNode) ctr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := []string{"--address", n.address}
	if len(args) == 0 || args[0] != "-n" {
		full = append(full, "-n", n.namespace)
	}
	out, err := exec.CommandContext(ctx, "ctr", append(full, args...)...).CombinedOutput()
	return string(out), err
}

// logTail is the end of wharf up's log, for failure messages.
func (n *realNode) logTail(lines int) string {
	b, _ := os.ReadFile(n.upLog)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// cli runs wharf and kubectl for t against the node's control plane.
func (n *realNode) cli(t *testing.T) *cluster {
	return &cluster{t: t, bin: n.bin, dataDir: n.dataDir, kubeconfig: n.kubeconfig}
}

// newNamespace creates namespace e2e-<name>-<random> for t (random, so
// that -count=N does not meet the namespace of the run before, still
// terminating). It is deleted when t ends without waiting: teardown waits
// for every pod of them to be gone.
func (n *realNode) newNamespace(t *testing.T, name string) string {
	t.Helper()
	var b [2]byte
	_, _ = rand.Read(b[:])
	ns := nsPrefix + name + "-" + hex.EncodeToString(b[:])
	n.cli(t).must("", n.bin, "create", "namespace", ns)
	t.Cleanup(func() {
		if _, errOut, err := n.cli(t).run("", n.bin, "delete", "namespace", ns, "--wait=false"); err != nil {
			t.Errorf("delete namespace %s: %v: %s", ns, err, errOut)
		}
	})
	return ns
}

// apply applies a manifest with `wharf apply -f -`.
func (n *realNode) apply(t *testing.T, manifest string) {
	t.Helper()
	n.cli(t).must(manifest, n.bin, "apply", "-f", "-")
}

func (n *realNode) pods() *apiclient.Resource[core.Pod, *core.Pod] {
	return apiclient.For[core.Pod](n.client)
}

// waitPod polls pod ns/name until ok returns "" and returns the pod that
// satisfied it; on timeout it fails t with what ok said last, the pod's
// status and the end of wharf up's log.
func (n *realNode) waitPod(t *testing.T, ns, name string, timeout time.Duration, ok func(*core.Pod) string) *core.Pod {
	t.Helper()
	var last *core.Pod
	err := poll(timeout, func() string {
		p, err := n.pods().Get(context.Background(), ns, name)
		if err != nil {
			return err.Error()
		}
		last = p
		return ok(p)
	})
	if err != nil {
		t.Fatalf("pod %s/%s: %v\nstatus: %s\nwharf up's log:\n%s", ns, name, err, statusSummary(last), n.logTail(30))
	}
	return last
}

// waitPodGone waits until pod ns/name is no longer in the API.
func (n *realNode) waitPodGone(t *testing.T, ns, name string, timeout time.Duration) {
	t.Helper()
	var last *core.Pod
	err := poll(timeout, func() string {
		p, err := n.pods().Get(context.Background(), ns, name)
		switch {
		case isNotFound(err):
			return ""
		case err != nil:
			return err.Error()
		}
		last = p
		return "still in the API"
	})
	if err != nil {
		t.Fatalf("pod %s/%s: %v\nstatus: %s\nwharf up's log:\n%s", ns, name, err, statusSummary(last), n.logTail(30))
	}
}

// running says why p is not Running with every container running, or "".
func running(p *core.Pod) string {
	if p.Status.Phase != core.PodRunning || p.Status.PodIP == "" {
		return fmt.Sprintf("phase %q, podIP %q; want Running with an IP", p.Status.Phase, p.Status.PodIP)
	}
	if len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return fmt.Sprintf("%d container statuses, want %d", len(p.Status.ContainerStatuses), len(p.Spec.Containers))
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil {
			return "container " + cs.Name + " is not running"
		}
	}
	return ""
}

// ready says why p's Ready condition is not True, or "".
func ready(p *core.Pod) string {
	c := p.Status.Condition(core.PodReady)
	if c == nil || c.Status != core.ConditionTrue {
		return "Ready condition is not True"
	}
	return ""
}

// runningAndReady is running and ready.
func runningAndReady(p *core.Pod) string {
	if msg := running(p); msg != "" {
		return msg
	}
	return ready(p)
}

// containerStatus is p's status of container name, or an empty one.
func containerStatus(p *core.Pod, name string) core.ContainerStatus {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name {
			return cs
		}
	}
	return core.ContainerStatus{}
}

// runtimeID is the containerd ID of a "containerd://<id>" container ID.
func runtimeID(t *testing.T, containerID string) string {
	t.Helper()
	id, ok := strings.CutPrefix(containerID, "containerd://")
	if !ok || id == "" {
		t.Fatalf("containerID %q: want containerd://<id>", containerID)
	}
	return id
}

func statusSummary(p *core.Pod) string {
	if p == nil {
		return "(never read)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "phase %s, podIP %s", p.Status.Phase, p.Status.PodIP)
	for _, c := range p.Status.Conditions {
		fmt.Fprintf(&b, ", %s=%s", c.Type, c.Status)
	}
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, "; container %s restarts %d ready %t state %s last %s", cs.Name, cs.RestartCount, cs.Ready, stateString(cs.State), stateString(cs.LastTerminationState))
	}
	return b.String()
}

func stateString(s core.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return fmt.Sprintf("terminated(%s, exit %d)", s.Terminated.Reason, s.Terminated.ExitCode)
	case s.Waiting != nil:
		return fmt.Sprintf("waiting(%s: %s)", s.Waiting.Reason, s.Waiting.Message)
	}
	return "none"
}

// podHTTP makes one request to the test program at ip:8080, retrying
// while the connection is refused (the server may be starting) for up to
// 10 s. It returns the status code and body.
func podHTTP(t *testing.T, method, ip, path string) (int, string) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	url := "http://" + net.JoinHostPort(ip, "8080") + path
	var lastErr error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			lastErr = err
			time.Sleep(50 * time.Millisecond) // polling a server that may be starting
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	t.Fatalf("%s %s: %v", method, url, lastErr)
	return 0, ""
}

// podHTTPOnce is one GET without retries, for requests that may not be
// answered (the process dies serving them).
func podHTTPOnce(ip, path string) (int, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get("http://" + net.JoinHostPort(ip, "8080") + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// podGet is a GET that must answer 200.
func podGet(t *testing.T, ip, path string) string {
	t.Helper()
	code, body := podHTTP(t, http.MethodGet, ip, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s%s: got %d %q, want 200", ip, path, code, body)
	}
	return body
}

// podPost is a POST that must answer 200.
func podPost(t *testing.T, ip, path string) string {
	t.Helper()
	code, body := podHTTP(t, http.MethodPost, ip, path)
	if code != http.StatusOK {
		t.Fatalf("POST %s%s: got %d %q, want 200", ip, path, code, body)
	}
	return body
}

// poll retries check until it returns "" or timeout passes; the error
// says what check said last.
func poll(timeout time.Duration, check func() string) error {
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v: %s", timeout, msg)
		}
		time.Sleep(50 * time.Millisecond) // polling other processes' state, with a deadline
	}
}

// consistently checks for d that check keeps returning "": that something
// does not happen, such as a second restart. The error says what did.
func consistently(d time.Duration, check func() string) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if msg := check(); msg != "" {
			return errors.New(msg)
		}
		time.Sleep(100 * time.Millisecond) // sampling for the whole window
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// dirNames lists a directory's entries; a missing directory has none.
func dirNames(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	names := make([]string, 0, len(es))
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, err
}

// runExitCode runs a command that may fail and returns its output and exit
// code (-1 when it did not run to an exit).
func (c *cluster) runExitCode(stdin string, name string, args ...string) (stdout, stderr string, code int) {
	out, errOut, err := c.run(stdin, name, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, errOut, 0
	case errors.As(err, &ee):
		return out, errOut, ee.ExitCode()
	}
	return out, errOut + err.Error(), -1
}

// background is a long-running CLI command (logs -f) whose stdout lines
// the test reads as they come.
type background struct {
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	output bytes.Buffer
	done   chan struct{}
}

func (c *cluster) spawn(t *testing.T, name string, args ...string) *background {
	t.Helper()
	b := &background{cmd: exec.Command(name, args...), lines: make(chan string, 1000), done: make(chan struct{})}
	b.cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig, "HOME="+c.dataDir)
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = &lockedWriter{mu: &b.mu, w: &b.output}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(b.done)
		var line []byte
		buf := make([]byte, 4096)
		for {
			k, err := out.Read(buf)
			b.mu.Lock()
			b.output.Write(buf[:k])
			b.mu.Unlock()
			line = append(line, buf[:k]...)
			for {
				i := bytes.IndexByte(line, '\n')
				if i < 0 {
					break
				}
				select {
				case b.lines <- string(line[:i]):
				default: // nobody is reading that far; the output keeps it
				}
				line = line[i+1:]
			}
			if err != nil {
				_ = b.cmd.Wait()
				return
			}
		}
	}()
	t.Cleanup(b.stop)
	return b
}

// waitLine waits for a stdout line containing sub.
func (b *background) waitLine(t *testing.T, sub string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l := <-b.lines:
			if strings.Contains(l, sub) {
				return l
			}
		case <-b.done:
			// Lines still buffered were sent before the end.
			for {
				select {
				case l := <-b.lines:
					if strings.Contains(l, sub) {
						return l
					}
				default:
					t.Fatalf("%v ended before a line with %q; output:\n%s", b.cmd.Args, sub, b.text())
				}
			}
		case <-deadline:
			t.Fatalf("%v: no line with %q within %v; output:\n%s", b.cmd.Args, sub, timeout, b.text())
		}
	}
}

// wait waits for the command to end on its own.
func (b *background) wait(timeout time.Duration) error {
	select {
	case <-b.done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%v still running after %v", b.cmd.Args, timeout)
	}
}

func (b *background) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.output.String()
}

// stop kills the command (we started it) and waits for it.
func (b *background) stop() {
	select {
	case <-b.done:
	default:
		_ = b.cmd.Process.Signal(syscall.SIGKILL)
		<-b.done
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// isNotFound reports an API NotFound.
func isNotFound(err error) bool { return errors.Is(err, errdefs.ErrNotFound) }
