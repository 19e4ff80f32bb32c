package remotecommand

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spdyClient is the least of a SPDY remotecommand client: enough to open
// streams, send on them and record what the server sends.
type spdyClient struct {
	t      *testing.T
	nc     *tls.Conn
	fw     *frameWriter
	frames chan *frame // from the read goroutine, closed at the end
	nextID uint32

	data    map[uint32]*bytes.Buffer
	fin     map[uint32]bool
	windows map[uint32]uint32 // WINDOW_UPDATE deltas by stream
	seen    []*frame
}

// spdyRequest sends an upgrade request for opts to srv and returns the
// connection and the response to it.
func spdyRequest(t *testing.T, srv *httptest.Server, opts Options, protocols ...string) (*tls.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	nc, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	q := url.Values{}
	opts.AddTo(q)
	req := "POST /exec?" + q.Encode() + " HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
	for _, p := range protocols {
		req += "X-Stream-Protocol-Version: " + p + "\r\n"
	}
	if _, err := io.WriteString(nc, req+"Content-Length: 0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return nc, br, resp
}

// dialSPDY upgrades a connection to srv, checking the 101 response.
func dialSPDY(t *testing.T, srv *httptest.Server, opts Options) *spdyClient {
	t.Helper()
	nc, br, resp := spdyRequest(t, srv, opts, "v4.channel.k8s.io", "v3.channel.k8s.io")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("got status %d (%s), want 101", resp.StatusCode, b)
	}
	got := map[string]string{}
	for _, h := range []string{"Connection", "Upgrade", "X-Stream-Protocol-Version"} {
		got[h] = resp.Header.Get(h)
	}
	want := map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("101 response headers (-want +got):\n%s", diff)
	}
	c := &spdyClient{
		t: t, nc: nc, fw: newFrameWriter(), frames: make(chan *frame, 1024), nextID: 1,
		data: map[uint32]*bytes.Buffer{}, fin: map[uint32]bool{}, windows: map[uint32]uint32{},
	}
	go func() {
		defer close(c.frames)
		fr := newFrameReader(br)
		for {
			f, err := fr.next()
			if err != nil {
				return
			}
			c.frames <- f
		}
	}()
	return c
}

func (c *spdyClient) send(f *frame) {
	c.t.Helper()
	b, err := c.fw.encode(f)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("sending frame type %d: %v", f.typ, err)
	}
}

// until records the server's frames until one satisfies done.
func (c *spdyClient) until(what string, done func(*frame) bool) *frame {
	c.t.Helper()
	deadline := time.After(testTimeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("the connection ended while waiting for %s", what)
			}
			c.seen = append(c.seen, f)
			switch f.typ {
			case frameData:
				if c.data[f.streamID] == nil {
					c.data[f.streamID] = &bytes.Buffer{}
				}
				c.data[f.streamID].Write(f.data)
				if f.flags&flagFin != 0 {
					c.fin[f.streamID] = true
				}
			case frameWindowUpdate:
				c.windows[f.streamID] += f.delta
			}
			if done(f) {
				return f
			}
		case <-deadline:
			c.t.Fatalf("no %s within %s", what, testTimeout)
		}
	}
}

// open opens a stream of type typ and returns its id and the server's
// answer (SYN_REPLY or RST_STREAM).
func (c *spdyClient) open(typ string) (uint32, *frame) {
	c.t.Helper()
	id := c.nextID
	c.nextID += 2
	c.send(&frame{typ: frameSynStream, streamID: id, header: http.Header{"Streamtype": {typ}}})
	f := c.until("an answer to stream "+typ, func(f *frame) bool {
		return f.streamID == id && (f.typ == frameSynReply || f.typ == frameRstStream)
	})
	return id, f
}

func (c *spdyClient) mustOpen(typ string) uint32 {
	c.t.Helper()
	id, f := c.open(typ)
	if f.typ != frameSynReply {
		c.t.Fatalf("got frame type %d for stream %s, want SYN_REPLY", f.typ, typ)
	}
	return id
}

func (c *spdyClient) output(id uint32) string {
	if b := c.data[id]; b != nil {
		return b.String()
	}
	return ""
}

// spdyIDs are the ids of a session's streams, 0 for those not open.
type spdyIDs struct{ errs, stdin, stdout, stderr, resize uint32 }

// openAll opens the streams o needs, in kubectl's order.
func (c *spdyClient) openAll(o Options) spdyIDs {
	c.t.Helper()
	var ids spdyIDs
	ids.errs = c.mustOpen(streamTypeError)
	if o.Stdin {
		ids.stdin = c.mustOpen(streamTypeStdin)
	}
	if o.Stdout {
		ids.stdout = c.mustOpen(streamTypeStdout)
	}
	if o.Stderr && !o.TTY {
		ids.stderr = c.mustOpen(streamTypeStderr)
	}
	if o.TTY {
		ids.resize = c.mustOpen(streamTypeResize)
	}
	return ids
}

// finish waits for the end of the error stream and returns the result it
// carries, checking that the outputs ended before it and a GOAWAY follows.
func (c *spdyClient) finish(ids spdyIDs) error {
	c.t.Helper()
	c.until("the end of the error stream", func(f *frame) bool { return c.fin[ids.errs] })
	for _, id := range []uint32{ids.stdout, ids.stderr} {
		if id != 0 && !c.fin[id] {
			c.t.Errorf("stream %d had not ended when the status came, want it ended", id)
		}
	}
	c.until("GOAWAY", func(f *frame) bool { return f.typ == frameGoAway })
	return decodeStatus([]byte(c.output(ids.errs)))
}

func TestSPDYExecResult(t *testing.T) {
	tests := []struct {
		name  string
		code  int
		err   error
		check func(error) bool
	}{
		{"success", 0, nil, func(err error) bool { return err == nil }},
		{"non-zero exit", 3, nil, func(err error) bool {
			var ee ExitError
			return errors.As(err, &ee) && ee.Code == 3
		}},
		{"the command could not run", 0, errors.New("shim died"), func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "shim died")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
				fmt.Fprint(s.Stdout, "out")
				fmt.Fprint(s.Stderr, "err")
				return tt.code, tt.err
			})
			o := Options{Stdout: true, Stderr: true}
			c := dialSPDY(t, srv, o)
			ids := c.openAll(o)
			err := c.finish(ids)
			if !tt.check(err) {
				t.Fatalf("got result %v (%T), want %s", err, err, tt.name)
			}
			if got := c.output(ids.stdout); got != "out" {
				t.Errorf("got stdout %q, want %q", got, "out")
			}
			if got := c.output(ids.stderr); got != "err" {
				t.Errorf("got stderr %q, want %q", got, "err")
			}
		})
	}
}

func TestSPDYStdin(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		// ReadAll returns only once the stdin stream ends.
		b, err := io.ReadAll(s.Stdin)
		if err != nil {
			return 0, err
		}
		fmt.Fprint(s.Stdout, strings.ToUpper(string(b)))
		return 0, nil
	})
	o := Options{Stdin: true, Stdout: true}
	c := dialSPDY(t, srv, o)
	ids := c.openAll(o)
	// Several times the 64 KiB window a counting server would grant.
	in := strings.Repeat("hello ", 40000)
	for p := []byte(in); len(p) > 0; {
		n := min(len(p), 32<<10)
		c.send(&frame{typ: frameData, streamID: ids.stdin, data: p[:n]})
		p = p[n:]
	}
	c.send(&frame{typ: frameData, flags: flagFin, streamID: ids.stdin})
	if err := c.finish(ids); err != nil {
		t.Fatalf("got result %v, want success", err)
	}
	if got, want := c.output(ids.stdout), strings.ToUpper(in); got != want {
		t.Errorf("got %d bytes of stdout, want %d", len(got), len(want))
	}
	// Window comes back for all the data, on the stream and the session.
	for _, id := range []uint32{ids.stdin, 0} {
		if got, want := c.windows[id], uint32(len(in)); got != want {
			t.Errorf("got window updates of %d bytes on stream %d, want %d", got, id, want)
		}
	}
}

func TestSPDYTerminalResizes(t *testing.T) {
	sizes := make(chan TerminalSize)
	srv := execServer(t, echoSizes(sizes))
	o := Options{Stdin: true, Stdout: true, TTY: true}
	c := dialSPDY(t, srv, o)
	ids := c.openAll(o)
	// The second size comes in two frames: the stream is a byte stream.
	msgs := [][]byte{[]byte(`{"Width":80,"Height":24}`), []byte(`{"Width":120,`), []byte(`"Height":40}`)}
	var got []TerminalSize
	for i, m := range msgs {
		c.send(&frame{typ: frameData, streamID: ids.resize, data: m})
		if i == 1 {
			continue
		}
		got = append(got, within(t, sizes, fmt.Sprintf("the command to get size %d", len(got)+1)))
	}
	if err := c.finish(ids); err != nil {
		t.Fatalf("got result %v, want success", err)
	}
	if diff := cmp.Diff([]TerminalSize{{80, 24}, {120, 40}}, got); diff != "" {
		t.Errorf("sizes (-want +got):\n%s", diff)
	}
	if got, want := c.output(ids.stdout), "80x24\n120x40\n"; got != want {
		t.Errorf("got stdout %q, want %q", got, want)
	}
}

func TestSPDYPingIsEchoed(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	c := dialSPDY(t, srv, Options{Stdout: true})
	c.send(&frame{typ: frameSettings, settings: []setting{{id: 7, value: 65536}}})
	c.send(&frame{typ: framePing, pingID: 1})
	f := c.until("a ping", func(f *frame) bool { return f.typ == framePing })
	if f.pingID != 1 {
		t.Errorf("got ping %d, want 1", f.pingID)
	}
}

func TestSPDYRefusesUnknownAndRepeatedStreams(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	c := dialSPDY(t, srv, Options{Stdout: true, Stderr: true})
	c.mustOpen(streamTypeError)
	for _, typ := range []string{"bogus", streamTypeError} {
		_, f := c.open(typ)
		if f.typ != frameRstStream || f.status != rstRefusedStream {
			t.Errorf("stream %s: got frame type %d status %d, want RST_STREAM %d", typ, f.typ, f.status, rstRefusedStream)
		}
	}
}

func TestSPDYClientGoneEndsTheCommand(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan error, 1)
	srv := execServer(t, untilCancelled(started, ended))
	o := Options{Stdout: true}
	c := dialSPDY(t, srv, o)
	c.openAll(o)
	within(t, started, "the command to start")
	c.nc.Close()
	if err := within(t, ended, "the command's context to end when the client left"); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v in the command, want context.Canceled", err)
	}
}

func TestSPDYUpgradeNeedsV4(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	for _, offered := range [][]string{nil, {"v3.channel.k8s.io", "v2.channel.k8s.io"}} {
		t.Run(fmt.Sprintf("%q", offered), func(t *testing.T) {
			_, _, resp := spdyRequest(t, srv, Options{Stdout: true}, offered...)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("got status %d, want 400", resp.StatusCode)
			}
			var st struct{ Message string }
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
				t.Fatalf("got a body that is no Status: %v", err)
			}
			if !strings.Contains(st.Message, "v4.channel.k8s.io") {
				t.Errorf("got message %q, want it to name v4.channel.k8s.io", st.Message)
			}
		})
	}
}

func TestSPDYUnreadStdinDoesNotHoldTheSession(t *testing.T) {
	// The command never reads stdin, so the read loop is left waiting to
	// hand over the client's data when the command ends; the session must
	// still notice the client's close at once.
	served := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		opts, _ := ParseOptions(r.URL.Query())
		ServeExec(w, r, opts, func(ctx context.Context, s Streams) (int, error) { return 0, nil }) //nolint:errcheck
	}))
	t.Cleanup(srv.Close)
	o := Options{Stdin: true, Stdout: true}
	c := dialSPDY(t, srv, o)
	ids := c.openAll(o)
	c.send(&frame{typ: frameData, streamID: ids.stdin, data: []byte("unread")})
	if err := c.finish(ids); err != nil {
		t.Fatalf("got result %v, want success", err)
	}
	c.nc.Close()
	select {
	case <-served:
	case <-time.After(closeGrace / 2):
		t.Fatalf("ServeExec still runs %s after the client closed, want it done", closeGrace/2)
	}
}
