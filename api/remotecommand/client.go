package remotecommand

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

const (
	// defaultPingPeriod is how often Executor pings the server, as
	// kubectl does; a session with no answer for 12 periods has failed.
	defaultPingPeriod = 5 * time.Second
	missedPings       = 12
	// stdinChunk is the most stdin one message carries.
	stdinChunk = 32 << 10
	// handshakeTimeout bounds the dial, TLS and upgrade.
	handshakeTimeout = 30 * time.Second
)

// Executor runs commands through an exec endpoint: the API server's
// pods/{name}/exec or the node agent's /exec/{namespace}/{pod}/{container}.
type Executor struct {
	// URL is the endpoint with its query (command, container and the
	// stream flags, see Options.AddTo). https and http become wss and ws.
	URL string
	// Header goes with the upgrade request: Authorization, User-Agent.
	Header http.Header
	// TLSConfig says how to trust the server; nil uses the system roots.
	TLSConfig *tls.Config
	// Protocols are the subprotocols offered, favourite first; nil offers
	// ProtocolV5 only, as kubectl does. Add ProtocolV4 for servers that
	// predate v5, which cannot be told that stdin has ended.
	Protocols []string
	// PingPeriod is how often the server is pinged; 0 means 5s.
	PingPeriod time.Duration
}

// StreamOptions are the local ends of a session's streams. Each must match
// the flags in the URL: a nil Stdout drops what the server sends there.
type StreamOptions struct {
	// Stdin is copied to the command; at its end the server is told
	// (v5), so the command reads EOF.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Resize carries the local terminal's size: the current one first,
	// then each change (TTY only).
	Resize <-chan TerminalSize
}

// Stream runs one session: it dials, copies the streams until the server
// closes the session, and returns nil when the command succeeded,
// ExitError when it exited non-zero, an *errdefs.Error when the server
// refused or could not run it, or the failure of the connection.
//
// A Read of Stdin cannot be interrupted (a terminal blocks until a key is
// pressed), so the goroutine copying it may outlive Stream by one Read,
// whose data is dropped: it ends as soon as that Read returns.
func (e *Executor) Stream(ctx context.Context, s StreamOptions) error {
	u, err := websocketURL(e.URL)
	if err != nil {
		return err
	}
	protocols := e.Protocols
	if protocols == nil {
		protocols = []string{ProtocolV5}
	}
	var tc *tls.Config
	if e.TLSConfig != nil {
		tc = e.TLSConfig.Clone()
	} else {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// A WebSocket needs HTTP/1.1: never let ALPN pick h2.
	tc.NextProtos = nil
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		TLSClientConfig:  tc,
		HandshakeTimeout: handshakeTimeout,
		Subprotocols:     protocols,
	}
	conn, resp, err := d.DialContext(ctx, u, e.Header)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return upgradeError(resp)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("exec: %w", err)
	}
	defer conn.Close()
	var v5 bool
	switch p := conn.Subprotocol(); p {
	case ProtocolV5:
		v5 = true
	case ProtocolV4:
	default:
		return fmt.Errorf("exec: the server chose subprotocol %q, not one of %q", p, protocols)
	}
	c := &clientSession{conn: conn, v5: v5}
	return c.run(ctx, s, e.pingPeriod())
}

func (e *Executor) pingPeriod() time.Duration {
	if e.PingPeriod > 0 {
		return e.PingPeriod
	}
	return defaultPingPeriod
}

func websocketURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("exec: %w", err)
	}
	switch u.Scheme {
	case "https", "wss":
		u.Scheme = "wss"
	case "http", "ws":
		u.Scheme = "ws"
	default:
		return "", fmt.Errorf("exec: URL %q: want https://", raw)
	}
	return u.String(), nil
}

// upgradeError reads a refused upgrade: the server's Status when it sent
// one (404 for a missing pod, 401, 403...), else its status line.
func upgradeError(resp *http.Response) error {
	body, _ := io.ReadAll(resp.Body)
	var st meta.Status
	if json.Unmarshal(body, &st) == nil && st.Status == meta.StatusFailure {
		e := errdefs.FromStatus(&st)
		if e.Code == 0 {
			e.Code = resp.StatusCode
		}
		return e
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		msg = resp.Status
	}
	return &errdefs.Error{Code: resp.StatusCode, Message: "unable to upgrade connection: " + msg}
}

// clientSession is one dialed session. Writes share wmu: a WebSocket
// takes one writer at a time (control messages excepted).
type clientSession struct {
	conn *websocket.Conn
	v5   bool
	wmu  sync.Mutex
}

func (c *clientSession) run(ctx context.Context, s StreamOptions, ping time.Duration) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(done)
		c.conn.Close()
		wg.Wait()
	}()

	// Cancelling ctx says goodbye and drops the connection, which ends
	// the read loop below and every write.
	stop := context.AfterFunc(ctx, func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)) //nolint:errcheck
		c.conn.Close()
	})
	defer stop()

	// Liveness: every pong, and every message, pushes the read deadline
	// on; a server that answers nothing for missedPings periods is gone.
	deadline := ping*missedPings + time.Second
	extend := func() { c.conn.SetReadDeadline(time.Now().Add(deadline)) } //nolint:errcheck
	extend()
	c.conn.SetPongHandler(func(string) error { extend(); return nil })
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(ping)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// A failed ping is not fatal: the read deadline decides.
				c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(deadline)) //nolint:errcheck
			}
		}
	}()

	if s.Resize != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				case sz, ok := <-s.Resize:
					if !ok {
						return
					}
					b, _ := json.Marshal(sz)
					if c.write(channelResize, b) != nil {
						return
					}
				}
			}
		}()
	}

	if s.Stdin != nil {
		// Not in wg: see Stream's comment on Stdin.
		go c.copyStdin(s.Stdin)
	}

	status, err := c.readLoop(s, extend)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	return decodeStatus(status)
}

// readLoop demultiplexes the server's messages until it closes the
// session, and returns what the status channel carried.
func (c *clientSession) readLoop(s StreamOptions, extend func()) ([]byte, error) {
	var status []byte
	for {
		typ, r, err := c.conn.NextReader()
		if err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return status, nil
			}
			if len(status) > 0 {
				// The server said how it ended; the lost close does
				// not change that.
				return status, nil
			}
			return nil, fmt.Errorf("exec: the connection ended before the command: %w", err)
		}
		extend()
		if typ != websocket.BinaryMessage {
			continue
		}
		var ch [1]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			continue // an empty message carries nothing
		}
		var dst io.Writer = io.Discard
		switch ch[0] {
		case channelStdout:
			if s.Stdout != nil {
				dst = s.Stdout
			}
		case channelStderr:
			if s.Stderr != nil {
				dst = s.Stderr
			}
		case channelStatus:
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, fmt.Errorf("exec: reading the status: %w", err)
			}
			status = append(status, b...)
			continue
		}
		if _, err := io.Copy(dst, r); err != nil {
			return nil, fmt.Errorf("exec: %w", err)
		}
	}
}

func (c *clientSession) copyStdin(in io.Reader) {
	buf := make([]byte, stdinChunk)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if c.write(channelStdin, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			// The end of input, or a failure to read it: either way
			// the command will get no more.
			if c.v5 {
				c.writeRaw([]byte{signalClose, channelStdin}) //nolint:errcheck
			}
			return
		}
	}
}

func (c *clientSession) write(ch byte, p []byte) error {
	msg := make([]byte, 1+len(p))
	msg[0] = ch
	copy(msg[1:], p)
	return c.writeRaw(msg)
}

func (c *clientSession) writeRaw(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteMessage(websocket.BinaryMessage, msg)
}
