package remotecommand

import (
	"errors"
	"io"
	"net"
	"sync"
)

// maxDataChunk bounds the DATA frames the server sends, so that one large
// write of the command does not hold the connection for long.
const maxDataChunk = 32 << 10

// errStreamReset is a write to a stream the client has reset.
var errStreamReset = errors.New("spdy: the client reset the stream")

// spdyConn is the server end of one SPDY connection. Reading is the
// session's read loop's alone; any goroutine may write, one frame at a
// time, because header compression needs the frames in the order they were
// encoded.
type spdyConn struct {
	nc net.Conn
	fr *frameReader

	wmu sync.Mutex
	fw  *frameWriter
	// reset holds the streams the client has reset: their writes fail
	// rather than send frames the client would drop.
	reset map[uint32]bool
}

// newSPDYConn serves nc, reading through r (which may hold bytes the
// client sent right behind its upgrade request).
func newSPDYConn(nc net.Conn, r io.Reader) *spdyConn {
	return &spdyConn{nc: nc, fr: newFrameReader(r), fw: newFrameWriter(), reset: map[uint32]bool{}}
}

func (c *spdyConn) readFrame() (*frame, error) { return c.fr.next() }

// write sends one frame.
func (c *spdyConn) write(f *frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if f.typ == frameData && c.reset[f.streamID] {
		return errStreamReset
	}
	b, err := c.fw.encode(f)
	if err != nil {
		return err
	}
	_, err = c.nc.Write(b)
	return err
}

// markReset records that the client reset stream id.
func (c *spdyConn) markReset(id uint32) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.reset[id] = true
}

// sendData writes p on stream id in frames of at most maxDataChunk bytes,
// ending the stream after it when fin is set.
func (c *spdyConn) sendData(id uint32, p []byte, fin bool) error {
	for {
		n := min(len(p), maxDataChunk)
		f := &frame{typ: frameData, streamID: id, data: p[:n]}
		if fin && n == len(p) {
			f.flags = flagFin
		}
		if err := c.write(f); err != nil {
			return err
		}
		p = p[n:]
		if len(p) == 0 {
			return nil
		}
	}
}

// spdyWriter is the command's stdout or stderr.
type spdyWriter struct {
	c  *spdyConn
	id uint32
}

func (w spdyWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := w.c.sendData(w.id, p, false); err != nil {
		return 0, err
	}
	return len(p), nil
}
