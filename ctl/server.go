package ctl

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/apiserver"
	"github.com/wharf/wharf/controller"
	"github.com/wharf/wharf/scheduler"
)

// newServerCommand is `wharf server`: the control plane's API server, on an
// embedded etcd unless --etcd-servers names an external one, with the
// controller manager and the scheduler as clients of it, as k3s does.
func newServerCommand() *cobra.Command {
	cfg := apiserver.NewConfig()
	mcfg := controller.NewManagerConfig()
	scfg := scheduler.NewConfig()
	var logLevel string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Wharf API server",
		Long: `Run the Wharf API server over HTTPS.

On first start it creates a CA, a serving certificate and an admin token in
--data-dir and writes DATA_DIR/admin.kubeconfig, which both wharf and kubectl
read. State lives in an embedded etcd in DATA_DIR/etcd unless --etcd-servers
names an external etcd cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			if err := scfg.Validate(); err != nil {
				return err
			}
			return runControlPlane(cmd.Context(), apiserver.New(cfg, log), mcfg, scfg, log)
		},
	}
	cfg.AddFlags(cmd.Flags())
	mcfg.AddFlags(cmd.Flags())
	scfg.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// runControlPlane runs the API server and, once it is ready, the
// controllers that the control plane cannot do without, as clients of it,
// and each of more (`wharf up`'s node agent) with the path of the admin
// kubeconfig. The server stops only after all of them have returned, so
// that none of them sees its server vanish while it shuts down.
func runControlPlane(ctx context.Context, srv *apiserver.Server, mcfg *controller.ManagerConfig, scfg scheduler.Config, log *slog.Logger, more ...func(ctx context.Context, kubeconfig string) error) error {
	srvCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServer()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(srvCtx) })
	g.Go(func() error {
		defer stopServer()
		select {
		case <-srv.Ready():
		case <-gctx.Done():
			return nil
		}
		c, err := kubeconfigClient(srv.KubeconfigPath(), "", "wharf-controller")
		if err != nil {
			return fmt.Errorf("controllers: %w", err)
		}
		defer c.Close()
		cg, cctx := errgroup.WithContext(gctx)
		cg.Go(func() error { return controller.RunManager(cctx, c, mcfg, log) })
		cg.Go(func() error { return runScheduler(cctx, c, scfg, log) })
		for _, run := range more {
			cg.Go(func() error { return run(cctx, srv.KubeconfigPath()) })
		}
		return cg.Wait()
	})
	return g.Wait()
}

// kubeconfigClient connects to the cluster of a kubeconfig file (its
// context, "" for the current one) as userAgent.
func kubeconfigClient(path, context, userAgent string) (*client.Client, error) {
	ccfg, _, err := client.ConfigFromKubeconfig(path, context)
	if err != nil {
		return nil, err
	}
	ccfg.UserAgent = userAgent
	return client.New(ccfg, builtin.Scheme())
}

// runScheduler runs the scheduler on its own informers and event recorder.
func runScheduler(ctx context.Context, c *client.Client, cfg scheduler.Config, log *slog.Logger) error {
	log = log.With("component", "scheduler")
	f := controller.NewInformers(c, log)
	host, _ := os.Hostname()
	rec := events.NewRecorder(c, cfg.SchedulerName, host, log)
	s, err := scheduler.New(c, f, rec, cfg, log)
	if err != nil {
		return err
	}
	f.Start(ctx)
	defer f.Wait()
	done := make(chan struct{})
	go func() { defer close(done); rec.Run(ctx) }()
	defer func() { <-done }()
	return s.Run(ctx)
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
