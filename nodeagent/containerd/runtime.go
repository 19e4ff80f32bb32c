package containerd

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/remotes/docker"
	"golang.org/x/sync/singleflight"

	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
)

// RuntimeName is the scheme of containerIDs ("containerd://<id>").
const RuntimeName = "containerd"

const (
	snapshotter = "overlayfs"
	runcRuntime = "io.containerd.runc.v2"
)

// Config says which containerd to drive and where to keep state.
type Config struct {
	// Address is containerd's socket, e.g. /run/containerd/containerd.sock.
	Address string
	// Namespace is the containerd namespace of every Wharf object: "wharf".
	Namespace string
	// StateDir holds sandbox records and container logs.
	StateDir string
	// Logger is the command containerd's shim runs to write each
	// container's log file in the CRI format, e.g.
	// ["/usr/local/bin/wharf", "container-logger"] (containerlog.Main): a
	// program and at most one argument. When empty, the shim writes the
	// file itself, raw: no timestamps, streams mixed.
	Logger []string
	// Network gives each sandbox its network namespace and address. When
	// nil, each container gets a private network namespace of its own
	// with only a loopback device, and sandboxes have no IP.
	Network *podnet.Network
	// PodNetwork, when Network is nil, is the network to build once the
	// agent tells the pod CIDR (UpdatePodCIDR), which it learns from the
	// Node only after registering; its PodCIDR is ignored.
	PodNetwork *podnet.Config
	// InsecureRegistries are registries ("host" or "host:port") pulled
	// from over plain HTTP.
	InsecureRegistries []string
	// ResolvConf is the host's resolver configuration that pods copy
	// (dnsPolicy Default, and ClusterFirst while there is no cluster
	// DNS); default /etc/resolv.conf. On hosts whose /etc/resolv.conf
	// names a local stub resolver (systemd-resolved's 127.0.0.53), point
	// it at the upstream file, as the kubelet's --resolv-conf.
	ResolvConf string
}

// DefaultResolvConf is Config.ResolvConf's default.
const DefaultResolvConf = "/etc/resolv.conf"

func (c Config) validate() error {
	var errs []error
	if c.Address == "" {
		errs = append(errs, errors.New("Address: required"))
	}
	if c.Namespace == "" {
		errs = append(errs, errors.New("Namespace: required"))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("StateDir: required"))
	} else if !filepath.IsAbs(c.StateDir) {
		errs = append(errs, fmt.Errorf("StateDir %q: must be an absolute path", c.StateDir))
	}
	if c.ResolvConf != "" && !filepath.IsAbs(c.ResolvConf) {
		errs = append(errs, fmt.Errorf("ResolvConf %q: must be an absolute path", c.ResolvConf))
	}
	return errors.Join(errs...)
}

// Runtime is nodeagent.Runtime on containerd. It is safe for concurrent
// use.
type Runtime struct {
	cfg    Config
	client *client.Client

	// registries says how to reach each registry; registryClient is
	// their one HTTP client, so that connections are reused.
	registries     docker.RegistryHosts
	registryClient *http.Client
	// pulls joins concurrent pulls of one image.
	pulls singleflight.Group

	// mu guards network.
	mu      sync.Mutex
	network *podnet.Network
	netCIDR string // the range network was built for, if from PodNetwork
	// sandboxLocks serialise the stop and removal of one sandbox's record
	// and network (by a hash of its ID), so that pods stop in parallel: a
	// global lock made a burst of pods wait on each other's CNI calls.
	sandboxLocks [64]sync.Mutex
	// subsMu guards subs, the Events subscribers that receive the
	// runtime's own events (sandbox stopped).
	subsMu sync.Mutex
	subs   map[*eventQueue]struct{}
}

var _ nodeagent.Runtime = (*Runtime)(nil)

// New connects to containerd and asks its version at once: the client
// connects lazily and would otherwise report a missing daemon only at the
// first pod.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("containerd runtime: %w", err)
	}
	if cfg.ResolvConf == "" {
		cfg.ResolvConf = DefaultResolvConf
	}
	for _, d := range []string{sandboxDir(cfg.StateDir), logDir(cfg.StateDir), fifoDir(cfg.StateDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("containerd runtime: %w", err)
		}
	}
	c, err := client.New(cfg.Address, client.WithDefaultNamespace(cfg.Namespace))
	if err != nil {
		return nil, fmt.Errorf("containerd at %s: %w", cfg.Address, err)
	}
	hc := &http.Client{Transport: docker.DefaultHTTPTransport(nil)}
	r := &Runtime{
		cfg:            cfg,
		client:         c,
		registries:     registryHosts(cfg.InsecureRegistries, hc),
		registryClient: hc,
		network:        cfg.Network,
		subs:           map[*eventQueue]struct{}{},
	}
	if _, err := r.Version(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("containerd at %s does not answer: is it running? Start it with `systemctl start containerd` (Debian package containerd), or point --containerd-address at its socket: %w", cfg.Address, err)
	}
	return r, nil
}

// Close closes the connection to containerd; containers keep running.
func (r *Runtime) Close() error {
	r.registryClient.CloseIdleConnections()
	return r.client.Close()
}

// Client is the underlying containerd client, for tests and tools that
// import images.
func (r *Runtime) Client() *client.Client { return r.client }

// Version implements nodeagent.Runtime.
func (r *Runtime) Version(ctx context.Context) (nodeagent.RuntimeVersion, error) {
	v, err := r.client.Version(ctx)
	if err != nil {
		return nodeagent.RuntimeVersion{}, err
	}
	return nodeagent.RuntimeVersion{Name: RuntimeName, Version: v.Version}, nil
}

// UpdatePodCIDR implements nodeagent.Runtime. Addresses come from the
// podnet.Network, whose range is fixed when it is built: a Network given in
// Config ignores cidr; one built from PodNetwork is built at the first call
// and refuses another range later, since host-local's leases and the
// bridge's address belong to the first.
func (r *Runtime) UpdatePodCIDR(_ context.Context, cidr string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.PodNetwork == nil {
		return nil
	}
	if r.network != nil {
		if cidr != r.netCIDR {
			return fmt.Errorf("pod CIDR %s: the pod network already uses %s; remove it (make down) to change the range", cidr, r.netCIDR)
		}
		return nil
	}
	nc := *r.cfg.PodNetwork
	nc.PodCIDR = cidr
	n, err := podnet.New(nc)
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	r.network, r.netCIDR = n, cidr
	return nil
}

// Network is the pod network, nil until there is one. Closing it (at
// `make down`) tears down every pod's network and the bridge.
func (r *Runtime) Network() *podnet.Network {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.network
}

// lockSandbox locks the sandbox with ID id against other changes and
// returns the unlock.
func (r *Runtime) lockSandbox(id string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	m := &r.sandboxLocks[h.Sum32()%uint32(len(r.sandboxLocks))]
	m.Lock()
	return m.Unlock
}

func sandboxDir(stateDir string) string { return filepath.Join(stateDir, "sandboxes") }
func logDir(stateDir string) string     { return filepath.Join(stateDir, "logs") }

// fifoDir holds the FIFOs of exec'd processes' streams while they run.
func fifoDir(stateDir string) string { return filepath.Join(stateDir, "fifo") }

// LogPath is the file a container's stdout and stderr go to.
func (r *Runtime) LogPath(containerID string) string {
	return filepath.Join(logDir(r.cfg.StateDir), containerID+".log")
}
