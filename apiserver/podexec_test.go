package apiserver

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/wharf/wharf/api/core"
)

// remotecommand subprotocols, newest first, as kubectl offers them.
var execProtocols = []string{"v5.channel.k8s.io", "v4.channel.k8s.io"}

// echoAgent upgrades /exec requests to a websocket, greets, and echoes
// every message back; a container named "deny" is refused with a Status.
func echoAgent(t *testing.T, token string, seen func(path string, q url.Values)) http.Handler {
	up := websocket.Upgrader{Subprotocols: execProtocols}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
			return
		}
		seen(r.URL.Path, r.URL.Query())
		if strings.HasSuffix(r.URL.Path, "/deny") {
			writeStatus(w, http.StatusForbidden, "Forbidden", "exec into deny is not allowed")
			return
		}
		c, err := up.Upgrade(coalescing{w}, r, nil)
		if err != nil {
			return // Upgrade answered the client
		}
		defer c.Close()
		// Sent at once after the switch, so it may share a read with the
		// 101 response: the proxy must not lose it.
		if err := c.WriteMessage(websocket.BinaryMessage, []byte("\x01ready")); err != nil {
			return
		}
		for {
			kind, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	})
}

// coalescing makes the agent send its 101 response and its first message
// in one write, so that they reach the proxy in one read.
type coalescing struct{ http.ResponseWriter }

func (c coalescing) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(c.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &heldConn{Conn: conn}, brw, nil
}

// heldConn holds its first write back until the second.
type heldConn struct {
	net.Conn
	held     []byte
	released bool
}

func (h *heldConn) Write(p []byte) (int, error) {
	switch {
	case h.released:
		return h.Conn.Write(p)
	case h.held == nil:
		h.held = append([]byte{}, p...)
		return len(p), nil
	}
	h.released = true
	if _, err := h.Conn.Write(append(h.held, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func TestPodExecUpgradeRoundTrip(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ts := startServerIn(t, shortTempDir(t), func(c *Config) { c.RequestTimeout = timeout })
	var mu sync.Mutex
	var gotPath string
	var gotQuery url.Values
	fakeAgent(t, ts, "n1", echoAgent(t, ts.token, func(p string, q url.Values) {
		mu.Lock()
		defer mu.Unlock()
		gotPath, gotQuery = p, q
	}))
	testPod{name: "p", node: "n1", containers: []string{"app"}}.create(t, ts)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := websocket.Dialer{TLSClientConfig: ts.h1TLS(), Subprotocols: execProtocols, HandshakeTimeout: 10 * time.Second}
	u := strings.Replace(ts.url, "https://", "wss://", 1) + "/api/v1/namespaces/default/pods/p/exec?command=sh&command=-c&command=echo+hi&stdin=true&stdout=true&tty=true"
	conn, resp, err := d.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + ts.token}})
	if err != nil {
		t.Fatalf("dial: %v (response %+v)", err, resp)
	}
	defer conn.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || conn.Subprotocol() != "v5.channel.k8s.io" {
		t.Errorf("upgrade: got %d with subprotocol %q, want 101 with v5.channel.k8s.io", resp.StatusCode, conn.Subprotocol())
	}
	mu.Lock()
	wantQuery := url.Values{"command": {"sh", "-c", "echo hi"}, "stdin": {"true"}, "stdout": {"true"}, "tty": {"true"}}
	if gotPath != "/exec/default/p/app" {
		t.Errorf("agent path: got %q, want /exec/default/p/app", gotPath)
	}
	if diff := cmp.Diff(wantQuery, gotQuery); diff != "" {
		t.Errorf("agent query: got %v, want %v (-want +got):\n%s", gotQuery, wantQuery, diff)
	}
	mu.Unlock()

	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, msg, err := conn.ReadMessage(); err != nil || string(msg) != "\x01ready" {
		t.Fatalf("greeting: got %q, %v; want %q", msg, err, "\x01ready")
	}
	// The session outlives the request timeout.
	<-time.After(2 * timeout)
	for _, m := range []string{"\x00hello", "\x00" + strings.Repeat("x", 100<<10), "\x04{\"Width\":80,\"Height\":24}"} {
		if err := conn.WriteMessage(websocket.BinaryMessage, []byte(m)); err != nil {
			t.Fatalf("write: %v", err)
		}
		_, msg, err := conn.ReadMessage()
		if err != nil || string(msg) != m {
			t.Fatalf("echo: got %d bytes (%v), want the %d sent", len(msg), err, len(m))
		}
	}
	// Closing the client's side ends the agent's.
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(5*time.Second))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after close: got %v, want the agent's close", err)
	}
}

func TestPodExecErrors(t *testing.T) {
	ts := startServer(t)
	fakeAgent(t, ts, "n1", echoAgent(t, ts.token, func(string, url.Values) {}))
	testPod{name: "one", node: "n1", containers: []string{"app", "deny"}, annotations: map[string]string{core.DefaultContainerAnnotation: "app"}}.create(t, ts)
	testPod{name: "two", node: "n1", init: []string{"setup"}, containers: []string{"a", "b"}}.create(t, ts)
	testPod{name: "pending", containers: []string{"app"}}.create(t, ts)
	createNode(t, ts, "quiet", "127.0.0.1", 0)
	testPod{name: "onquiet", node: "quiet", containers: []string{"app"}}.create(t, ts)

	pods := "/api/v1/namespaces/default/pods/"
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: ts.h1TLS()}}
	t.Cleanup(h1.CloseIdleConnections)
	d := websocket.Dialer{TLSClientConfig: ts.h1TLS(), Subprotocols: execProtocols, HandshakeTimeout: 10 * time.Second}
	wss := strings.Replace(ts.url, "https://", "wss://", 1)

	tests := []struct {
		name      string
		path      string
		websocket bool // else a plain request over HTTP/2
		http1     bool // else a plain request over HTTP/1.1
		wantCode  int
		wantMsg   string
	}{
		{name: "no command", path: pods + "one/exec?stdout=true", wantCode: 400, wantMsg: "you must specify at least one command for the container"},
		{name: "container needed", path: pods + "two/exec?command=ls", wantCode: 400,
			wantMsg: "a container name must be specified for pod two, choose one of: [setup a b]"},
		{name: "unknown container", path: pods + "one/exec?command=ls&container=nope", wantCode: 400, wantMsg: "container nope is not valid for pod one"},
		{name: "no host", path: pods + "pending/exec?command=ls", wantCode: 400, wantMsg: "pod pending does not have a host assigned"},
		{name: "node without agent port", path: pods + "onquiet/exec?command=ls", wantCode: 503, wantMsg: "node quiet does not serve exec"},
		{name: "pod missing", path: pods + "nope/exec?command=ls", wantCode: 404, wantMsg: `pods "nope" not found`},
		{name: "over HTTP/2", path: pods + "one/exec?command=ls", wantCode: 400, wantMsg: "pods/exec cannot be served over HTTP/2"},
		{name: "no upgrade", http1: true, path: pods + "one/exec?command=ls", wantCode: 400, wantMsg: "pods/exec needs a connection upgrade"},
		{name: "agent refuses", websocket: true, path: pods + "one/exec?command=ls&container=deny", wantCode: 403, wantMsg: "exec into deny is not allowed"},
		{name: "missing pod over websocket", websocket: true, path: pods + "nope/exec?command=ls", wantCode: 404, wantMsg: `pods "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reply
			switch {
			case tt.websocket:
				conn, resp, err := d.Dial(wss+tt.path, http.Header{"Authorization": {"Bearer " + ts.token}})
				if err == nil {
					conn.Close()
					t.Fatal("the upgrade succeeded, want it refused")
				}
				if resp == nil {
					t.Fatalf("dial: %v, without a response", err)
				}
				b, _ := io.ReadAll(resp.Body)
				r = reply{code: resp.StatusCode, body: b, header: resp.Header}
			case tt.http1:
				req, _ := http.NewRequest("POST", ts.url+tt.path, nil)
				req.Header.Set("Authorization", "Bearer "+ts.token)
				resp, err := h1.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.ProtoMajor != 1 {
					t.Fatalf("got HTTP/%d, want HTTP/1.1", resp.ProtoMajor)
				}
				b, _ := io.ReadAll(resp.Body)
				r = reply{code: resp.StatusCode, body: b, header: resp.Header}
			default:
				r = ts.do("POST", tt.path, nil)
			}
			if r.code != tt.wantCode {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tt.wantCode)
			}
			r.reason(t)
			var st struct{ Message string }
			r.decode(t, &st)
			if !strings.Contains(st.Message, tt.wantMsg) {
				t.Errorf("message: got %q, want it to contain %q", st.Message, tt.wantMsg)
			}
		})
	}
}
