package client

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// widget is a namespaced kind of the core group, made up for these tests.
type widget struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata"`
	Spec            widgetSpec `json:"spec"`
}

type widgetSpec struct {
	Node string `json:"node,omitempty"`
	Size int    `json:"size,omitempty"`
}

// gadget is a cluster-scoped kind of a named group.
type gadget struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata"`
}

var (
	widgetResource = &scheme.Resource{Version: "v1", Kind: "Widget", Plural: "widgets", Singular: "widget",
		Namespaced: true, HasStatus: true, New: func() meta.Object { return &widget{} }}
	gadgetResource = &scheme.Resource{Group: "example.com", Version: "v1alpha1", Kind: "Gadget", Plural: "gadgets",
		Singular: "gadget", New: func() meta.Object { return &gadget{} }}
)

func testScheme() *scheme.Scheme { return scheme.New(widgetResource, gadgetResource) }

// testWidget builds a widget fixture.
func testWidget(ns, name, rv string) *widget {
	return &widget{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Widget"},
		ObjectMeta: meta.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: rv},
	}
}

func (w *widget) onNode(n string) *widget { w.Spec.Node = n; return w }

func widgetList(rv string, items ...*widget) *meta.List[widget] {
	l := &meta.List[widget]{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "WidgetList"}, Items: []widget{}}
	l.ResourceVersion = rv
	for _, w := range items {
		l.Items = append(l.Items, *w)
	}
	return l
}

func statusBody(code int, reason meta.StatusReason, msg string) *meta.Status {
	return &meta.Status{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: meta.StatusFailure,
		Code: int32(code), Reason: reason, Message: msg}
}

// newTestServer starts an HTTP/2 TLS server for h and returns a config
// that trusts it.
func newTestServer(t *testing.T, h http.Handler) (*httptest.Server, *Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes that tests make fail on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv, &Config{Server: srv.URL, CAPEM: ca, Token: "s3cret", UserAgent: "wharf-test"}
}

func newTestClient(t *testing.T, cfg *Config) *Client {
	t.Helper()
	c, err := New(cfg, testScheme())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// seen is what the server saw of one request.
type seen struct {
	Method      string
	Path        string // escaped
	Query       url.Values
	ContentType string
	Accept      string
	Auth        string
	UserAgent   string
	ProtoMajor  int
	Body        string
}

// recorder records requests and answers each with reply.
type recorder struct {
	mu    sync.Mutex
	reqs  []seen
	reply func(w http.ResponseWriter, r *http.Request)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seen{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(),
		ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
		Auth: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent"),
		ProtoMajor: r.ProtoMajor, Body: string(b),
	})
	rec.mu.Unlock()
	rec.reply(w, r)
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// scriptedAPI hands every request to the test, which answers it step by
// step: the way to script a list, a watch that streams a few events and
// ends, a 410, and so on, in an exact order.
type scriptedAPI struct {
	calls chan *call
}

func newScriptedAPI() *scriptedAPI { return &scriptedAPI{calls: make(chan *call)} }

// call is one request waiting for the test to act on it.
type call struct {
	r    *http.Request
	acts chan func(http.ResponseWriter)
	done chan struct{}
}

func (f *scriptedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, acts: make(chan func(http.ResponseWriter)), done: make(chan struct{})}
	defer close(c.done)
	select {
	case f.calls <- c:
	case <-r.Context().Done():
		return
	}
	for {
		select {
		case act, ok := <-c.acts:
			if !ok {
				return
			}
			act(w)
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

const testWait = 10 * time.Second

// next returns the next request the server receives.
func (f *scriptedAPI) next(t *testing.T) *call {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(testWait):
		t.Fatalf("no request reached the server within %v", testWait)
		return nil
	}
}

func (c *call) act(t *testing.T, f func(http.ResponseWriter)) {
	t.Helper()
	select {
	case c.acts <- f:
	case <-c.done:
		t.Fatalf("%s %s ended before the test answered it", c.r.Method, c.r.URL)
	case <-time.After(testWait):
		t.Fatalf("%s %s: the handler did not take the answer", c.r.Method, c.r.URL)
	}
}

// reply answers with one JSON body and ends the request.
func (c *call) reply(t *testing.T, code int, v any) {
	t.Helper()
	c.act(t, func(w http.ResponseWriter) { writeJSON(w, code, v) })
	c.end()
}

// open sends the headers of a watch reply.
func (c *call) open(t *testing.T) {
	t.Helper()
	c.act(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
	})
}

// event streams one watch event.
func (c *call) event(t *testing.T, typ string, obj any) {
	t.Helper()
	c.act(t, func(w http.ResponseWriter) {
		json.NewEncoder(w).Encode(map[string]any{"type": typ, "object": obj})
	})
}

// end finishes the reply.
func (c *call) end() { close(c.acts) }

// query returns the request's query, with the values that vary from run to
// run (the watch timeout) checked and removed.
func (c *call) query(t *testing.T) url.Values {
	t.Helper()
	q := c.r.URL.Query()
	if ts := q.Get("timeoutSeconds"); q.Get("watch") == "true" && ts == "" {
		t.Errorf("watch %s: got no timeoutSeconds, want one", c.r.URL)
	}
	q.Del("timeoutSeconds")
	return q
}
