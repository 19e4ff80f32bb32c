package controller

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/leaderelection"
)

// ManagerConfig configures the controller manager.
type ManagerConfig struct {
	// Workers is how many keys each controller works on at once.
	Workers int
	// LeaderElect makes replicas of the manager elect one leader through
	// the Lease kube-system/wharf-controller-manager.
	LeaderElect bool
	// Identity of this replica in the election (default: host name and pid).
	Identity string
	// NodeLifecycle configures the node lifecycle controller.
	NodeLifecycle *NodeLifecycleConfig
}

// NewManagerConfig returns the defaults.
func NewManagerConfig() *ManagerConfig {
	return &ManagerConfig{Workers: 4, LeaderElect: true, NodeLifecycle: NewNodeLifecycleConfig()}
}

// AddFlags registers the manager's flags.
func (c *ManagerConfig) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&c.Workers, "controller-workers", c.Workers, "keys each controller works on at once")
	fs.BoolVar(&c.LeaderElect, "leader-elect", c.LeaderElect, "elect one leader among replicas of the controller manager and scheduler")
	c.NodeLifecycle.AddFlags(fs)
}

// Validate names the first bad flag.
func (c *ManagerConfig) Validate() error {
	if c.Workers < 1 {
		return fmt.Errorf("--controller-workers must be at least 1, not %d", c.Workers)
	}
	return c.NodeLifecycle.Validate()
}

// identity is a name for this process among election candidates.
func identity(given string) string {
	if given != "" {
		return given
	}
	h, _ := os.Hostname()
	return fmt.Sprintf("%s_%d_%d", h, os.Getpid(), time.Now().UnixNano()%1e6)
}

// runnable is a controller as the manager runs it.
type runnable interface {
	Run(ctx context.Context, workers int) error
}

// RunManager runs every controller until ctx ends: as the elected leader
// when cfg.LeaderElect, so that replicas of the control plane never run two
// copies of a controller at once.
func RunManager(ctx context.Context, c *client.Client, cfg *ManagerConfig, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log = log.With("component", "controller-manager")
	run := func(ctx context.Context) error {
		f := NewInformers(c, log)
		host, _ := os.Hostname()
		rec := events.NewRecorder(c, "wharf-controller-manager", host, log)
		controllers := map[string]runnable{
			"namespace":         NewNamespace(c, f, log),
			"replicaset":        NewReplicaSet(c, f, rec, log),
			"deployment":        NewDeployment(c, f, rec, log),
			"node-lifecycle":    NewNodeLifecycle(c, f, rec, log, cfg.NodeLifecycle),
			"garbage-collector": NewGarbageCollector(c, f, rec, log),
			"job":               NewJob(c, f, rec, log),
			"daemonset":         NewDaemonSet(c, f, rec, log),
		}
		g, gctx := errgroup.WithContext(ctx)
		f.Start(gctx)
		defer f.Wait()
		g.Go(func() error { rec.Run(gctx); return nil })
		for name, ctrl := range controllers {
			g.Go(func() error {
				if err := ctrl.Run(gctx, cfg.Workers); err != nil {
					return fmt.Errorf("%s controller: %w", name, err)
				}
				return nil
			})
		}
		return g.Wait()
	}
	if !cfg.LeaderElect {
		return run(ctx)
	}
	lec := leaderelection.Config{Namespace: "kube-system", Name: "wharf-controller-manager", Identity: identity(cfg.Identity)}
	for {
		err := leaderelection.Run(ctx, c, lec, log, run)
		if err != leaderelection.ErrLost || ctx.Err() != nil {
			return err
		}
		log.Warn("controller manager lost leadership; campaigning again")
	}
}
