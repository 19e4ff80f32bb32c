package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// Media types the client sends and accepts.
const (
	ContentTypeJSON = "application/json"
	// AcceptTable asks a list or get for a server-rendered meta.Table.
	AcceptTable = "application/json;as=Table;v=v1;g=meta.k8s.io"
)

// maxErrorBody bounds how much of a failed reply is read for its message.
const maxErrorBody = 1 << 20

// Client talks to one API server. It is safe for concurrent use and meant
// to be shared: all requests go through one connection pool and one rate
// limiter.
type Client struct {
	base      string // server URL without a trailing slash
	http      *http.Client
	token     string
	userAgent string
	timeout   time.Duration
	limiter   *tokenBucket // nil: unlimited
	scheme    *scheme.Scheme
}

// New returns a client for cfg that knows the kinds in s.
func New(cfg *Config, s *scheme.Scheme) (*Client, error) {
	if cfg.Server == "" {
		return nil, errors.New("client config: no server")
	}
	u, err := url.Parse(cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("client config: server %q: %w", cfg.Server, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("client config: server %q: want https://host:port", cfg.Server)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client config: server %q: a query or fragment is not allowed", cfg.Server)
	}
	tr, err := cfg.transport()
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      strings.TrimRight(u.String(), "/"),
		http:      &http.Client{Transport: tr},
		token:     cfg.Token,
		userAgent: cfg.UserAgent,
		timeout:   cfg.Timeout,
		scheme:    s,
	}
	if c.userAgent == "" {
		c.userAgent = "wharf"
	}
	if cfg.QPS > 0 {
		c.limiter = newTokenBucket(cfg.QPS, cfg.Burst)
	}
	return c, nil
}

// Scheme returns the kinds the client knows.
func (c *Client) Scheme() *scheme.Scheme { return c.scheme }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Token is the bearer token the client sends. A node agent accepts the
// same token from the API server when it proxies logs and exec.
func (c *Client) Token() string { return c.token }

// request is one call to the server. path is already escaped.
type request struct {
	method      string
	path        string
	query       url.Values
	contentType string
	body        []byte
	accept      string
}

func (r *request) url(base string) string {
	u := base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	return u
}

// send sends rq and returns the response of a 2xx reply; any other reply
// becomes an error, an *errdefs.Error when the server said why.
func (c *Client) send(ctx context.Context, rq *request) (*http.Response, error) {
	u := rq.url(c.base)
	if c.limiter != nil {
		if err := c.limiter.wait(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: waiting for the client rate limiter: %w", rq.method, u, err)
		}
	}
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", rq.method, u, err)
	}
	accept := rq.accept
	if accept == "" {
		accept = ContentTypeJSON
	}
	req.Header.Set("Accept", accept)
	if rq.body != nil {
		ct := rq.contentType
		if ct == "" {
			ct = ContentTypeJSON
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", c.userAgent)
	// A *url.Error names the method and URL already.
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil && len(b) == 0 {
		return nil, &errdefs.Error{Reason: reasonForCode(resp.StatusCode), Code: resp.StatusCode,
			Message: fmt.Sprintf("%s %s: the server answered %s and the body could not be read: %v", rq.method, u, resp.Status, err)}
	}
	return nil, replyError(rq.method, u, resp, b)
}

// do sends rq and reads the whole reply, within the configured timeout.
func (c *Client) do(ctx context.Context, rq *request) ([]byte, http.Header, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading the reply: %w", rq.method, rq.url(c.base), err)
	}
	return b, resp.Header, nil
}

// Do sends a raw request: path is the escaped path below the server URL
// ("/api/v1/namespaces/default/pods"), contentType describes body (JSON
// when empty), accept is the wanted media type (JSON when empty; AcceptTable
// for tables). It returns the body and headers of a 2xx reply; any other
// reply is an error, an *errdefs.Error when the server sent a Status.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, contentType string, body []byte, accept string) ([]byte, http.Header, error) {
	return c.do(ctx, &request{method: method, path: path, query: query, contentType: contentType, body: body, accept: accept})
}

// Stream sends a GET and returns the open body of a 2xx reply, for replies
// that do not end by themselves (logs -f). It is not bounded by the
// configured timeout; cancel ctx or close the body to end it.
func (c *Client) Stream(ctx context.Context, path string, query url.Values, accept string) (io.ReadCloser, http.Header, error) {
	resp, err := c.send(ctx, &request{method: http.MethodGet, path: path, query: query, accept: accept})
	if err != nil {
		return nil, nil, err
	}
	return resp.Body, resp.Header, nil
}

// replyError turns a non-2xx reply into an error. A Status body becomes the
// *errdefs.Error it describes, so errors.Is(err, errdefs.ErrNotFound)
// works; any other body becomes an error of the reason the code implies.
func replyError(method, url string, resp *http.Response, body []byte) error {
	if e := statusError(body, resp.StatusCode); e != nil {
		return e
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 512 {
		msg = msg[:512] + "..."
	}
	if msg == "" {
		msg = "no body"
	}
	return &errdefs.Error{
		Reason:  reasonForCode(resp.StatusCode),
		Code:    resp.StatusCode,
		Message: fmt.Sprintf("%s %s: the server answered %s: %s", method, url, resp.Status, msg),
	}
}

// statusError decodes a Status body; nil when body is not one. code fills
// in what the Status leaves out.
func statusError(body []byte, code int) *errdefs.Error {
	var st meta.Status
	if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" && st.Reason == "" && st.Code == 0 {
		return nil
	}
	if st.Code == 0 {
		st.Code = int32(code)
	}
	e := errdefs.FromStatus(&st)
	if e.Reason == meta.StatusReasonUnknown {
		e.Reason = reasonForCode(e.Code)
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("the server answered %d %s", e.Code, http.StatusText(e.Code))
	}
	return e
}

// reasonForCode is the reason a reply of the HTTP code stands for when the
// server did not name one, as Kubernetes' clients read it.
func reasonForCode(code int) meta.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return meta.StatusReasonBadRequest
	case http.StatusUnauthorized:
		return meta.StatusReasonUnauthorized
	case http.StatusForbidden:
		return meta.StatusReasonForbidden
	case http.StatusNotFound:
		return meta.StatusReasonNotFound
	case http.StatusMethodNotAllowed:
		return meta.StatusReasonMethodNotAllowed
	case http.StatusNotAcceptable:
		return meta.StatusReasonNotAcceptable
	case http.StatusConflict:
		return meta.StatusReasonConflict
	case http.StatusGone:
		return meta.StatusReasonGone
	case http.StatusRequestEntityTooLarge:
		return meta.StatusReasonRequestEntityTooLarge
	case http.StatusUnsupportedMediaType:
		return meta.StatusReasonUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return meta.StatusReasonInvalid
	case http.StatusTooManyRequests:
		return meta.StatusReasonTooManyRequests
	case http.StatusInternalServerError:
		return meta.StatusReasonInternalError
	case http.StatusServiceUnavailable:
		return meta.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return meta.StatusReasonTimeout
	}
	return meta.StatusReasonUnknown
}

// isExpired reports whether err says a resourceVersion or continue token is
// too old: the cue to list again.
func isExpired(err error) bool {
	return errors.Is(err, errdefs.ErrExpired) || errors.Is(err, errdefs.ErrGone)
}
