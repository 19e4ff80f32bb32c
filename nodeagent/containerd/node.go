package containerd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
	"github.com/wharf/wharf/nodeagent/streaming"
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
		InsecureRegistries: cfg.InsecureRegistries,
		ResolvConf:         cfg.ResolvConf,
		Logger:             selfLogger(),
	}
}

// LoggerName is the program that writes containers' logs, installed
// beside wharf.
const LoggerName = "wharf-container-logger"

// selfLogger is the containers' logger: wharf-container-logger beside this
// program, else this program's own container-logger command (slower to
// start and larger: it is the whole of wharf); none when the program cannot
// find itself.
func selfLogger() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	if l := filepath.Join(filepath.Dir(exe), LoggerName); isExecutable(l) {
		return []string{l}
	}
	return []string{exe, "container-logger"}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
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
	a, err := nodeagent.NewNode(c, cfg, rt, log)
	if err != nil {
		return err
	}
	// The server is listening before the Node is registered, so that the
	// port in its status is one that answers.
	addr := cfg.ServingAddress()
	srv, err := streaming.New(streaming.Config{Address: addr, Port: cfg.ServerPort, Token: c.Token()}, a, log)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return fmt.Errorf("the agent's logs and exec server on %s: %w", net.JoinHostPort(addr, strconv.Itoa(cfg.ServerPort)), err)
	}
	a.SetServerPort(srv.Port())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(gctx) })
	g.Go(func() error { return a.Run(gctx) })
	return g.Wait()
}
