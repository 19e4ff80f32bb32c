package podnet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/containernetworking/cni/libcni"
)

// Config says how a node's pods are networked.
type Config struct {
	// BridgeName is the host bridge every pod's veth joins; default "wharf0".
	BridgeName string
	// PodCIDR is the node's pod range (IPv4), e.g. 10.88.0.0/24. Its first
	// host address is the bridge's (the pods' gateway).
	PodCIDR string
	// PluginDirs are searched for the CNI plugin binaries; default
	// ["/usr/lib/cni", "/opt/cni/bin"].
	PluginDirs []string
	// StateDir holds host-local's leases, libcni's cache and the namespace
	// bind mounts, e.g. /run/wharf/<node>. It should be on tmpfs: after a
	// reboot nothing in it is valid.
	StateDir string
	// MTU of the bridge and veths; 0 lets the plugin choose.
	MTU int
}

// Sandbox is a pod's network: the namespace its containers join and its
// address.
type Sandbox struct {
	NetNSPath string
	IP        net.IP
	Gateway   net.IP
}

// Network sets up and tears down pod networks on one node. Setup, Teardown
// and List may be called concurrently (host-local locks its leases, each
// pod has its own namespace file, and setups wait for the first to have
// made the bridge); Close must not overlap them.
type Network struct {
	cfg  Config
	cni  *libcni.CNIConfig
	list *libcni.NetworkConfigList
	// firstSetup makes setups wait for each other until one has
	// succeeded: the first ADD creates the bridge and its address, which
	// concurrent ADDs would race for. warm says one has.
	firstSetup sync.Mutex
	warm       atomic.Bool
}

const (
	netnsSubdir = "netns"
	ipamSubdir  = "ipam"
	cacheSubdir = "cache"
)

// New validates cfg and prepares the CNI configuration. It creates nothing
// yet: the first Setup creates the directories under StateDir and the
// bridge plugin the bridge.
func New(cfg Config) (*Network, error) {
	if cfg.BridgeName == "" {
		cfg.BridgeName = "wharf0"
	}
	if len(cfg.PluginDirs) == 0 {
		cfg.PluginDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	list, err := confList(cfg, filepath.Join(cfg.StateDir, ipamSubdir))
	if err != nil {
		return nil, fmt.Errorf("build CNI configuration: %w", err)
	}
	return &Network{
		cfg:  cfg,
		cni:  libcni.NewCNIConfigWithCacheDir(cfg.PluginDirs, filepath.Join(cfg.StateDir, cacheSubdir), nil),
		list: list,
	}, nil
}

func (c Config) validate() error {
	var errs []error
	if len(c.BridgeName) > 15 || strings.ContainsAny(c.BridgeName, "/ :\t\n") || c.BridgeName == "." || c.BridgeName == ".." {
		errs = append(errs, fmt.Errorf("BridgeName %q: must be a Linux interface name of at most 15 characters", c.BridgeName))
	}
	if c.PodCIDR == "" {
		errs = append(errs, errors.New("PodCIDR: required"))
	} else if p, err := netip.ParsePrefix(c.PodCIDR); err != nil {
		errs = append(errs, fmt.Errorf("PodCIDR %q: %w", c.PodCIDR, err))
	} else if !p.Addr().Is4() || p.Bits() > 30 {
		errs = append(errs, fmt.Errorf("PodCIDR %q: must be an IPv4 range of /30 or larger", c.PodCIDR))
	} else if p.Masked() != p {
		errs = append(errs, fmt.Errorf("PodCIDR %q: has host bits set (want %s)", c.PodCIDR, p.Masked()))
	}
	for _, d := range c.PluginDirs {
		if !filepath.IsAbs(d) {
			errs = append(errs, fmt.Errorf("PluginDirs: %q is not an absolute path", d))
		}
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("StateDir: required"))
	} else if !filepath.IsAbs(c.StateDir) {
		errs = append(errs, fmt.Errorf("StateDir %q: must be an absolute path", c.StateDir))
	}
	if c.MTU != 0 && (c.MTU < 68 || c.MTU > 65535) {
		errs = append(errs, fmt.Errorf("MTU %d: must be 0 (default) or between 68 and 65535", c.MTU))
	}
	return errors.Join(errs...)
}

// validUID keeps a pod UID usable both as a file name and as a CNI
// container ID.
func validUID(uid string) error {
	if uid == "" || uid == "." || uid == ".." || strings.ContainsAny(uid, "/\x00") {
		return fmt.Errorf("pod UID %q: not usable as a network namespace name", uid)
	}
	if c := uid[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return fmt.Errorf("pod UID %q: must start with a letter or digit", uid)
	}
	return nil
}

func (n *Network) netnsPath(podUID string) string {
	return filepath.Join(n.cfg.StateDir, netnsSubdir, podUID)
}

// Setup gives the pod a network namespace with lo up and eth0 on the bridge
// with an address from PodCIDR. A namespace already present for podUID is
// an error wrapping fs.ErrExist. On failure nothing of the pod is left.
func (n *Network) Setup(ctx context.Context, podUID, podNamespace, podName string) (_ *Sandbox, err error) {
	if err := validUID(podUID); err != nil {
		return nil, err
	}
	if !n.warm.Load() {
		n.firstSetup.Lock()
		defer n.firstSetup.Unlock()
		defer func() {
			if err == nil {
				n.warm.Store(true)
			}
		}()
	}
	if err := os.MkdirAll(filepath.Join(n.cfg.StateDir, netnsSubdir), 0o755); err != nil {
		return nil, fmt.Errorf("pod %s: %w", podUID, err)
	}
	path := n.netnsPath(podUID)
	if err := createNetNS(path); err != nil {
		return nil, fmt.Errorf("pod %s: %w", podUID, err)
	}
	defer func() {
		if err != nil {
			// A failed ADD may have allocated an address or created the
			// veth before failing: DEL undoes whatever it got to.
			rt := runtimeConf(podUID, path, podNamespace, podName)
			err = errors.Join(err,
				n.cni.DelNetworkList(context.WithoutCancel(ctx), n.list, rt),
				removeNetNS(path))
		}
	}()

	res, err := n.cni.AddNetworkList(ctx, n.list, runtimeConf(podUID, path, podNamespace, podName))
	if err != nil {
		return nil, fmt.Errorf("pod %s: CNI ADD: %w", podUID, err)
	}
	ip, gw, err := podAddress(res)
	if err != nil {
		return nil, fmt.Errorf("pod %s: %w", podUID, err)
	}
	return &Sandbox{NetNSPath: path, IP: ip, Gateway: gw}, nil
}

// Teardown removes the pod's eth0 and veth, releases its address and
// removes its namespace. Tearing down a pod that has no namespace (never
// set up, or torn down before) succeeds.
func (n *Network) Teardown(ctx context.Context, podUID string) error {
	if err := validUID(podUID); err != nil {
		return err
	}
	path := n.netnsPath(podUID)
	nsPath := path
	if !isNetNS(path) {
		// The plugins skip the namespace part of DEL for an empty path but
		// still release the address.
		nsPath = ""
	}
	if err := n.cni.DelNetworkList(ctx, n.list, runtimeConf(podUID, nsPath, "", "")); err != nil {
		return fmt.Errorf("pod %s: CNI DEL: %w", podUID, err)
	}
	if err := removeNetNS(path); err != nil {
		return fmt.Errorf("pod %s: %w", podUID, err)
	}
	return nil
}

// List returns the UIDs of pods whose namespace is present, so that a
// restarted agent can adopt them or tear down those of deleted pods.
func (n *Network) List() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(n.cfg.StateDir, netnsSubdir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list network namespaces: %w", err)
	}
	uids := make([]string, 0, len(entries))
	for _, e := range entries {
		uids = append(uids, e.Name())
	}
	return uids, nil
}

// Close tears down every pod still present, deletes the bridge (the bridge
// plugin never does) and removes what Network keeps under StateDir. It
// leaves ip_forward on: see the package documentation.
func (n *Network) Close() error {
	uids, err := n.List()
	errs := []error{err}
	for _, uid := range uids {
		if err := n.Teardown(context.Background(), uid); err != nil {
			// Still drop the namespace: that removes its veth too.
			errs = append(errs, err, removeNetNS(n.netnsPath(uid)))
		}
	}
	errs = append(errs, deleteLink(n.cfg.BridgeName))
	for _, d := range []string{netnsSubdir, ipamSubdir, cacheSubdir} {
		errs = append(errs, os.RemoveAll(filepath.Join(n.cfg.StateDir, d)))
	}
	return errors.Join(errs...)
}
