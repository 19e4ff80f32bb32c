package apiserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	clientv3 "go.etcd.io/etcd/client/v3"
	"golang.org/x/sync/errgroup"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/kubeconfig"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/apiserver/registry"
	"github.com/wharf/wharf/apiserver/storage"
)

// Files in the data directory.
const (
	AdminKubeconfig = "admin.kubeconfig"
	adminTokenFile  = "admin.token"
	pkiDir          = "pki"
	etcdDir         = "etcd"
)

// Server is a running API server. Build it with New and start it with Run.
type Server struct {
	cfg    *Config
	log    *slog.Logger
	scheme *scheme.Scheme

	ready    chan struct{}
	addr     atomic.Value // string, once listening
	isReady  atomic.Bool
	caPEM    []byte
	token    string
	registry map[*scheme.Resource]*registry.Registry
	store    *storage.Store
}

// New returns a server for cfg; nothing starts until Run.
func New(cfg *Config, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{cfg: cfg, log: log, scheme: builtin.Scheme(), ready: make(chan struct{})}
}

// Ready is closed once the server answers requests with every cache loaded.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr is the host:port being served, once Ready.
func (s *Server) Addr() string {
	a, _ := s.addr.Load().(string)
	return a
}

// KubeconfigPath is the admin kubeconfig written at start.
func (s *Server) KubeconfigPath() string { return filepath.Join(s.cfg.DataDir, AdminKubeconfig) }

// Run serves until ctx ends, then shuts down in order: stop accepting and
// end watches, drain requests, stop the caches, close etcd.
func (s *Server) Run(ctx context.Context) (err error) {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	p, err := loadOrCreatePKI(filepath.Join(s.cfg.DataDir, pkiDir), servingHosts(s.cfg.BindAddress, s.cfg.TLSSANs))
	if err != nil {
		return err
	}
	s.caPEM = p.caPEM
	if s.token, err = loadOrCreateToken(filepath.Join(s.cfg.DataDir, adminTokenFile)); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on --bind-address %s --port %d: %w", s.cfg.BindAddress, s.cfg.Port, err)
	}
	defer ln.Close()

	client, closeEtcd, err := s.startEtcd(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeEtcd(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	s.store = storage.New(client)

	// Everything below stops when bg is cancelled, after HTTP has drained.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	g, gctx := errgroup.WithContext(bg)
	defer func() {
		stopBG()
		if werr := g.Wait(); werr != nil && !errors.Is(werr, context.Canceled) && err == nil {
			err = werr
		}
	}()
	s.buildRegistries()
	for _, reg := range s.registry {
		g.Go(func() error { return reg.Run(gctx) })
	}
	if err := s.waitForCaches(ctx, gctx); err != nil {
		return err
	}
	if err := s.bootstrapNamespaces(ctx); err != nil {
		return err
	}
	if s.cfg.CompactionInterval > 0 {
		g.Go(func() error {
			s.store.RunCompactor(gctx, s.cfg.CompactionInterval, s.trimCaches)
			return nil
		})
	}

	// Watches and other requests derive from reqCtx, which is cancelled
	// first at shutdown so that long-running watches end.
	reqCtx, stopRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRequests()
	m := newMetrics()
	srv := &http.Server{
		Handler:           s.handler(m),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{p.serving}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()

	addr := ln.Addr().String()
	s.addr.Store(addr)
	if err := s.writeKubeconfig(addr); err != nil {
		_ = srv.Close()
		<-serveErr
		return err
	}
	s.isReady.Store(true)
	close(s.ready)
	s.log.Info("API server ready", "address", addr, "kubeconfig", s.KubeconfigPath())

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving HTTPS: %w", err)
		}
	case <-gctx.Done():
		// A cache or the compactor failed.
	}
	s.isReady.Store(false)
	stopRequests()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if gctx.Err() != nil && ctx.Err() == nil {
		return fmt.Errorf("background task stopped: %w", context.Cause(gctx))
	}
	return nil
}

func (s *Server) startEtcd(ctx context.Context) (*clientv3.Client, func() error, error) {
	if len(s.cfg.EtcdServers) > 0 {
		c, err := storage.Connect(ctx, s.cfg.EtcdServers)
		if err != nil {
			return nil, nil, fmt.Errorf("--etcd-servers: %w", err)
		}
		return c, c.Close, nil
	}
	e, err := storage.StartEmbedded(ctx, storage.EmbeddedConfig{Dir: filepath.Join(s.cfg.DataDir, etcdDir)}, s.log)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded etcd: %w", err)
	}
	return e.Client(), e.Close, nil
}

func (s *Server) buildRegistries() {
	s.registry = map[*scheme.Resource]*registry.Registry{}
	var namespaces *registry.Registry
	for _, res := range s.scheme.Resources() {
		if res.Group == "" && res.Kind == "Namespace" {
			namespaces = registry.New(res, s.store, registry.Options{CacheCapacity: s.cfg.WatchCacheSize, Log: s.log})
			s.registry[res] = namespaces
		}
	}
	admit := registry.NamespaceAdmission(namespaces)
	for _, res := range s.scheme.Resources() {
		if _, done := s.registry[res]; done {
			continue
		}
		opts := registry.Options{CacheCapacity: s.cfg.WatchCacheSize, Log: s.log}
		if res.Namespaced {
			opts.Admit = admit
		}
		if res.Kind == "Pod" && res.Group == "" {
			opts.Mutate = defaultTolerations
		}
		s.registry[res] = registry.New(res, s.store, opts)
	}
}

func (s *Server) waitForCaches(ctx, gctx context.Context) error {
	for _, reg := range s.registry {
		select {
		case <-reg.Ready():
		case <-ctx.Done():
			return ctx.Err()
		case <-gctx.Done():
			return fmt.Errorf("watch cache failed to start: %w", context.Cause(gctx))
		}
	}
	return nil
}

func (s *Server) trimCaches(rev int64) {
	for _, reg := range s.registry {
		reg.TrimCache(rev)
	}
}

// bootstrapNamespaces creates the namespaces every cluster has.
func (s *Server) bootstrapNamespaces(ctx context.Context) error {
	res, _ := s.scheme.ByKind("v1", "Namespace")
	reg := s.registry[res]
	for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		obj := res.New()
		obj.GetObjectMeta().Name = name
		if _, err := reg.Create(ctx, obj, false); err != nil && !isAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

func (s *Server) writeKubeconfig(addr string) error {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	server := "https://" + net.JoinHostPort(host, port)
	return kubeconfig.New("wharf", server, s.caPEM, s.token).Write(s.KubeconfigPath())
}

func (s *Server) handler(m *metrics) http.Handler {
	d := &discovery{scheme: s.scheme}
	h := &rest{scheme: s.scheme, registries: s.registry, maxBody: s.cfg.MaxRequestBytes, log: s.log}
	authn := newTokenAuthenticator(map[string]User{s.token: {Name: "admin", Groups: []string{"system:masters"}}})
	agents := newNodeProxy(s.scheme, s.registry, s.token)

	r := chi.NewRouter()
	r.Get("/healthz", s.health)
	r.Get("/livez", s.health)
	r.Get("/readyz", s.readiness)
	r.Get("/version", serveVersion)
	r.Group(func(r chi.Router) {
		r.Use(authn.middleware)
		r.Get("/metrics", m.handler().ServeHTTP)
		r.Get("/api", d.coreVersions)
		r.Get("/apis", d.groups)
		r.Get("/openapi/v2", serveOpenAPIV2(s.scheme))
		r.Get("/openapi/v3", serveOpenAPIRoot(s.scheme))
		r.Get("/openapi/v3/*", serveOpenAPIGroupVersion(s.scheme))
		r.HandleFunc("/api/{version}", func(w http.ResponseWriter, r *http.Request) {
			d.resources(w, r, "", chi.URLParam(r, "version"))
		})
		r.HandleFunc("/apis/{group}", func(w http.ResponseWriter, r *http.Request) {
			d.groupInfo(w, r, chi.URLParam(r, "group"))
		})
		r.HandleFunc("/apis/{group}/{version}", func(w http.ResponseWriter, r *http.Request) {
			d.resources(w, r, chi.URLParam(r, "group"), chi.URLParam(r, "version"))
		})
		resource := func(w http.ResponseWriter, r *http.Request, group, version string) {
			info, err := parseRequest(s.scheme, r, group, version, chi.URLParam(r, "*"))
			if err != nil {
				writeError(w, r, err)
				return
			}
			if !longRunning(info) {
				ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
				defer cancel()
				r = r.WithContext(ctx)
			}
			if isNodeSubresource(info) {
				m.observe(info, w, func(w http.ResponseWriter) { agents.serve(w, r, info) })
				return
			}
			m.observe(info, w, func(w http.ResponseWriter) { h.serve(w, r, info) })
		}
		r.HandleFunc("/api/{version}/*", func(w http.ResponseWriter, r *http.Request) {
			resource(w, r, "", chi.URLParam(r, "version"))
		})
		r.HandleFunc("/apis/{group}/{version}/*", func(w http.ResponseWriter, r *http.Request) {
			resource(w, r, chi.URLParam(r, "group"), chi.URLParam(r, "version"))
		})
	})
	return r
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.isReady.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.CurrentRevision(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("etcd: " + err.Error()))
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func isAlreadyExists(err error) bool { return errors.Is(err, errdefs.ErrAlreadyExists) }
