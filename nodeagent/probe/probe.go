package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Result is the outcome of a probe.
type Result int

// Results. Unknown means the probe could not be judged (bad port, runtime
// error); like the kubelet, a Worker ignores it rather than count it as a
// failure of the application.
const (
	Unknown Result = iota
	Success
	Failure
)

// String returns the result's name.
func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	default:
		return "Unknown"
	}
}

// Target is the container a probe is aimed at.
type Target struct {
	// PodIP is the host of network probes that name none.
	PodIP string
	// Ports maps the container's named ports to their numbers.
	Ports map[string]int32
	// ContainerID is handed to the Execer for exec probes.
	ContainerID string
}

// Execer runs a command inside a running container; the container runtime
// implements it. It returns an error only when the command could not be run
// or ctx ended, not when the command failed.
type Execer interface {
	Exec(ctx context.Context, containerID string, cmd []string) (exitCode int, output []byte, err error)
}

// UserAgent is sent by HTTP probes unless the probe sets its own.
const UserAgent = "wharf-probe/1.0"

// maxOutput bounds what is read from a probed HTTP body or exec output, so
// that a misbehaving container cannot make the agent buffer without end.
const maxOutput = 10 << 10

// maxRedirects is net/http's own limit, which the kubelet keeps.
const maxRedirects = 10

// Kubernetes' defaults, used when a probe reaches us without them.
const (
	defaultTimeout          = time.Second
	defaultPeriod           = 10 * time.Second
	defaultSuccessThreshold = 1
	defaultFailureThreshold = 3
)

// Run makes one attempt of p against target, bounded by p.TimeoutSeconds,
// and returns its result with a short message for events.
func Run(ctx context.Context, p *core.Probe, target Target, exec Execer) (Result, string) {
	if p == nil {
		return Unknown, "no probe"
	}
	timeout := seconds(p.TimeoutSeconds, defaultTimeout)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	h := p.ProbeHandler
	var r Result
	var msg string
	switch {
	case h.Exec != nil:
		r, msg = runExec(pctx, h.Exec, target, exec)
	case h.HTTPGet != nil:
		r, msg = runHTTP(pctx, h.HTTPGet, target)
	case h.TCPSocket != nil:
		r, msg = runTCP(pctx, h.TCPSocket, target)
	case h.GRPC != nil:
		// The gRPC health protocol needs a client the agent does not carry
		// yet; failing says so plainly instead of pretending the container
		// is healthy.
		return Failure, "grpc probes are not supported"
	default:
		return Unknown, "missing probe handler"
	}
	if r != Success && ctx.Err() != nil {
		// The caller gave up (the container is stopping): that says nothing
		// about the container's health.
		return Unknown, "probe cancelled"
	}
	if r == Failure && errors.Is(pctx.Err(), context.DeadlineExceeded) {
		msg = fmt.Sprintf("timed out after %s: %s", timeout, msg)
	}
	return r, msg
}

func runExec(ctx context.Context, a *core.ExecAction, t Target, exec Execer) (Result, string) {
	if exec == nil {
		return Unknown, "exec probes need a container runtime"
	}
	code, out, err := exec.Exec(ctx, t.ContainerID, a.Command)
	if err != nil {
		if ctx.Err() != nil {
			return Failure, fmt.Sprintf("command %q: %v", a.Command, err)
		}
		return Unknown, err.Error()
	}
	if code == 0 {
		return Success, ""
	}
	if len(out) > maxOutput {
		out = out[:maxOutput]
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return Failure, fmt.Sprintf("command %q exited with %d: %s", a.Command, code, s)
	}
	return Failure, fmt.Sprintf("command %q exited with %d", a.Command, code)
}

func runTCP(ctx context.Context, a *core.TCPSocketAction, t Target) (Result, string) {
	port, err := resolvePort(a.Port, t)
	if err != nil {
		return Unknown, err.Error()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host(a.Host, t), strconv.Itoa(port)))
	if err != nil {
		return Failure, err.Error()
	}
	conn.Close()
	return Success, ""
}

func runHTTP(ctx context.Context, a *core.HTTPGetAction, t Target) (Result, string) {
	port, err := resolvePort(a.Port, t)
	if err != nil {
		return Unknown, err.Error()
	}
	scheme := strings.ToLower(string(a.Scheme))
	switch scheme {
	case "":
		scheme = "http"
	case "http", "https":
	default:
		return Unknown, fmt.Sprintf("unsupported scheme %q", a.Scheme)
	}
	// The path may carry a query string, so it is parsed rather than
	// assigned.
	u, err := url.Parse(a.Path)
	if err != nil {
		u = &url.URL{Path: a.Path}
	}
	u.Scheme = scheme
	u.Host = net.JoinHostPort(host(a.Host, t), strconv.Itoa(port))
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Unknown, err.Error()
	}
	for _, h := range a.HTTPHeaders {
		if http.CanonicalHeaderKey(h.Name) == "Host" {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header.Set("User-Agent", UserAgent)
	}
	if _, ok := req.Header["Accept"]; !ok {
		req.Header.Set("Accept", "*/*")
	}

	tr := &http.Transport{
		// Probes reach pod IPs directly; an environment proxy must not
		// intercept them.
		Proxy: nil,
		// Containers serve self-signed certificates; Kubernetes probes do
		// not verify them either.
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as Kubernetes
		DisableKeepAlives:  true,
		DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: sameHostRedirects}
	resp, err := client.Do(req)
	if err != nil {
		return Failure, err.Error()
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxOutput)); err != nil {
		return Failure, err.Error()
	}
	switch code := resp.StatusCode; {
	case code >= http.StatusOK && code < http.StatusMultipleChoices:
		return Success, ""
	case code >= http.StatusMultipleChoices && code < http.StatusBadRequest:
		// Only a redirect left unfollowed ends here; Kubernetes counts it
		// as success with a warning.
		return Success, fmt.Sprintf("probe terminated redirects, response status: %s", resp.Status)
	default:
		return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", code)
	}
}

// sameHostRedirects follows redirects only to the probed host, as the
// kubelet does: a probe must not become a request to an arbitrary address.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	return nil
}

func host(h string, t Target) string {
	if h != "" {
		return h
	}
	return t.PodIP
}

// resolvePort turns a numbered or named port into a number.
func resolvePort(p meta.IntOrString, t Target) (int, error) {
	n := int(p.IntVal)
	if p.IsString {
		if num, ok := t.Ports[p.StrVal]; ok {
			n = int(num)
		} else if v, err := strconv.Atoi(p.StrVal); err == nil {
			// Kubernetes also accepts a number written as a string.
			n = v
		} else {
			return 0, fmt.Errorf("port %q not found in the container's ports", p.StrVal)
		}
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port number %d", n)
	}
	return n, nil
}

func seconds(s int32, def time.Duration) time.Duration {
	if s <= 0 {
		return def
	}
	return time.Duration(s) * time.Second
}
