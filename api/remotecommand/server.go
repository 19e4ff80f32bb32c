package remotecommand

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

const (
	// maxMessage bounds one incoming message. Clients send stdin in
	// chunks of their copy buffer (32 KiB for kubectl and Executor).
	maxMessage = 4 << 20
	// closeGrace is how long the server waits for the client to answer
	// its close message before dropping the connection.
	closeGrace = 5 * time.Second
)

// Streams are an exec session's streams as the command sees them. A stream
// the client did not ask for is nil.
type Streams struct {
	// Stdin reads what the client sends; it ends (io.EOF) when the client
	// closes its stdin (v5) or goes away.
	Stdin io.Reader
	// Stdout and Stderr write to the client. With TTY, Stderr is nil: a
	// terminal has one output.
	Stdout io.Writer
	Stderr io.Writer
	TTY    bool
	// Resize delivers the client terminal's sizes (TTY only), the latest
	// one when the reader falls behind; it is closed when the client will
	// send no more.
	Resize <-chan TerminalSize
}

// RunFunc runs a session's command with its streams and returns the exit
// code. A non-nil error means the command could not be run, and the client
// is told that error (as errdefs.ToStatus renders it) instead of a code.
// ctx ends when the client goes away.
type RunFunc func(ctx context.Context, s Streams) (exitCode int, err error)

// ServeExec answers an exec request: it upgrades r to a WebSocket with the
// best subprotocol both ends speak (or, for kubectl before 1.30, to SPDY/3.1
// with protocol v4), runs run with the streams opts asks for, writes the
// final status and closes the connection. A request that cannot be
// upgraded gets a JSON Status reply (400 when it is neither a WebSocket
// nor a SPDY/3.1 upgrade request, or offers no protocol version this
// package speaks).
//
// The error is for the caller's log: the upgrade's failure, run's error or
// the failure to deliver the status; the client has been told what it can
// be told.
func ServeExec(w http.ResponseWriter, r *http.Request, opts Options, run RunFunc) error {
	if isSPDYUpgrade(r) {
		return serveSPDY(w, r, opts, run)
	}
	if !websocket.IsWebSocketUpgrade(r) {
		err := errdefs.BadRequest("exec needs a WebSocket upgrade request with subprotocol %s or %s", ProtocolV5, ProtocolV4)
		writeStatus(w, errdefs.ToStatus(err))
		return err
	}
	proto := negotiate(websocket.Subprotocols(r))
	if proto == "" {
		err := errdefs.BadRequest("exec needs WebSocket subprotocol %s or %s; the client offered %q", ProtocolV5, ProtocolV4, websocket.Subprotocols(r))
		writeStatus(w, errdefs.ToStatus(err))
		return err
	}
	up := websocket.Upgrader{
		// Requests authenticate with bearer tokens, never with ambient
		// credentials such as cookies, so a cross-site page gains
		// nothing; and behind the API server's proxy the Origin names
		// the API server, not this host.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, _ *http.Request, code int, reason error) {
			err := errdefs.BadRequest("%v", reason)
			if code == http.StatusMethodNotAllowed {
				err = errdefs.MethodNotAllowed("%v", reason)
			}
			st := errdefs.ToStatus(err)
			st.Code = int32(code)
			writeStatus(w, st)
		},
	}
	conn, err := up.Upgrade(w, r, http.Header{"Sec-Websocket-Protocol": {proto}})
	if err != nil {
		return err
	}
	s := newServerSession(conn, proto == ProtocolV5, opts)
	return s.serve(r.Context(), run)
}

// IsUpgradeRequest reports whether r asks to switch to a protocol
// ServeExec speaks, WebSocket or SPDY/3.1, so that a proxy can refuse any
// other request before it reaches the server.
func IsUpgradeRequest(r *http.Request) bool {
	return websocket.IsWebSocketUpgrade(r) || isSPDYUpgrade(r)
}

// negotiate picks the server's favourite among the offered subprotocols.
func negotiate(offered []string) string {
	for _, p := range []string{ProtocolV5, ProtocolV4} {
		if slices.Contains(offered, p) {
			return p
		}
	}
	return ""
}

// writeStatus replies with st as JSON, before any upgrade.
func writeStatus(w http.ResponseWriter, st *meta.Status) {
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	w.Write(b) //nolint:errcheck // the client is gone if this fails
}

// serverSession is one upgraded exec connection. Only the read loop
// touches stdin and resize, so they need no lock; writes share wmu because
// a WebSocket takes one writer at a time.
type serverSession struct {
	conn *websocket.Conn
	v5   bool
	opts Options

	wmu sync.Mutex

	stdin  *io.PipeWriter // nil without stdin, or once closed
	resize chan TerminalSize
}

func newServerSession(conn *websocket.Conn, v5 bool, opts Options) *serverSession {
	conn.SetReadLimit(maxMessage)
	return &serverSession{conn: conn, v5: v5, opts: opts}
}

func (s *serverSession) serve(ctx context.Context, run RunFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	streams := Streams{TTY: s.opts.TTY}
	var stdinR *io.PipeReader
	if s.opts.Stdin {
		stdinR, s.stdin = io.Pipe()
		streams.Stdin = stdinR
	}
	if s.opts.Stdout {
		streams.Stdout = channelWriter{s, channelStdout}
	}
	if s.opts.Stderr {
		streams.Stderr = channelWriter{s, channelStderr}
	}
	if s.opts.TTY {
		// One slot: a reader that falls behind gets the latest size.
		s.resize = make(chan TerminalSize, 1)
		streams.Resize = s.resize
	}

	// No empty "hello" message on the first output channel, as the
	// kubelet sends: kubectl's WebSocket client may not have set up its
	// streams yet when it arrives, and logs "Unknown stream id" for it.
	// The 101 response already says the session is up.

	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		s.readLoop()
		// The client has closed or gone: stop the command, and unblock
		// any write stuck on a dead peer.
		cancel()
		s.conn.Close()
	}()

	code, runErr := run(ctx, streams)
	if stdinR != nil {
		// Unblocks the read loop if it waits for the command to read.
		stdinR.CloseWithError(io.ErrClosedPipe)
	}
	statusErr := s.write(channelStatus, finalStatusJSON(code, runErr))
	if statusErr == nil {
		// Close normally and give the client a moment to answer, so that
		// it reads the close as a clean end rather than a dropped line.
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		if err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace)); err == nil {
			waitAtMost(readDone, closeGrace)
		}
	}
	s.conn.Close()
	<-readDone
	return errors.Join(runErr, statusErr)
}

// readLoop dispatches the client's messages until the connection ends,
// then ends the streams it feeds. It also answers pings: the default ping
// handler runs inside NextReader.
func (s *serverSession) readLoop() {
	defer func() {
		s.closeChannel(channelStdin)
		s.closeChannel(channelResize)
	}()
	for {
		typ, r, err := s.conn.NextReader()
		if err != nil {
			return
		}
		if typ != websocket.BinaryMessage {
			continue
		}
		msg, err := io.ReadAll(r)
		if err != nil {
			return
		}
		if len(msg) == 0 {
			continue
		}
		ch, payload := msg[0], msg[1:]
		switch {
		case ch == signalClose && s.v5:
			if len(payload) != 1 {
				return // a protocol error: nothing sensible follows
			}
			s.closeChannel(payload[0])
		case ch == channelStdin && s.stdin != nil:
			// Blocks until the command reads: back-pressure on a client
			// that sends faster than the command consumes. A closed
			// pipe (the command is done) drops the data.
			s.stdin.Write(payload) //nolint:errcheck
		case ch == channelResize && s.resize != nil:
			s.offerSizes(payload)
		}
	}
}

// offerSizes decodes the sizes of one resize message and hands over the
// latest. The read loop is the only sender.
func (s *serverSession) offerSizes(payload []byte) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	for {
		var sz TerminalSize
		if err := dec.Decode(&sz); err != nil {
			return
		}
		offerLatest(s.resize, sz)
	}
}

// offerLatest puts sz in the one-slot ch, replacing a size the command has
// not taken yet: a reader that falls behind gets the latest. The caller
// must be ch's only sender, so that the slot it empties stays free.
func offerLatest(ch chan TerminalSize, sz TerminalSize) {
	select {
	case ch <- sz:
	default:
		select {
		case <-ch:
		default:
		}
		ch <- sz
	}
}

// waitAtMost waits for done, or for d to pass.
func waitAtMost(done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func (s *serverSession) closeChannel(ch byte) {
	switch ch {
	case channelStdin:
		if s.stdin != nil {
			s.stdin.Close()
			s.stdin = nil
		}
	case channelResize:
		if s.resize != nil {
			close(s.resize)
			s.resize = nil
		}
	}
}

// write sends one message on channel ch.
func (s *serverSession) write(ch byte, p []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w, err := s.conn.NextWriter(websocket.BinaryMessage)
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte{ch}); err != nil {
		w.Close()
		return err
	}
	if _, err := w.Write(p); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// channelWriter is the command's stdout or stderr.
type channelWriter struct {
	s  *serverSession
	ch byte
}

func (w channelWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := w.s.write(w.ch, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
