package nodeagent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/api/validate"
)

// Config is what `wharf agent` is told by its flags. One Config describes
// one node; RunSimulated derives one per simulated node from it.
type Config struct {
	// NodeName is the Node to register (default: the host name).
	NodeName string
	// NodeLabels are added to the labels the agent always sets
	// (kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch).
	NodeLabels map[string]string
	// NodeIP is the node's InternalIP. Simulated nodes get a made-up one.
	NodeIP string
	// PodCIDR is the range pod IPs come from when the Node does not have
	// one already. Simulated nodes get one each.
	PodCIDR string
	// CPU, Memory and Pods are the node's capacity; allocatable equals it.
	CPU    resource.Quantity
	Memory resource.Quantity
	Pods   int

	// LeaseDuration is the leaseDurationSeconds written into the node's
	// Lease; RenewInterval is how often it is renewed.
	LeaseDuration time.Duration
	RenewInterval time.Duration
	// StatusUpdateInterval is how often the Node's status is rewritten
	// (its heartbeat) when nothing changed; liveness itself is the lease.
	StatusUpdateInterval time.Duration
	// SyncFrequency is how often each pod worker compares the runtime with
	// the pod even when nothing told it to.
	SyncFrequency time.Duration
	// BackoffBase and BackoffMax bound the delay before a crashed
	// container is restarted: it doubles from base up to max.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// Simulate is how many simulated nodes to run; 0 means one real node,
	// which needs the containerd runtime.
	Simulate int
	// NodeNamePrefix names simulated nodes: prefix + a four-digit index.
	NodeNamePrefix string
	// RunDuration is how long containers of run-to-completion pods run on
	// a simulated node before they exit.
	RunDuration time.Duration

	// The real node's runtime: containerd at ContainerdAddress, every
	// Wharf object in ContainerdNamespace. StateDir holds what dies with a
	// reboot (sandbox records, container logs, network namespaces, CNI
	// state); RootDir what must survive the agent (pod volumes). CNIBridge
	// is the host bridge the pods' veths join. Simulated nodes use none.
	ContainerdAddress   string
	ContainerdNamespace string
	StateDir            string
	RootDir             string
	CNIBridge           string
	// InsecureRegistries are registries ("host:port") reached over plain
	// HTTP, such as a local registry on loopback.
	InsecureRegistries []string
	// ResolvConf is the resolver configuration pods copy (the kubelet's
	// --resolv-conf); "" is /etc/resolv.conf.
	ResolvConf string
	// ServerAddress and ServerPort are where the agent serves container
	// logs and exec to the API server (the kubelet's port 10250). The
	// address defaults to NodeIP, else 127.0.0.1; port 0 picks a free one.
	// The Node's status.daemonEndpoints says which port.
	ServerAddress string
	ServerPort    int

	// AgentVersion is reported as the node's kubeletVersion. Not a flag:
	// the binary sets it.
	AgentVersion string
}

// Defaults, as the kubelet has them where it has them.
const (
	DefaultLeaseDuration        = 40 * time.Second
	DefaultRenewInterval        = 10 * time.Second
	DefaultStatusUpdateInterval = 5 * time.Minute
	DefaultSyncFrequency        = time.Minute
	DefaultBackoffBase          = 10 * time.Second
	DefaultBackoffMax           = 5 * time.Minute
	DefaultRunDuration          = 5 * time.Second
	DefaultNodeNamePrefix       = "sim-"
	DefaultPods                 = 110

	DefaultContainerdAddress   = "/run/containerd/containerd.sock"
	DefaultContainerdNamespace = "wharf"
	DefaultStateDir            = "/run/wharf"
	DefaultRootDir             = "/var/lib/wharf"
	DefaultCNIBridge           = "wharf0"
	DefaultServerPort          = 10250
	// DefaultNodeIP is a real node's InternalIP when --node-ip gives
	// none: one machine, so the API server reaches the agent, and pods'
	// hostIP means this machine, on loopback. Several machines name theirs.
	DefaultNodeIP = "127.0.0.1"
	// DefaultPodCIDR is a real node's pod range when neither its Node's
	// spec.podCIDR nor --pod-cidr gives one: the range of containerd's
	// and podman's sample CNI configurations.
	DefaultPodCIDR = "10.88.0.0/24"
)

// NewConfig returns the defaults.
func NewConfig() Config {
	host, _ := os.Hostname()
	return Config{
		NodeName:             strings.ToLower(host),
		CPU:                  resource.MustParse("4"),
		Memory:               resource.MustParse("16Gi"),
		Pods:                 DefaultPods,
		LeaseDuration:        DefaultLeaseDuration,
		RenewInterval:        DefaultRenewInterval,
		StatusUpdateInterval: DefaultStatusUpdateInterval,
		SyncFrequency:        DefaultSyncFrequency,
		BackoffBase:          DefaultBackoffBase,
		BackoffMax:           DefaultBackoffMax,
		NodeNamePrefix:       DefaultNodeNamePrefix,
		RunDuration:          DefaultRunDuration,
		ContainerdAddress:    DefaultContainerdAddress,
		ContainerdNamespace:  DefaultContainerdNamespace,
		StateDir:             DefaultStateDir,
		RootDir:              DefaultRootDir,
		CNIBridge:            DefaultCNIBridge,
		ServerPort:           DefaultServerPort,
	}
}

// AddFlags registers the configuration's flags on fs.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.NodeName, "node-name", c.NodeName, "name of the Node to register (default: the host name)")
	fs.StringToStringVar(&c.NodeLabels, "node-labels", c.NodeLabels, "labels to add to the Node, as key=value,key=value")
	fs.StringVar(&c.NodeIP, "node-ip", c.NodeIP, "the node's InternalIP (simulated nodes get one in 10.0.0.0/10)")
	fs.StringVar(&c.PodCIDR, "pod-cidr", c.PodCIDR, "the range pod IPs come from, unless the Node has a spec.podCIDR (default for a real node "+DefaultPodCIDR+"; simulated nodes get a /24 each in 10.128.0.0/9)")
	fs.Var(quantityValue{&c.CPU}, "node-cpu", "the node's CPU capacity, in cores (500m is half a core); a real node defaults to this machine's")
	fs.Var(quantityValue{&c.Memory}, "node-memory", "the node's memory capacity, in bytes (16Gi); a real node defaults to this machine's")
	fs.IntVar(&c.Pods, "node-pods", c.Pods, "how many pods the node can hold")
	fs.DurationVar(&c.LeaseDuration, "node-lease-duration", c.LeaseDuration, "leaseDurationSeconds of the node's Lease in kube-node-lease")
	fs.DurationVar(&c.RenewInterval, "node-lease-renew-interval", c.RenewInterval, "how often the node's Lease is renewed")
	fs.DurationVar(&c.StatusUpdateInterval, "node-status-update-interval", c.StatusUpdateInterval, "how often the Node's status heartbeat is rewritten when nothing changed")
	fs.DurationVar(&c.SyncFrequency, "sync-frequency", c.SyncFrequency, "how often each pod is compared with the runtime when nothing changed")
	fs.DurationVar(&c.BackoffBase, "restart-backoff-base", c.BackoffBase, "first delay before restarting a crashed container; doubles on every crash")
	fs.DurationVar(&c.BackoffMax, "restart-backoff-max", c.BackoffMax, "longest delay before restarting a crashed container")
	fs.IntVar(&c.Simulate, "simulate", c.Simulate, "run this many simulated nodes in this process instead of one real node")
	fs.StringVar(&c.ContainerdAddress, "containerd-address", c.ContainerdAddress, "containerd's socket (real node)")
	fs.StringVar(&c.ContainerdNamespace, "containerd-namespace", c.ContainerdNamespace, "containerd namespace of every Wharf container (real node)")
	fs.StringVar(&c.StateDir, "state-dir", c.StateDir, "directory, preferably on tmpfs, for sandbox records, container logs and pod network state (real node)")
	fs.StringVar(&c.RootDir, "root-dir", c.RootDir, "directory for pod volumes (real node)")
	fs.StringVar(&c.CNIBridge, "cni-bridge", c.CNIBridge, "host bridge the pods' network interfaces join (real node)")
	fs.StringSliceVar(&c.InsecureRegistries, "insecure-registry", c.InsecureRegistries, "a registry (host:port) to pull from over plain HTTP; repeat or separate with commas (real node)")
	fs.StringVar(&c.ResolvConf, "resolv-conf", c.ResolvConf, "resolver configuration file pods copy; point it at the upstream one where /etc/resolv.conf names a local stub resolver such as systemd-resolved's (default /etc/resolv.conf) (real node)")
	fs.StringVar(&c.ServerAddress, "agent-address", c.ServerAddress, "address the agent serves logs and exec on (default: --node-ip, else 127.0.0.1) (real node)")
	fs.IntVar(&c.ServerPort, "agent-port", c.ServerPort, "port the agent serves logs and exec on; 0 picks a free one (real node)")
	fs.StringVar(&c.NodeNamePrefix, "node-name-prefix", c.NodeNamePrefix, "simulated nodes are named this prefix and a four-digit index (sim-0001)")
	fs.DurationVar(&c.RunDuration, "run-duration", c.RunDuration, "how long containers of run-to-completion pods run on simulated nodes")
}

// ServingAddress is where a real node's agent serves logs and exec:
// ServerAddress, else NodeIP, else DefaultNodeIP.
func (c *Config) ServingAddress() string {
	switch {
	case c.ServerAddress != "":
		return c.ServerAddress
	case c.NodeIP != "":
		return c.NodeIP
	}
	return DefaultNodeIP
}

// Validate names the first flag that is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Simulate < 0 {
		bad("--simulate must be 0 or more, not %d", c.Simulate)
	}
	if c.Simulate > maxSimulatedNodes {
		bad("--simulate must be at most %d (the simulated pod CIDRs run out), not %d", maxSimulatedNodes, c.Simulate)
	}
	if c.Simulate == 0 {
		if msgs := validate.DNS1123Subdomain(c.NodeName); len(msgs) > 0 {
			bad("--node-name %q: %s", c.NodeName, strings.Join(msgs, "; "))
		}
	} else if msgs := validate.DNS1123Subdomain(c.NodeNamePrefix + "0001"); len(msgs) > 0 {
		bad("--node-name-prefix %q: %s", c.NodeNamePrefix, strings.Join(msgs, "; "))
	}
	if c.Simulate == 0 {
		c.validateRealNode(bad)
	}
	if errList := validate.Labels(c.NodeLabels, validate.NewPath("labels")); len(errList) > 0 {
		bad("--node-labels: %v", errList[0])
	}
	if c.NodeIP != "" && net.ParseIP(c.NodeIP) == nil {
		bad("--node-ip %q is not an IP address", c.NodeIP)
	}
	if c.PodCIDR != "" {
		if _, _, err := net.ParseCIDR(c.PodCIDR); err != nil {
			bad("--pod-cidr %q is not a CIDR such as 10.244.1.0/24", c.PodCIDR)
		}
	}
	if c.CPU.Sign() <= 0 {
		bad("--node-cpu must be more than 0, not %s", c.CPU.String())
	}
	if c.Memory.Sign() <= 0 {
		bad("--node-memory must be more than 0, not %s", c.Memory.String())
	}
	if c.Pods <= 0 {
		bad("--node-pods must be more than 0, not %d", c.Pods)
	}
	positive := []struct {
		flag string
		d    time.Duration
	}{
		{"--node-lease-duration", c.LeaseDuration},
		{"--node-lease-renew-interval", c.RenewInterval},
		{"--node-status-update-interval", c.StatusUpdateInterval},
		{"--sync-frequency", c.SyncFrequency},
		{"--restart-backoff-base", c.BackoffBase},
		{"--restart-backoff-max", c.BackoffMax},
		{"--run-duration", c.RunDuration},
	}
	for _, p := range positive {
		if p.d <= 0 {
			bad("%s must be more than 0, not %s", p.flag, p.d)
		}
	}
	if c.RenewInterval > 0 && c.LeaseDuration > 0 && c.RenewInterval >= c.LeaseDuration {
		bad("--node-lease-renew-interval (%s) must be shorter than --node-lease-duration (%s)", c.RenewInterval, c.LeaseDuration)
	}
	if c.BackoffBase > 0 && c.BackoffMax > 0 && c.BackoffMax < c.BackoffBase {
		bad("--restart-backoff-max (%s) must not be shorter than --restart-backoff-base (%s)", c.BackoffMax, c.BackoffBase)
	}
	return errors.Join(errs...)
}

// validateRealNode checks the flags only a real node uses.
func (c *Config) validateRealNode(bad func(string, ...any)) {
	if c.ContainerdAddress == "" {
		bad("--containerd-address is required")
	}
	if msgs := validate.DNS1123Label(c.ContainerdNamespace); len(msgs) > 0 {
		bad("--containerd-namespace %q: %s", c.ContainerdNamespace, strings.Join(msgs, "; "))
	}
	for _, d := range []struct{ flag, path string }{{"--state-dir", c.StateDir}, {"--root-dir", c.RootDir}} {
		if !filepath.IsAbs(d.path) {
			bad("%s %q must be an absolute path", d.flag, d.path)
		}
	}
	if c.ResolvConf != "" && !filepath.IsAbs(c.ResolvConf) {
		bad("--resolv-conf %q must be an absolute path", c.ResolvConf)
	}
	if c.ServerAddress != "" && net.ParseIP(c.ServerAddress) == nil {
		bad("--agent-address %q is not an IP address", c.ServerAddress)
	}
	if c.ServerPort < 0 || c.ServerPort > 65535 {
		bad("--agent-port %d is not a port (0 picks one)", c.ServerPort)
	}
	for _, r := range c.InsecureRegistries {
		if r == "" || strings.ContainsAny(r, "/ \t") {
			bad("--insecure-registry %q must be a host or host:port", r)
		}
	}
	if c.CNIBridge == "" || len(c.CNIBridge) > 15 || strings.ContainsAny(c.CNIBridge, "/ :\t\n") {
		bad("--cni-bridge %q must be an interface name of 1 to 15 characters", c.CNIBridge)
	}
}

// quantityValue lets a flag hold a resource quantity ("500m", "16Gi").
type quantityValue struct{ q *resource.Quantity }

func (v quantityValue) String() string {
	if v.q == nil {
		return ""
	}
	return v.q.String()
}

func (v quantityValue) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return err
	}
	*v.q = q
	return nil
}

func (quantityValue) Type() string { return "quantity" }
