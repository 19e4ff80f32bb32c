package remotecommand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf/wharf/api/errdefs"
)

// The SPDY dialect of remotecommand, which kubectl before 1.30 speaks: the
// client upgrades to SPDY/3.1 naming the protocol versions it knows in
// X-Stream-Protocol-Version, then opens one SPDY stream per purpose, named
// by its streamType header. The server answers each, runs the command once
// all it expects are open, ends stdout and stderr, and writes the v4
// Status JSON on the error stream. A stream's end (FIN) is the end of the
// client's stdin; resize carries a sequence of JSON sizes.
const (
	spdyProtocol            = "SPDY/3.1"
	headerProtocolVersion   = "X-Stream-Protocol-Version"
	headerStreamType        = "streamType"
	streamTypeError         = "error"
	streamTypeStdin         = "stdin"
	streamTypeStdout        = "stdout"
	streamTypeStderr        = "stderr"
	streamTypeResize        = "resize"
	spdyStreamCreateTimeout = 30 * time.Second
)

// isSPDYUpgrade reports whether r asks to switch to SPDY/3.1.
func isSPDYUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), spdyProtocol)
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// serveSPDY is ServeExec for a SPDY/3.1 upgrade request. Only protocol v4
// is spoken: every kubectl that uses SPDY offers it, and the older ones
// report exit codes in ways this server does not write.
func serveSPDY(w http.ResponseWriter, r *http.Request, opts Options, run RunFunc) error {
	if !headerHasToken(r.Header, headerProtocolVersion, ProtocolV4) {
		err := errdefs.BadRequest("exec over SPDY needs %s %s; the client offered %q", headerProtocolVersion, ProtocolV4, r.Header.Values(headerProtocolVersion))
		writeStatus(w, errdefs.ToStatus(err))
		return err
	}
	hj, ok := w.(http.Hijacker)
	if r.ProtoMajor != 1 || !ok {
		err := errdefs.BadRequest("exec over SPDY needs an HTTP/1.1 connection, not HTTP/%d", r.ProtoMajor)
		writeStatus(w, errdefs.ToStatus(err))
		return err
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return fmt.Errorf("exec: taking over the connection: %w", err)
	}
	// The server's read and write timeouts were for the request.
	nc.SetDeadline(time.Time{}) //nolint:errcheck // fails only on a closed connection, which the writes report
	resp := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Connection: Upgrade\r\n" +
		"Upgrade: " + spdyProtocol + "\r\n" +
		headerProtocolVersion + ": " + ProtocolV4 + "\r\n\r\n"
	if _, err := io.WriteString(nc, resp); err != nil {
		nc.Close()
		return fmt.Errorf("exec: switching to SPDY: %w", err)
	}
	s := newSPDYSession(newSPDYConn(nc, brw.Reader), opts)
	return s.serve(r.Context(), run)
}

// spdySession is one exec over SPDY. The read loop owns byID, lastID and
// the input pipes, and fills streams until it closes ready; after that,
// streams is read-only.
type spdySession struct {
	c    *spdyConn
	opts Options

	streams map[string]uint32 // stream type → id
	ready   chan struct{}

	byID   map[uint32]string
	lastID atomic.Uint32
	stdin  *io.PipeWriter // nil without stdin, or once ended
	resize *io.PipeWriter // nil without a TTY, or once ended
}

func newSPDYSession(c *spdyConn, opts Options) *spdySession {
	return &spdySession{c: c, opts: opts, streams: map[string]uint32{}, ready: make(chan struct{}), byID: map[uint32]string{}}
}

// wanted reports the stream types the command needs before it can run.
func (s *spdySession) wanted() []string {
	w := []string{streamTypeError}
	for _, t := range []struct {
		typ string
		on  bool
	}{{streamTypeStdin, s.opts.Stdin}, {streamTypeStdout, s.opts.Stdout}, {streamTypeStderr, s.opts.Stderr}, {streamTypeResize, s.opts.TTY}} {
		if t.on {
			w = append(w, t.typ)
		}
	}
	return w
}

func (s *spdySession) serve(ctx context.Context, run RunFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var stdinR, resizeR *io.PipeReader
	if s.opts.Stdin {
		stdinR, s.stdin = io.Pipe()
	}
	if s.opts.TTY {
		resizeR, s.resize = io.Pipe()
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		s.readLoop()
		// The client has closed or gone: stop the command, and unblock
		// any write stuck on a dead peer.
		cancel()
		s.c.nc.Close()
	}()
	// endInputs unblocks the read loop if it waits for the command to
	// read; the command is not going to any more.
	endInputs := func() {
		if stdinR != nil {
			stdinR.CloseWithError(io.ErrClosedPipe)
		}
		if resizeR != nil {
			resizeR.CloseWithError(io.ErrClosedPipe)
		}
	}
	shutdown := func() {
		endInputs()
		s.c.nc.Close()
		<-readDone
	}

	t := time.NewTimer(spdyStreamCreateTimeout)
	defer t.Stop()
	select {
	case <-s.ready:
	case <-readDone:
		shutdown()
		return errors.New("exec: the client went away before opening its streams")
	case <-t.C:
		shutdown()
		return fmt.Errorf("exec: the client did not open its streams (%s) within %s", strings.Join(s.wanted(), ", "), spdyStreamCreateTimeout)
	case <-ctx.Done():
		shutdown()
		return ctx.Err()
	}

	streams := Streams{TTY: s.opts.TTY}
	if stdinR != nil {
		streams.Stdin = stdinR
	}
	if s.opts.Stdout {
		streams.Stdout = spdyWriter{s.c, s.streams[streamTypeStdout]}
	}
	if s.opts.Stderr {
		streams.Stderr = spdyWriter{s.c, s.streams[streamTypeStderr]}
	}
	var sizes sync.WaitGroup
	if resizeR != nil {
		// One slot: a reader that falls behind gets the latest size.
		ch := make(chan TerminalSize, 1)
		streams.Resize = ch
		sizes.Go(func() { decodeSizes(resizeR, ch) })
	}

	code, runErr := run(ctx, streams)
	endInputs()
	statusErr := s.finish(finalStatusJSON(code, runErr))
	if statusErr == nil {
		// Give the client a moment to read everything and close, so that
		// it does not see the end as a dropped line.
		waitAtMost(readDone, closeGrace)
	}
	shutdown()
	sizes.Wait()
	return errors.Join(runErr, statusErr)
}

func finalStatusJSON(code int, runErr error) []byte {
	b, _ := json.Marshal(finalStatus(code, runErr))
	return b
}

// finish ends the output streams, then delivers the status on the error
// stream and ends it, and says the session is over. kubectl waits for the
// ends of stdout and stderr before it looks at the status.
func (s *spdySession) finish(status []byte) error {
	for _, typ := range []string{streamTypeStdout, streamTypeStderr} {
		if id, ok := s.streams[typ]; ok {
			// A stream the client reset needs no end.
			if err := s.c.sendData(id, nil, true); err != nil && !errors.Is(err, errStreamReset) {
				return err
			}
		}
	}
	if err := s.c.sendData(s.streams[streamTypeError], status, true); err != nil {
		return err
	}
	return s.c.write(&frame{typ: frameGoAway, streamID: s.lastID.Load(), status: goAwayOK})
}

// readLoop handles the client's frames until the connection ends, then
// ends the input streams it feeds.
func (s *spdySession) readLoop() {
	defer func() {
		s.endInput(streamTypeStdin)
		s.endInput(streamTypeResize)
	}()
	for {
		f, err := s.c.readFrame()
		if err != nil {
			return
		}
		switch f.typ {
		case frameSynStream:
			err = s.accept(f)
		case frameData:
			err = s.receive(f)
		case frameRstStream:
			s.clientReset(f.streamID)
		case framePing:
			// Echo the client's pings (odd ids); an even one would answer
			// a ping of ours, and the server sends none.
			if f.pingID%2 == 1 {
				err = s.c.write(f)
			}
		}
		// GOAWAY needs nothing: the client sends it as it closes, and the
		// reads end with the connection. SETTINGS and WINDOW_UPDATE are
		// for flow control, which kubectl's SPDY library does not do (it
		// never grants window), so the server sends without counting.
		if err != nil {
			return
		}
	}
}

// accept answers a SYN_STREAM: a stream of a known type the session has
// not got yet gets a SYN_REPLY, any other a RST_STREAM.
func (s *spdySession) accept(f *frame) error {
	id := f.streamID
	if id%2 == 0 || id <= s.lastID.Load() {
		// Client streams have odd, increasing ids.
		return s.c.write(&frame{typ: frameRstStream, streamID: id, status: rstProtocolError})
	}
	s.lastID.Store(id)
	typ := f.header.Get(headerStreamType)
	_, refuse := s.streams[typ] // one stream per type
	select {
	case <-s.ready:
		// Too late: the command runs with the streams it has.
		refuse = true
	default:
	}
	switch typ {
	case streamTypeError, streamTypeStdin, streamTypeStdout, streamTypeStderr, streamTypeResize:
	default:
		refuse = true
	}
	if refuse {
		return s.c.write(&frame{typ: frameRstStream, streamID: id, status: rstRefusedStream})
	}
	s.streams[typ] = id
	s.byID[id] = typ
	if err := s.c.write(&frame{typ: frameSynReply, streamID: id, header: http.Header{}}); err != nil {
		return err
	}
	if f.flags&flagFin != 0 {
		s.endInput(typ)
	}
	for _, w := range s.wanted() {
		if _, ok := s.streams[w]; !ok {
			return nil
		}
	}
	close(s.ready)
	return nil
}

// receive handles DATA from the client.
func (s *spdySession) receive(f *frame) error {
	typ, ok := s.byID[f.streamID]
	if !ok {
		return nil // a stream refused or never opened: drop
	}
	var in *io.PipeWriter
	switch typ {
	case streamTypeStdin:
		in = s.stdin
	case streamTypeResize:
		in = s.resize
	}
	if in != nil && len(f.data) > 0 {
		// Blocks until the command reads: back-pressure on a client that
		// sends faster than the command consumes. A closed pipe (the
		// command is done) drops the data.
		in.Write(f.data) //nolint:errcheck
	}
	if len(f.data) > 0 {
		// Grant the window back once the data is consumed, for the
		// stream and (SPDY/3.1) the session, so that a client that does
		// count windows keeps sending.
		for _, sid := range []uint32{f.streamID, 0} {
			if err := s.c.write(&frame{typ: frameWindowUpdate, streamID: sid, delta: uint32(len(f.data))}); err != nil {
				return err
			}
		}
	}
	if f.flags&flagFin != 0 {
		s.endInput(typ)
	}
	return nil
}

// clientReset handles RST_STREAM: the client will neither send nor read
// on the stream any more.
func (s *spdySession) clientReset(id uint32) {
	typ, ok := s.byID[id]
	if !ok {
		return
	}
	s.endInput(typ)
	s.c.markReset(id)
}

// endInput ends the command's side of an input stream.
func (s *spdySession) endInput(typ string) {
	switch typ {
	case streamTypeStdin:
		if s.stdin != nil {
			s.stdin.Close()
			s.stdin = nil
		}
	case streamTypeResize:
		if s.resize != nil {
			s.resize.Close()
			s.resize = nil
		}
	}
}

// decodeSizes hands over the sizes the client writes on the resize
// stream, as out's only sender, and closes out at the stream's end.
func decodeSizes(r io.Reader, out chan TerminalSize) {
	defer close(out)
	dec := json.NewDecoder(r)
	for {
		var sz TerminalSize
		if err := dec.Decode(&sz); err != nil {
			return
		}
		offerLatest(out, sz)
	}
}
