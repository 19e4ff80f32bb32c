package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap/zapcore"
)

const (
	// maxRequestBytes bounds one write. Kubernetes objects stay well below
	// it; the limit keeps one oversized object from stalling raft.
	maxRequestBytes = 4 << 20

	// maxUnixPath is the longest socket path Linux accepts: sun_path holds
	// 108 bytes including the terminating NUL.
	maxUnixPath = 107

	// socketName is the client socket inside the data directory, for
	// etcdctl and for debugging; Wharf itself uses the in-process client.
	socketName = "etcd.sock"

	// memberName names the single member; it is stored in the data
	// directory, so it must not change between releases.
	memberName = "wharf"
)

// EmbeddedConfig configures an etcd member running inside the process.
type EmbeddedConfig struct {
	// Dir holds etcd's data (the member directory) and its client socket.
	// It is created if missing.
	Dir string
}

// Embedded is a single-member etcd running inside the process.
type Embedded struct {
	etcd     *embed.Etcd
	client   *clientv3.Client
	endpoint string
	closing  *atomic.Bool

	closeOnce sync.Once
}

// StartEmbedded starts a single-member etcd with its data in cfg.Dir and
// waits, bounded by ctx, until it serves. It binds no fixed port: clients
// are served on a unix socket in cfg.Dir (on a free loopback port if that
// path is too long for a socket), and the peer listener, which a single
// member never dials, takes a free loopback port. Several instances with
// different directories can therefore run side by side. etcd's own logs go
// to log at warning level and above.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	if cfg.Dir == "" {
		return nil, errors.New("embedded etcd: data directory is empty")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	// etcd warns at every start unless only the owner can read its data,
	// which holds every Secret.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}

	ec := embed.NewConfig()
	ec.Name = memberName
	ec.Dir = dir
	// One member elects itself after one election timeout: 100 ms of
	// ticks of 10 ms start it in ~50 ms instead of ~0.8 s.
	ec.TickMs = 10
	ec.ElectionMs = 100
	ec.MaxRequestBytes = maxRequestBytes
	// Compaction is Store.RunCompactor's job, so that the watch cache
	// learns about it.
	ec.AutoCompactionRetention = "0"
	// The JSON gateway would dial the client listener by its configured
	// address, which is unknown when the port is picked at bind time;
	// Wharf speaks gRPC only.
	ec.EnableGRPCGateway = false
	// On a shared, fsyncing disk 100 ms applies are routine; warn only
	// about the ones that hurt.
	ec.WarningApplyDuration = time.Second
	// Wharf does not use etcd's own users and roles: the socket sits in a
	// directory only the owner can enter. No token provider also means no
	// warning that simple tokens are unsigned.
	ec.AuthToken = ""
	closing := new(atomic.Bool)
	ec.Logger = "zap"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(newZapLogger(log, zapcore.WarnLevel, closing))

	peer := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	ec.ListenPeerUrls = []url.URL{peer}
	ec.AdvertisePeerUrls = []url.URL{peer}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)

	client := clientURL(dir)
	ec.ListenClientUrls = []url.URL{client}
	ec.AdvertiseClientUrls = []url.URL{client}

	e, err := embed.StartEtcd(ec)
	if err != nil {
		// StartEtcd has already closed what it started.
		return nil, fmt.Errorf("embedded etcd in %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s: %w", dir, err)
	case <-ctx.Done():
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s: not ready: %w", dir, ctx.Err())
	}

	endpoint := client.String()
	if client.Scheme != "unix" && len(e.Clients) > 0 {
		endpoint = "http://" + e.Clients[0].Addr().String()
	}
	return &Embedded{etcd: e, client: v3client.New(e.Server), endpoint: endpoint, closing: closing}, nil
}

// clientURL returns a unix socket URL inside dir, or a loopback URL with a
// port picked at bind time when the socket path would be too long.
func clientURL(dir string) url.URL {
	sock := filepath.Join(dir, socketName)
	if len(sock) <= maxUnixPath && !strings.ContainsAny(sock, "?#%") {
		return url.URL{Scheme: "unix", Path: sock}
	}
	return url.URL{Scheme: "http", Host: "127.0.0.1:0"}
}

// Client returns the in-process client. It skips gRPC and the network and is
// closed by Close: callers must not close it.
func (e *Embedded) Client() *clientv3.Client { return e.client }

// Endpoint returns the URL etcd serves clients on (unix:///dir/etcd.sock or
// http://127.0.0.1:port), for etcdctl and other out-of-process tools.
func (e *Embedded) Endpoint() string { return e.endpoint }

// Close closes the client first, so that no new request reaches a stopping
// server, then stops etcd and waits for it to finish. It is safe to call
// more than once.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		// The in-process client has no connection to lose: its Close
		// only cancels its context and stops its watchers.
		_ = e.client.Close()
		e.closing.Store(true)
		e.etcd.Close()
		<-e.etcd.Server.StopNotify()
	})
	return nil
}
