package remotecommand

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy, version 3, with the
// session-level WINDOW_UPDATE of 3.1): just what a server of Kubernetes'
// remotecommand streams needs. Every frame has an 8-byte header. A control
// frame: 1 bit set, 15 bits version, 16 bits type, 8 bits flags, 24 bits
// length. A data frame: 1 bit clear, 31 bits stream id, 8 bits flags, 24
// bits length.

const spdyVersion = 3

// frameType is a control frame's type; frameData stands for data frames,
// which carry none on the wire.
type frameType uint16

const (
	frameData         frameType = 0
	frameSynStream    frameType = 1
	frameSynReply     frameType = 2
	frameRstStream    frameType = 3
	frameSettings     frameType = 4
	framePing         frameType = 6
	frameGoAway       frameType = 7
	frameHeaders      frameType = 8
	frameWindowUpdate frameType = 9
)

// Frame flags. FIN ends the sender's half of a stream, on SYN_STREAM,
// SYN_REPLY, HEADERS and DATA alike.
const (
	flagFin            byte = 0x01
	flagUnidirectional byte = 0x02
)

// RST_STREAM status codes.
const (
	rstProtocolError uint32 = 1
	rstRefusedStream uint32 = 3
)

// goAwayOK is the GOAWAY status of a session that ends normally.
const goAwayOK uint32 = 0

const (
	// maxFrameLength is what the 24-bit length field holds.
	maxFrameLength = 1<<24 - 1
	// maxControlLength bounds a control frame: their header blocks are a
	// few names, and nothing else in them is variable.
	maxControlLength = 1 << 20
	// maxHeaderBlock bounds a decompressed header block, so that a small
	// frame cannot inflate into a large allocation.
	maxHeaderBlock = 1 << 20
)

// setting is one entry of a SETTINGS frame.
type setting struct {
	flags byte
	id    uint32 // 24 bits
	value uint32
}

// frame is one decoded SPDY frame; which fields mean something depends on
// typ. One struct rather than a type per frame keeps the reader and the
// tables of tests short.
type frame struct {
	typ   frameType
	flags byte
	// streamID is the stream of DATA, SYN_STREAM, SYN_REPLY, RST_STREAM,
	// HEADERS and WINDOW_UPDATE (0 for the whole session), and the last
	// stream the sender accepted for GOAWAY.
	streamID uint32
	// assocID and priority belong to SYN_STREAM.
	assocID  uint32
	priority byte
	// header is the name/value block of SYN_STREAM, SYN_REPLY and HEADERS,
	// names canonicalised as net/http does.
	header http.Header
	// status is RST_STREAM's and GOAWAY's.
	status   uint32
	pingID   uint32
	delta    uint32 // WINDOW_UPDATE
	settings []setting
	data     []byte // DATA
}

// headerDictionary primes the zlib streams that carry header blocks, as
// section 2.6.10.1 of the SPDY/3 draft prescribes: common header names and
// values, each after its 32-bit length, then a run of status lines, dates
// and media types. Both ends must prime with exactly these 1423 bytes.
var headerDictionary = func() []byte {
	words := []string{
		"options", "head", "post", "put", "delete", "trace", "accept",
		"accept-charset", "accept-encoding", "accept-language",
		"accept-ranges", "age", "allow", "authorization", "cache-control",
		"connection", "content-base", "content-encoding",
		"content-language", "content-length", "content-location",
		"content-md5", "content-range", "content-type", "date", "etag",
		"expect", "expires", "from", "host", "if-match",
		"if-modified-since", "if-none-match", "if-range",
		"if-unmodified-since", "last-modified", "location",
		"max-forwards", "pragma", "proxy-authenticate",
		"proxy-authorization", "range", "referer", "retry-after",
		"server", "te", "trailer", "transfer-encoding", "upgrade",
		"user-agent", "vary", "via", "warning", "www-authenticate",
		"method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
		"public", "set-cookie", "keep-alive", "origin",
	}
	const tail = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
		"203 Non-Authoritative Information204 No Content301 Moved Permanently" +
		"400 Bad Request401 Unauthorized403 Forbidden404 Not Found" +
		"500 Internal Server Error501 Not Implemented503 Service Unavailable" +
		"Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 " +
		"Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
		"chunked,text/html,image/png,image/jpg,image/gif,application/xml," +
		"application/xhtml+xml,text/plain,text/javascript," +
		"publicprivatemax-age=gzip,deflate,sdch" +
		"charset=utf-8charset=iso-8859-1,utf-,*,enq=0."
	var b []byte
	for _, w := range words {
		b = binary.BigEndian.AppendUint32(b, uint32(len(w)))
		b = append(b, w...)
	}
	return append(b, tail...)
}()

// errFrame reports a frame that breaks the protocol: the session cannot
// go on after one, since the header compression state may be lost.
var errFrame = errors.New("spdy: malformed frame")

// frameWriter encodes frames. Header blocks of one direction share one
// zlib stream for the whole session, so frames must be encoded in the
// order they are sent: one writer per connection, used under a lock.
type frameWriter struct {
	zbuf bytes.Buffer
	zw   *zlib.Writer
}

func newFrameWriter() *frameWriter {
	fw := &frameWriter{}
	// Only fails for an invalid level.
	fw.zw, _ = zlib.NewWriterLevelDict(&fw.zbuf, zlib.DefaultCompression, headerDictionary)
	return fw
}

// encode returns f as it goes on the wire.
func (fw *frameWriter) encode(f *frame) ([]byte, error) {
	var p []byte
	u32 := func(v uint32) { p = binary.BigEndian.AppendUint32(p, v) }
	switch f.typ {
	case frameData:
		if len(f.data) > maxFrameLength {
			return nil, fmt.Errorf("spdy: %d bytes of data do not fit one frame", len(f.data))
		}
		b := binary.BigEndian.AppendUint32(make([]byte, 0, 8+len(f.data)), f.streamID&0x7fffffff)
		b = binary.BigEndian.AppendUint32(b, uint32(f.flags)<<24|uint32(len(f.data)))
		return append(b, f.data...), nil
	case frameSynStream:
		u32(f.streamID & 0x7fffffff)
		u32(f.assocID & 0x7fffffff)
		p = append(p, f.priority<<5, 0) // priority, then the unused credential slot
		block, err := fw.compress(f.header)
		if err != nil {
			return nil, err
		}
		p = append(p, block...)
	case frameSynReply, frameHeaders:
		u32(f.streamID & 0x7fffffff)
		block, err := fw.compress(f.header)
		if err != nil {
			return nil, err
		}
		p = append(p, block...)
	case frameRstStream:
		u32(f.streamID & 0x7fffffff)
		u32(f.status)
	case frameSettings:
		u32(uint32(len(f.settings)))
		for _, s := range f.settings {
			u32(uint32(s.flags)<<24 | s.id&0xffffff)
			u32(s.value)
		}
	case framePing:
		u32(f.pingID)
	case frameGoAway:
		u32(f.streamID & 0x7fffffff)
		u32(f.status)
	case frameWindowUpdate:
		u32(f.streamID & 0x7fffffff)
		u32(f.delta & 0x7fffffff)
	default:
		return nil, fmt.Errorf("spdy: cannot encode frame type %d", f.typ)
	}
	if len(p) > maxFrameLength {
		return nil, fmt.Errorf("spdy: a %d-byte control frame does not fit", len(p))
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 8+len(p)), 1<<31|spdyVersion<<16|uint32(f.typ))
	b = binary.BigEndian.AppendUint32(b, uint32(f.flags)<<24|uint32(len(p)))
	return append(b, p...), nil
}

// compress renders h as a name/value block (a count, then each name and
// its values joined by NUL, each after its 32-bit length; names in lower
// case and, for a stable encoding, in order) and compresses it with a sync
// flush, so that the peer can decode it without what follows.
func (fw *frameWriter) compress(h http.Header) ([]byte, error) {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	slices.Sort(names)
	block := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	for _, n := range names {
		v := strings.Join(h[n], "\x00")
		block = binary.BigEndian.AppendUint32(block, uint32(len(n)))
		block = append(block, strings.ToLower(n)...)
		block = binary.BigEndian.AppendUint32(block, uint32(len(v)))
		block = append(block, v...)
	}
	fw.zbuf.Reset()
	if _, err := fw.zw.Write(block); err != nil {
		return nil, err
	}
	if err := fw.zw.Flush(); err != nil {
		return nil, err
	}
	return bytes.Clone(fw.zbuf.Bytes()), nil
}

// frameReader decodes the frames of one direction of a session.
type frameReader struct {
	r io.Reader
	// zin holds compressed header bytes not yet decoded. Being an
	// io.ByteReader, it lets flate read exactly the bits it needs, so the
	// end of one frame's block (its sync flush marker) stays here for the
	// next block rather than being lost in a read-ahead buffer.
	zin bytes.Buffer
	// zr is created at the first header block: it reads the zlib stream
	// header on creation.
	zr io.ReadCloser
}

func newFrameReader(r io.Reader) *frameReader { return &frameReader{r: r} }

// next reads one frame. Control frames of types it does not know come back
// with their type and flags only, to be ignored as the draft says.
func (fr *frameReader) next() (*frame, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return nil, err
	}
	w1, w2 := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
	f := &frame{flags: byte(w2 >> 24)}
	length := w2 & 0xffffff
	if w1&(1<<31) == 0 {
		f.typ = frameData
		f.streamID = w1 & 0x7fffffff
		f.data = make([]byte, length)
		if _, err := io.ReadFull(fr.r, f.data); err != nil {
			return nil, noEOF(err)
		}
		return f, nil
	}
	if v := w1 >> 16 & 0x7fff; v != spdyVersion {
		return nil, fmt.Errorf("%w: SPDY version %d, want %d", errFrame, v, spdyVersion)
	}
	f.typ = frameType(w1 & 0xffff)
	if length > maxControlLength {
		return nil, fmt.Errorf("%w: a %d-byte control frame", errFrame, length)
	}
	p := make([]byte, length)
	if _, err := io.ReadFull(fr.r, p); err != nil {
		return nil, noEOF(err)
	}
	need := func(n int) error {
		if len(p) < n {
			return fmt.Errorf("%w: %d bytes are too short for frame type %d", errFrame, len(p), f.typ)
		}
		return nil
	}
	u32 := func(i int) uint32 { return binary.BigEndian.Uint32(p[i:]) }
	var err error
	switch f.typ {
	case frameSynStream:
		if err := need(10); err != nil {
			return nil, err
		}
		f.streamID, f.assocID, f.priority = u32(0)&0x7fffffff, u32(4)&0x7fffffff, p[8]>>5
		f.header, err = fr.decompress(p[10:])
	case frameSynReply, frameHeaders:
		if err := need(4); err != nil {
			return nil, err
		}
		f.streamID = u32(0) & 0x7fffffff
		f.header, err = fr.decompress(p[4:])
	case frameRstStream, frameGoAway, frameWindowUpdate:
		if err := need(8); err != nil {
			return nil, err
		}
		f.streamID = u32(0) & 0x7fffffff
		if f.typ == frameWindowUpdate {
			f.delta = u32(4) & 0x7fffffff
		} else {
			f.status = u32(4)
		}
	case framePing:
		if err := need(4); err != nil {
			return nil, err
		}
		f.pingID = u32(0)
	case frameSettings:
		if err := need(4); err != nil {
			return nil, err
		}
		n := u32(0)
		if uint64(len(p)) != 4+8*uint64(n) {
			return nil, fmt.Errorf("%w: SETTINGS of %d bytes with %d entries", errFrame, len(p), n)
		}
		for i := range int(n) {
			e := u32(4 + 8*i)
			f.settings = append(f.settings, setting{flags: byte(e >> 24), id: e & 0xffffff, value: u32(8 + 8*i)})
		}
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// decompress decodes one compressed name/value block.
func (fr *frameReader) decompress(block []byte) (http.Header, error) {
	fr.zin.Write(block)
	if fr.zr == nil {
		zr, err := zlib.NewReaderDict(&fr.zin, headerDictionary)
		if err != nil {
			return nil, fmt.Errorf("%w: header block: %v", errFrame, err)
		}
		fr.zr = zr
	}
	budget := maxHeaderBlock
	read := func(n uint32) ([]byte, error) {
		if int64(n) > int64(budget) {
			return nil, fmt.Errorf("%w: header block over %d bytes", errFrame, maxHeaderBlock)
		}
		budget -= int(n)
		b := make([]byte, n)
		if _, err := io.ReadFull(fr.zr, b); err != nil {
			return nil, fmt.Errorf("%w: header block: %v", errFrame, err)
		}
		return b, nil
	}
	u32 := func() (uint32, error) {
		b, err := read(4)
		if err != nil {
			return 0, err
		}
		return binary.BigEndian.Uint32(b), nil
	}
	count, err := u32()
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for range count {
		nlen, err := u32()
		if err != nil {
			return nil, err
		}
		name, err := read(nlen)
		if err != nil {
			return nil, err
		}
		vlen, err := u32()
		if err != nil {
			return nil, err
		}
		value, err := read(vlen)
		if err != nil {
			return nil, err
		}
		for v := range strings.SplitSeq(string(value), "\x00") {
			h.Add(string(name), v)
		}
	}
	return h, nil
}

// noEOF turns an end of input inside a frame into the truncation it is.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
