package streaming

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/nodeagent"
)

// shutdownGrace bounds how long Serve waits for requests to end once its
// context is done; they see the context end at once, so they are quick.
const shutdownGrace = 5 * time.Second

// Backend finds a pod's container and streams from it: the agent.
type Backend interface {
	// ContainerLogs writes the log of the container (of its previous run
	// with previous) to w as opts asks. Nothing written yet, an error
	// becomes the reply's status: errdefs.NotFound a 404.
	ContainerLogs(ctx context.Context, namespace, pod, container string, previous bool, opts nodeagent.LogOptions, w io.Writer) error
	// Exec runs opts.Cmd in the container and returns its exit code; an
	// error means it could not run.
	Exec(ctx context.Context, namespace, pod, container string, opts nodeagent.ExecOptions) (int, error)
}

// Config says where the server listens and whom it lets in.
type Config struct {
	// Address is the IP or name to listen on, also put in the
	// certificate; "" listens on every address.
	Address string
	// Port is the TCP port; 0 picks a free one (see Server.Port).
	Port int
	// Token is the bearer token a request must carry.
	Token string
}

// Server is the agent's streaming server.
type Server struct {
	cfg     Config
	backend Backend
	log     *slog.Logger
	cert    tls.Certificate
	handler http.Handler

	ln       net.Listener
	sessions sessionGroup
}

// New checks cfg and makes the server's certificate; Listen (or Run)
// starts it.
func New(cfg Config, b Backend, log *slog.Logger) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("agent streaming server: no token: it would let anyone exec into the node's containers")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("agent streaming server: port %d is out of range", cfg.Port)
	}
	cert, err := selfSignedCert(cfg.Address, time.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, backend: b, log: log, cert: cert}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok") //nolint:errcheck
	})
	mux.Handle("GET /containerLogs/{namespace}/{pod}/{container}", s.authenticate(s.serveLogs))
	mux.Handle("GET /exec/{namespace}/{pod}/{container}", s.authenticate(s.serveExec))
	mux.Handle("POST /exec/{namespace}/{pod}/{container}", s.authenticate(s.serveExec))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &errdefs.Error{Reason: meta.StatusReasonNotFound, Code: http.StatusNotFound, Message: fmt.Sprintf("%s %s: no such endpoint", r.Method, r.URL.Path)})
	})
	return mux
}

// authenticate lets through the requests that carry the token.
func (s *Server) authenticate(next http.HandlerFunc) http.Handler {
	want := []byte(s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wharf-agent"`)
			writeError(w, errdefs.Unauthorized("Unauthorized"))
			return
		}
		next(w, r)
	})
}

// Listen binds the port, so that the caller knows it (Port) before it
// registers the Node.
func (s *Server) Listen() error {
	addr := net.JoinHostPort(s.cfg.Address, strconv.Itoa(s.cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("agent streaming server: %w", err)
	}
	s.ln = ln
	return nil
}

// Port is the bound port, 0 before Listen.
func (s *Server) Port() int {
	if s.ln == nil {
		return 0
	}
	return s.ln.Addr().(*net.TCPAddr).Port
}

// Run listens and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Serve serves on the port Listen bound until ctx ends. Then every
// request in flight sees its context end (follows stop, exec sessions
// tell their clients), and Serve returns once all of them have: exec
// sessions too, which http.Server forgets once they are upgraded.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		return errors.New("agent streaming server: Serve before Listen")
	}
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(s.ln, "", "") }()
	s.log.Info("agent streaming server listening", "address", s.ln.Addr().String())

	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("agent streaming server: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		if serr := srv.Shutdown(sctx); serr != nil {
			srv.Close()
		}
		cancel()
		<-errc // http.ErrServerClosed
	}
	s.sessions.closeAndWait()
	return err
}

// writeError replies with err as a Status.
func writeError(w http.ResponseWriter, err error) {
	st := errdefs.ToStatus(err)
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(int(st.Code))
	w.Write(b) //nolint:errcheck // the client is gone if this fails
}

// sessionGroup counts the exec sessions in flight, so that Serve can wait
// for them, and refuses new ones once it does.
type sessionGroup struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (g *sessionGroup) add() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

func (g *sessionGroup) done() { g.wg.Done() }

func (g *sessionGroup) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}
