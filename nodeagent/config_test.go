package nodeagent

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{name: "defaults", change: func(*Config) {}},
		{name: "simulated", change: func(c *Config) { c.Simulate = 5000 }},
		{name: "bad node name", change: func(c *Config) { c.NodeName = "Not_A_Name" }, want: "--node-name"},
		{name: "bad prefix", change: func(c *Config) { c.Simulate, c.NodeNamePrefix = 3, "Sim_" }, want: "--node-name-prefix"},
		{name: "negative simulate", change: func(c *Config) { c.Simulate = -1 }, want: "--simulate"},
		{name: "too many simulated", change: func(c *Config) { c.Simulate = maxSimulatedNodes + 1 }, want: "--simulate"},
		{name: "bad label", change: func(c *Config) { c.NodeLabels = map[string]string{"a b": "c"} }, want: "--node-labels"},
		{name: "bad ip", change: func(c *Config) { c.NodeIP = "10.0.0" }, want: "--node-ip"},
		{name: "bad cidr", change: func(c *Config) { c.PodCIDR = "10.0.0.0" }, want: "--pod-cidr"},
		{name: "no cpu", change: func(c *Config) { c.CPU.Neg() }, want: "--node-cpu"},
		{name: "no pods", change: func(c *Config) { c.Pods = 0 }, want: "--node-pods"},
		{name: "renew not shorter than lease", change: func(c *Config) { c.RenewInterval = c.LeaseDuration }, want: "--node-lease-renew-interval"},
		{name: "zero backoff", change: func(c *Config) { c.BackoffBase = 0 }, want: "--restart-backoff-base"},
		{name: "max below base", change: func(c *Config) { c.BackoffMax = time.Second }, want: "--restart-backoff-max"},
		{name: "zero run duration", change: func(c *Config) { c.RunDuration = 0 }, want: "--run-duration"},
		{name: "no containerd address", change: func(c *Config) { c.ContainerdAddress = "" }, want: "--containerd-address"},
		{name: "bad containerd namespace", change: func(c *Config) { c.ContainerdNamespace = "Wharf_" }, want: "--containerd-namespace"},
		{name: "relative state dir", change: func(c *Config) { c.StateDir = "run/wharf" }, want: "--state-dir"},
		{name: "relative root dir", change: func(c *Config) { c.RootDir = "" }, want: "--root-dir"},
		{name: "long bridge name", change: func(c *Config) { c.CNIBridge = "a-very-long-bridge" }, want: "--cni-bridge"},
		{name: "simulated ignores runtime flags", change: func(c *Config) { c.Simulate, c.StateDir, c.CNIBridge = 3, "", "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConfig()
			c.NodeName = "node-a"
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestConfigFlags(t *testing.T) {
	c := NewConfig()
	fs := pflag.NewFlagSet("agent", pflag.ContinueOnError)
	c.AddFlags(fs)
	err := fs.Parse([]string{"--simulate=3", "--node-cpu=500m", "--node-memory=2Gi", "--node-pods=20",
		"--node-labels=zone=a,tier=web", "--node-lease-renew-interval=2s", "--restart-backoff-base=50ms"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Simulate != 3 || c.CPU.MilliValue() != 500 || c.Memory.Value() != 2<<30 || c.Pods != 20 ||
		c.NodeLabels["zone"] != "a" || c.NodeLabels["tier"] != "web" || c.RenewInterval != 2*time.Second || c.BackoffBase != 50*time.Millisecond {
		t.Errorf("parsed config: got %+v", c)
	}
	if err := fs.Parse([]string{"--node-cpu=lots"}); err == nil {
		t.Error("--node-cpu=lots: got no error, want one")
	}
}

func TestSimulatedNodeAddresses(t *testing.T) {
	cfg := NewConfig()
	cfg.NodeNamePrefix = "sim-"
	tests := []struct {
		i                 int
		name, ip, podCIDR string
	}{
		{1, "sim-0001", "10.0.0.1", "10.128.0.0/24"},
		{254, "sim-0254", "10.0.0.254", "10.128.253.0/24"},
		{255, "sim-0255", "10.0.1.1", "10.128.254.0/24"},
		{5000, "sim-5000", "10.0.19.174", "10.147.135.0/24"},
		{maxSimulatedNodes, "sim-32768", "10.0.129.2", "10.255.255.0/24"},
	}
	for _, tt := range tests {
		n := simulatedNode(cfg, tt.i)
		if n.NodeName != tt.name || n.NodeIP != tt.ip || n.PodCIDR != tt.podCIDR {
			t.Errorf("node %d: got %s %s %s, want %s %s %s", tt.i, n.NodeName, n.NodeIP, n.PodCIDR, tt.name, tt.ip, tt.podCIDR)
		}
	}
}

func TestServingAddress(t *testing.T) {
	tests := []struct{ server, node, want string }{
		{"", "", DefaultNodeIP},
		{"", "10.1.2.3", "10.1.2.3"},
		{"10.9.9.9", "10.1.2.3", "10.9.9.9"},
	}
	for _, tt := range tests {
		c := Config{ServerAddress: tt.server, NodeIP: tt.node}
		if got := c.ServingAddress(); got != tt.want {
			t.Errorf("ServingAddress with --agent-address %q --node-ip %q: got %q, want %q", tt.server, tt.node, got, tt.want)
		}
	}
}
