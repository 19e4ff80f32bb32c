package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxAllocMiB keeps a typo from asking for more than a 64-bit size can hold.
const maxAllocMiB = 1 << 20

// exitRequest is what /exit and /crash hand to run, which owns the process
// and can finish the response before leaving.
type exitRequest struct {
	code  int
	crash bool
}

// server holds the state tests steer through HTTP. The functions reading the
// host are fields so tests can pin hostname, addresses and environment.
type server struct {
	logger   *slog.Logger
	exitCh   chan<- exitRequest
	hostname func() (string, error)
	addrs    func() ([]net.Addr, error)
	environ  func() []string

	unhealthy atomic.Bool

	mu       sync.Mutex
	retained [][]byte // kept so the memory stays resident until exit
}

func newServer(logger *slog.Logger, exitCh chan<- exitRequest) *server {
	return &server{
		logger:   logger,
		exitCh:   exitCh,
		hostname: os.Hostname,
		addrs:    net.InterfaceAddrs,
		environ:  os.Environ,
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.info)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("POST /healthz/fail", s.setHealth(false))
	mux.HandleFunc("POST /healthz/ok", s.setHealth(true))
	mux.HandleFunc("POST /exit", s.exit)
	mux.HandleFunc("POST /crash", s.crash)
	mux.HandleFunc("GET /alloc", s.alloc)
	mux.HandleFunc("GET /files", s.files)
	return s.logRequests(mux)
}

// Info is the body of GET /.
type Info struct {
	Hostname string            `json:"hostname"`
	PodIP    string            `json:"podIP"`
	Version  string            `json:"version"`
	Env      map[string]string `json:"env"`
}

func (s *server) info(w http.ResponseWriter, _ *http.Request) {
	host, err := s.hostname()
	if err != nil {
		http.Error(w, "hostname: "+err.Error(), http.StatusInternalServerError)
		return
	}
	addrs, err := s.addrs()
	if err != nil {
		http.Error(w, "interface addresses: "+err.Error(), http.StatusInternalServerError)
		return
	}
	env := map[string]string{}
	for _, kv := range s.environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	writeJSON(w, Info{Hostname: host, PodIP: podIP(addrs), Version: env["VERSION"], Env: env})
}

// podIP picks the address a pod is reached at: the first IPv4 that is neither
// loopback nor link-local, else the first such IPv6, else "".
func podIP(addrs []net.Addr) string {
	var v6 string
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipnet.IP.To4() != nil {
			return ipnet.IP.String()
		}
		if v6 == "" {
			v6 = ipnet.IP.String()
		}
	}
	return v6
}

func (s *server) health(w http.ResponseWriter, _ *http.Request) {
	if s.unhealthy.Load() {
		http.Error(w, "unhealthy", http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *server) setHealth(healthy bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		s.unhealthy.Store(!healthy)
		fmt.Fprintf(w, "healthy=%t\n", healthy)
	}
}

func (s *server) exit(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.URL.Query().Get("code"))
	if err != nil || code < 0 || code > 255 {
		http.Error(w, "code must be an integer from 0 to 255", http.StatusBadRequest)
		return
	}
	s.requestExit(w, exitRequest{code: code}, fmt.Sprintf("exiting with code %d\n", code))
}

func (s *server) crash(w http.ResponseWriter, _ *http.Request) {
	s.requestExit(w, exitRequest{crash: true}, "crashing\n")
}

func (s *server) requestExit(w http.ResponseWriter, req exitRequest, msg string) {
	select {
	case s.exitCh <- req:
	default:
		http.Error(w, "already exiting", http.StatusConflict)
		return
	}
	w.Header().Set("Connection", "close")
	fmt.Fprint(w, msg)
}

// AllocResult is the body of GET /alloc.
type AllocResult struct {
	AllocatedMiB int `json:"allocatedMiB"`
	TotalMiB     int `json:"totalMiB"`
}

func (s *server) alloc(w http.ResponseWriter, r *http.Request) {
	mb, err := strconv.Atoi(r.URL.Query().Get("mb"))
	if err != nil || mb < 1 || mb > maxAllocMiB {
		http.Error(w, fmt.Sprintf("mb must be an integer from 1 to %d", maxAllocMiB), http.StatusBadRequest)
		return
	}
	buf := touch(mb)
	s.mu.Lock()
	s.retained = append(s.retained, buf)
	total := 0
	for _, b := range s.retained {
		total += len(b) >> 20
	}
	s.mu.Unlock()
	writeJSON(w, AllocResult{AllocatedMiB: mb, TotalMiB: total})
}

// files serves a file, or lists a directory's names one per line, so tests
// can check both the keys and the values of configMap and secret volumes.
func (s *server) files(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if path == "" {
		http.Error(w, "path is required", http.StatusBadRequest)
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		fileError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			fileError(w, err)
			return
		}
		for _, e := range entries {
			fmt.Fprintln(w, e.Name())
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fileError(w, err)
		return
	}
	w.Write(data)
}

func fileError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.Error(w, err.Error(), http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		http.Error(w, err.Error(), http.StatusForbidden)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// touch allocates mb MiB and makes them resident: fresh pages are mapped
// lazily, and writing one byte per page is what a memory limit counts.
func touch(mb int) []byte {
	buf := make([]byte, mb<<20)
	for i := 0; i < len(buf); i += os.Getpagesize() {
		buf[i] = 1
	}
	return buf
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// logRequests writes the one line per request that tests read through the
// container's logs.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.logger.Info("request", "method", r.Method, "uri", r.URL.RequestURI(),
			"status", sw.status, "remote", r.RemoteAddr, "duration", time.Since(start).String())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's Flusher.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
