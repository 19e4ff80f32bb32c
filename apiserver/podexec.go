package apiserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/remotecommand"
)

// exec serves GET and POST pods/{name}/exec: the client's connection
// upgrade (the remotecommand protocol over WebSocket or SPDY/3.1) is
// passed to the agent, and once the agent switches protocols the two connections are
// spliced until either side closes. The API server never reads the
// stream, so it speaks every protocol version the two ends agree on.
func (p *nodeProxy) exec(w http.ResponseWriter, r *http.Request, info *requestInfo) error {
	if info.Verb != "get" && info.Verb != "create" {
		return errdefs.MethodNotAllowed("exec only supports GET and POST")
	}
	q := r.URL.Query()
	if len(q["command"]) == 0 {
		return errdefs.BadRequest("you must specify at least one command for the container")
	}
	t, err := p.locate(r.Context(), info.Namespace, info.Name, q.Get("container"), "exec")
	if err != nil {
		return err
	}
	if r.ProtoMajor != 1 {
		return errdefs.BadRequest("pods/exec cannot be served over HTTP/%d: connect with HTTP/1.1 and upgrade the connection (Connection: Upgrade, Upgrade: websocket or SPDY/3.1)", r.ProtoMajor)
	}
	if !remotecommand.IsUpgradeRequest(r) {
		return errdefs.BadRequest("pods/exec needs a connection upgrade (Connection: Upgrade, Upgrade: websocket or SPDY/3.1)")
	}
	q.Del("container")

	ctx, cancel := context.WithTimeout(r.Context(), agentDialTimeout)
	defer cancel()
	agent, err := (&tls.Dialer{NetDialer: &net.Dialer{}, Config: p.tls}).DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return unreachable(t, err)
	}
	upgraded := false
	defer func() {
		if !upgraded {
			agent.Close()
		}
	}()
	// The deadline bounds the handshake with the agent; the stream after
	// it has none.
	if d, ok := ctx.Deadline(); ok {
		_ = agent.SetDeadline(d)
	}
	req := &http.Request{
		Method: r.Method,
		URL: &url.URL{
			Path:     "/exec/" + t.namespace + "/" + t.pod + "/" + t.container,
			RawQuery: q.Encode(),
		},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.Header.Clone(),
		Host:   t.addr,
	}
	// The client's credentials are the API server's business; the agent
	// gets the server's.
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		req.Header.Del(h)
	}
	for h := range req.Header {
		if strings.HasPrefix(h, "Impersonate-") {
			req.Header.Del(h)
		}
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if err := req.Write(agent); err != nil {
		return unreachable(t, err)
	}
	agentR := bufio.NewReader(agent)
	resp, err := http.ReadResponse(agentR, req)
	if err != nil {
		return unreachable(t, fmt.Errorf("reading its answer: %w", err))
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			return agentError(t, resp)
		}
		for _, h := range []string{"Content-Type", "Content-Length"} {
			if v := resp.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return nil
	}
	_ = agent.SetDeadline(time.Time{})

	client, clientRW, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return errdefs.Internal(fmt.Errorf("taking over the connection: %w", err))
	}
	upgraded = true
	// No deadline the server set for reading the request may cut the stream.
	_ = client.SetDeadline(time.Time{})
	var head strings.Builder
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	_ = resp.Header.Write(&head)
	head.WriteString("\r\n")
	if _, err := io.WriteString(client, head.String()); err != nil {
		client.Close()
		agent.Close()
		return nil
	}
	splice(r.Context(), client, clientRW.Reader, agent, agentR)
	return nil
}

// splice copies a to b and b to a until either side closes, or ctx ends
// (the server shuts down), then closes both. aR and bR read a and b with
// what their buffers already hold.
func splice(ctx context.Context, a net.Conn, aR io.Reader, b net.Conn, bR io.Reader) {
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			a.Close()
			b.Close()
		})
	}
	stop := context.AfterFunc(ctx, closeBoth)
	defer stop()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(b, aR)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(a, bR)
		done <- struct{}{}
	}()
	<-done
	closeBoth()
	<-done
}
