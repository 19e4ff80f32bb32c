package remotecommand

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/adler32"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var frameCmp = []cmp.Option{cmp.AllowUnexported(frame{}, setting{}), cmpopts.EquateEmpty()}

func TestHeaderDictionary(t *testing.T) {
	// The zlib header of every SPDY/3 header stream names the dictionary
	// by this checksum; a different dictionary fails at the peer.
	if got, want := len(headerDictionary), 1423; got != want {
		t.Errorf("got %d bytes, want %d", got, want)
	}
	if got, want := adler32.Checksum(headerDictionary), uint32(0xe3c6a7c2); got != want {
		t.Errorf("got checksum %#x, want %#x", got, want)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	// One writer and one reader for all: header blocks share a zlib
	// stream, so each frame also checks that the state carries over.
	frames := []struct {
		name string
		f    frame
	}{
		{"syn stream", frame{typ: frameSynStream, streamID: 1, priority: 7, header: http.Header{"Streamtype": {"error"}}}},
		{"syn stream with fin", frame{typ: frameSynStream, flags: flagFin, streamID: 3, assocID: 1, header: http.Header{"Streamtype": {"stdin"}, "Port": {"80"}}}},
		{"syn reply without headers", frame{typ: frameSynReply, streamID: 1, header: http.Header{}}},
		{"syn reply with several values", frame{typ: frameSynReply, streamID: 3, header: http.Header{"Set-Cookie": {"a", "b", ""}}}},
		{"headers", frame{typ: frameHeaders, flags: flagFin, streamID: 5, header: http.Header{"Streamtype": {"error"}}}},
		{"data", frame{typ: frameData, streamID: 5, data: []byte("hello")}},
		{"data with fin", frame{typ: frameData, flags: flagFin, streamID: 7, data: []byte("bye")}},
		{"empty data with fin", frame{typ: frameData, flags: flagFin, streamID: 7}},
		{"rst stream", frame{typ: frameRstStream, streamID: 9, status: rstRefusedStream}},
		{"settings", frame{typ: frameSettings, settings: []setting{{flags: 1, id: 7, value: 65536}, {id: 4, value: 100}}}},
		{"empty settings", frame{typ: frameSettings}},
		{"ping", frame{typ: framePing, pingID: 0xffffffff}},
		{"goaway", frame{typ: frameGoAway, streamID: 11, status: goAwayOK}},
		{"stream window update", frame{typ: frameWindowUpdate, streamID: 3, delta: 32768}},
		{"session window update", frame{typ: frameWindowUpdate, delta: 0x7fffffff}},
	}
	fw := newFrameWriter()
	var wire bytes.Buffer
	for _, tt := range frames {
		b, err := fw.encode(&tt.f)
		if err != nil {
			t.Fatalf("%s: got error %v, want none", tt.name, err)
		}
		wire.Write(b)
	}
	fr := newFrameReader(&wire)
	for _, tt := range frames {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fr.next()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(&tt.f, got, frameCmp...); diff != "" {
				t.Errorf("frame (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := fr.next(); err != io.EOF {
		t.Errorf("got %v after the last frame, want io.EOF", err)
	}
}

func TestFrameWireFormat(t *testing.T) {
	tests := []struct {
		name string
		f    frame
		want []byte
	}{
		{"ping", frame{typ: framePing, pingID: 1}, []byte{0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1}},
		{"data with fin", frame{typ: frameData, flags: flagFin, streamID: 5, data: []byte("hi")}, []byte{0, 0, 0, 5, 1, 0, 0, 2, 'h', 'i'}},
		{"rst stream", frame{typ: frameRstStream, streamID: 3, status: rstProtocolError}, []byte{0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 1}},
		{"goaway", frame{typ: frameGoAway, streamID: 9}, []byte{0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0}},
		{"window update", frame{typ: frameWindowUpdate, streamID: 1, delta: 0x10000}, []byte{0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 1, 0, 1, 0, 0}},
		{"settings", frame{typ: frameSettings, settings: []setting{{flags: 1, id: 7, value: 2}}}, []byte{0x80, 3, 0, 4, 0, 0, 0, 12, 0, 0, 0, 1, 1, 0, 0, 7, 0, 0, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newFrameWriter().encode(&tt.f)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got % x, want % x", got, tt.want)
			}
		})
	}
}

// rawBlock is a name/value block as the draft lays it out, uncompressed.
func rawBlock(pairs ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(pairs)/2))
	for _, s := range pairs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func TestHeaderBlockFromAnotherCompressor(t *testing.T) {
	// kubectl's library compresses at the best level, where this package
	// uses the default: the reader must not care, across frames.
	var zbuf bytes.Buffer
	zw, err := zlib.NewWriterLevelDict(&zbuf, zlib.BestCompression, headerDictionary)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		block []byte
		want  http.Header
	}{
		{"empty", rawBlock(), http.Header{}},
		{"stream type", rawBlock("streamtype", "stdout"), http.Header{"Streamtype": {"stdout"}}},
		{"values joined by NUL", rawBlock("accept", "a\x00b"), http.Header{"Accept": {"a", "b"}}},
		{"several names", rawBlock("streamtype", "error", "x-custom", "1"), http.Header{"Streamtype": {"error"}, "X-Custom": {"1"}}},
	}
	var wire bytes.Buffer
	for i, tt := range tests {
		zbuf.Reset()
		zw.Write(tt.block)
		zw.Flush()
		p := binary.BigEndian.AppendUint32(nil, uint32(2*i+1))
		p = append(p, zbuf.Bytes()...)
		wire.Write([]byte{0x80, 3, 0, byte(frameSynReply), 0, 0, 0, 0})
		binary.BigEndian.PutUint32(wire.Bytes()[wire.Len()-4:], uint32(len(p)))
		wire.Write(p)
	}
	fr := newFrameReader(&wire)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fr.next()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if f.typ != frameSynReply || f.streamID != uint32(2*i+1) {
				t.Errorf("got frame type %d stream %d, want SYN_REPLY on %d", f.typ, f.streamID, 2*i+1)
			}
			if diff := cmp.Diff(tt.want, f.header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeaderNamesGoLowerCase(t *testing.T) {
	b, err := newFrameWriter().encode(&frame{typ: frameSynReply, streamID: 1, header: http.Header{"Streamtype": {"error"}}})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReaderDict(bytes.NewReader(b[12:]), headerDictionary)
	if err != nil {
		t.Fatal(err)
	}
	want := rawBlock("streamtype", "error")
	got := make([]byte, len(want))
	if _, err := io.ReadFull(zr, got); err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got block %q, want %q", got, want)
	}
}

func TestFrameReaderRejects(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"another version", []byte{0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1}, errFrame},
		{"short ping", []byte{0x80, 3, 0, 6, 0, 0, 0, 2, 0, 1}, errFrame},
		{"short rst stream", []byte{0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1}, errFrame},
		{"settings count beyond the frame", []byte{0x80, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1}, errFrame},
		{"header block that is no zlib", append([]byte{0x80, 3, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1}, "junk"...), errFrame},
		{"control frame over the limit", []byte{0x80, 3, 0, 1, 0, 0x10, 0, 1}, errFrame},
		{"truncated data", []byte{0, 0, 0, 1, 0, 0, 0, 5, 'a'}, io.ErrUnexpectedEOF},
		{"truncated header", []byte{0x80, 3, 0}, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newFrameReader(bytes.NewReader(tt.wire)).next()
			if !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestUnknownControlFrameIsSkipped(t *testing.T) {
	// A NOOP (type 5) of SPDY/2 days, then a ping.
	wire := []byte{0x80, 3, 0, 5, 0, 0, 0, 2, 9, 9, 0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 3}
	fr := newFrameReader(bytes.NewReader(wire))
	f, err := fr.next()
	if err != nil || f.typ != 5 {
		t.Fatalf("got %+v, %v; want a frame of type 5", f, err)
	}
	f, err = fr.next()
	if err != nil || f.typ != framePing || f.pingID != 3 {
		t.Fatalf("got %+v, %v; want ping 3", f, err)
	}
}
