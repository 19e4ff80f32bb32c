package containerlog

import (
	"bytes"
	"time"
)

// Stream names, as the CRI log format spells them.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// MaxLineSize is the longest content of one entry: a longer line is split
// into partial entries, at the size containerd's CRI plugin uses.
const MaxLineSize = 16 << 10

const (
	tagFull    = 'F'
	tagPartial = 'P'
)

// stream indexes the per-stream state of a reader.
type stream int

const (
	streamStdout stream = iota
	streamStderr
	numStreams
)

// entry is one line of a log file. Its slices alias the line it was parsed
// from.
type entry struct {
	ts      time.Time
	tsRaw   []byte // the timestamp as written, zero for a line not in CRI format
	stream  stream
	partial bool
	content []byte
}

// appendEntry appends the log line of one entry to b.
func appendEntry(b []byte, ts time.Time, streamName string, partial bool, content []byte) []byte {
	b = ts.AppendFormat(b, time.RFC3339Nano)
	tag := byte(tagFull)
	if partial {
		tag = tagPartial
	}
	b = append(b, ' ')
	b = append(b, streamName...)
	b = append(b, ' ', tag, ' ')
	b = append(b, content...)
	return append(b, '\n')
}

// parseEntry parses a log line without its newline. The tag may carry
// further colon-separated tags after F or P, as the CRI format allows.
func parseEntry(line []byte) (entry, bool) {
	var e entry
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return e, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	if err != nil {
		return e, false
	}
	e.ts, e.tsRaw = ts, line[:i]
	rest := line[i+1:]
	switch {
	case bytes.HasPrefix(rest, []byte(Stdout+" ")):
		e.stream, rest = streamStdout, rest[len(Stdout)+1:]
	case bytes.HasPrefix(rest, []byte(Stderr+" ")):
		e.stream, rest = streamStderr, rest[len(Stderr)+1:]
	default:
		return e, false
	}
	tags := rest
	if i := bytes.IndexByte(rest, ' '); i >= 0 {
		tags, e.content = rest[:i], rest[i+1:]
	}
	if i := bytes.IndexByte(tags, ':'); i >= 0 {
		tags = tags[:i]
	}
	switch string(tags) {
	case string(tagFull):
	case string(tagPartial):
		e.partial = true
	default:
		return e, false
	}
	return e, true
}
