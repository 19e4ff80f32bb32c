package containerd

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
)

// connectTimeout bounds the first call to containerd: the client connects
// lazily, and a missing daemon must be reported, not waited for.
const connectTimeout = 10 * time.Second

// ConfigFor is the runtime configuration of the real node cfg describes:
// sandbox records and logs under StateDir/runtime, the pod network's state
// under StateDir/network, on bridge cfg.CNIBridge.
func ConfigFor(cfg nodeagent.Config) Config {
	return Config{
		Address:   cfg.ContainerdAddress,
		Namespace: cfg.ContainerdNamespace,
		StateDir:  filepath.Join(cfg.StateDir, "runtime"),
		PodNetwork: &podnet.Config{
			BridgeName: cfg.CNIBridge,
			StateDir:   filepath.Join(cfg.StateDir, "network"),
		},
	}
}

// RunNode runs the real node cfg describes on containerd until ctx ends
// (nodeagent.RunNode over this runtime). Containers and pod networks keep
// running after it returns: a new agent adopts them. Removing them all is
// `make down`'s job (Runtime.Network().Close()).
func RunNode(ctx context.Context, c *apiclient.Client, cfg nodeagent.Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	rt, err := New(cctx, ConfigFor(cfg))
	cancel()
	if err != nil {
		return err
	}
	defer rt.Close()
	return nodeagent.RunNode(ctx, c, cfg, rt, log)
}
