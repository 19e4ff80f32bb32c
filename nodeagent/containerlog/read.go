package containerlog

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// ReadOptions says which part of a log Read writes, as the pods' log
// subresource does.
type ReadOptions struct {
	// Follow keeps writing what is logged until the container exits.
	Follow bool
	// TailLines, when >= 0, starts that many lines before the end; < 0
	// means the whole log.
	TailLines int64
	// Since, when not zero, skips lines logged before it.
	Since time.Time
	// Timestamps prefixes each line with the time it was logged at, as
	// written in the file (RFC 3339, nanoseconds), and a space.
	Timestamps bool
	// LimitBytes, when > 0, stops after writing that many bytes.
	LimitBytes int64
}

// pollInterval is how often a follower looks for more of the log.
const pollInterval = 100 * time.Millisecond

// maxJoinedLine bounds the memory a reader spends on a line that never
// ends: a longer line is written as several.
const maxJoinedLine = 1 << 20

// errLimit stops a read that has written LimitBytes.
var errLimit = errors.New("byte limit reached")

// Read writes the log at path to w: the rotated file, then the current
// one. Partial entries are joined into their line, which bears the time of
// its first part; lines are written in the order they were completed.
//
// With Follow, Read keeps writing what is logged, and follows the file
// through rotations, until ctx ends (it returns ctx's error) or exited
// reports that the writer is gone and the file has been read to its end. A
// nil exited follows until ctx ends. Without Follow, Read returns at the
// end of the file. Missing files are an empty log.
//
// Lines not in the CRI format (a log written raw) are written as they are,
// with no timestamp: Since skips them.
func Read(ctx context.Context, path string, opts ReadOptions, w io.Writer, exited func() bool) error {
	// The current file first: if it is rotated meanwhile, the rotated file
	// is then the same, and the oldest lines are lost rather than doubled.
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	cur, err := openIfExists(path)
	if err != nil {
		return err
	}
	old, err := openIfExists(rotatedPath(path))
	if err != nil {
		return err
	}
	if old != nil {
		if cur != nil && sameFile(old, cur) {
			old.Close()
		} else {
			files = append(files, old)
		}
	}
	if cur != nil {
		files = append(files, cur)
	}

	bw := bufio.NewWriterSize(w, 32<<10)
	rd := &reader{opts: opts, w: bw, remaining: -1}
	if opts.LimitBytes > 0 {
		rd.remaining = opts.LimitBytes
	}
	if opts.TailLines >= 0 {
		n, err := countLines(files)
		if err != nil {
			return err
		}
		rd.skip = max(0, n-opts.TailLines)
		for _, f := range files {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
	}
	err = rd.run(ctx, path, files, exited)
	if errors.Is(err, errLimit) {
		err = nil
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// reader writes the lines of a log.
type reader struct {
	opts      ReadOptions
	w         *bufio.Writer
	remaining int64 // bytes left to write, < 0 for no limit
	skip      int64 // lines still to skip to start at the tail
	join      joiner
}

// run reads files, oldest first, and with Follow the current file as it
// grows and after it is rotated. The caller closes files; run closes the
// files it opens.
func (rd *reader) run(ctx context.Context, path string, files []*os.File, exited func() bool) error {
	var cur *lineReader
	defer func() {
		if cur != nil {
			cur.f.Close() // perhaps one of files: closing twice is harmless
		}
	}()
	for i, f := range files {
		lr := newLineReader(f)
		if i == len(files)-1 {
			cur = lr
			break
		}
		if _, err := rd.drain(lr); err != nil {
			return err
		}
		if err := rd.endFile(lr); err != nil {
			return err
		}
	}
	var (
		curInfo  os.FileInfo
		exitSeen bool // the last poll found the end and the writer gone
		timer    *time.Timer
	)
	if cur != nil {
		var err error
		if curInfo, err = cur.f.Stat(); err != nil {
			return err
		}
	}
	for {
		if cur != nil {
			progressed, err := rd.drain(cur)
			if err != nil {
				return err
			}
			if progressed {
				exitSeen = false
			}
		}
		if !rd.opts.Follow {
			return rd.finish(cur)
		}
		// At the end: has the file been rotated, or created?
		if st, err := os.Stat(path); err == nil && (curInfo == nil || !os.SameFile(st, curInfo)) {
			next, err := os.Open(path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if next != nil {
				if cur != nil {
					// The writer is done with the old file: read it out.
					if _, err := rd.drain(cur); err != nil {
						next.Close()
						return err
					}
					if err := rd.endFile(cur); err != nil {
						next.Close()
						return err
					}
					cur.f.Close()
				}
				cur = newLineReader(next)
				if curInfo, err = next.Stat(); err != nil {
					return err
				}
				exitSeen = false
				continue
			}
		}
		if exited != nil && exited() {
			// Two ends in a row, a poll apart, with the writer gone: what
			// it wrote last has had time to reach the file.
			if exitSeen {
				return rd.finish(cur)
			}
			exitSeen = true
		}
		if err := rd.w.Flush(); err != nil {
			return err
		}
		if timer == nil {
			timer = time.NewTimer(pollInterval)
			defer timer.Stop()
		} else {
			timer.Reset(pollInterval)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// drain writes the complete lines of lr up to the end of its file, and
// says whether there were any.
func (rd *reader) drain(lr *lineReader) (bool, error) {
	progressed := false
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return progressed, nil
		}
		if err != nil {
			return progressed, err
		}
		progressed = true
		if err := rd.join.add(toEntry(line), rd.emit); err != nil {
			return progressed, err
		}
	}
}

// endFile handles what is left at the end of a file that will not grow.
func (rd *reader) endFile(lr *lineReader) error {
	if e, ok := lr.remainder(); ok {
		return rd.join.add(e, rd.emit)
	}
	return nil
}

// finish ends the log: the end of the current file, and lines whose end
// was never logged.
func (rd *reader) finish(cur *lineReader) error {
	if cur != nil {
		if err := rd.endFile(cur); err != nil {
			return err
		}
	}
	return rd.join.flush(rd.emit)
}

// emit writes one line, unless it is before the tail or Since.
func (rd *reader) emit(l line) error {
	if rd.skip > 0 {
		rd.skip--
		return nil
	}
	if !rd.opts.Since.IsZero() && l.ts.Before(rd.opts.Since) {
		return nil
	}
	if rd.opts.Timestamps && len(l.tsRaw) > 0 {
		if err := rd.write(l.tsRaw); err != nil {
			return err
		}
		if err := rd.write([]byte{' '}); err != nil {
			return err
		}
	}
	if err := rd.write(l.content); err != nil {
		return err
	}
	if l.newline {
		return rd.write([]byte{'\n'})
	}
	return nil
}

// write writes p, cut at the byte limit.
func (rd *reader) write(p []byte) error {
	if rd.remaining >= 0 && int64(len(p)) >= rd.remaining {
		if _, err := rd.w.Write(p[:rd.remaining]); err != nil {
			return err
		}
		rd.remaining = 0
		return errLimit
	}
	if rd.remaining > 0 {
		rd.remaining -= int64(len(p))
	}
	_, err := rd.w.Write(p)
	return err
}

// countLines counts the lines of files as a reader writes them.
func countLines(files []*os.File) (int64, error) {
	var (
		n int64
		j joiner
	)
	count := func(line) error { n++; return nil }
	for _, f := range files {
		lr := newLineReader(f)
		for {
			b, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return 0, err
			}
			if err := j.add(toEntry(b), count); err != nil {
				return 0, err
			}
		}
		if e, ok := lr.remainder(); ok {
			if err := j.add(e, count); err != nil {
				return 0, err
			}
		}
	}
	return n, j.flush(count)
}

// toEntry parses a log line; a line not in the CRI format is a full line
// of stdout with no timestamp.
func toEntry(b []byte) entry {
	if e, ok := parseEntry(b); ok {
		return e
	}
	return entry{stream: streamStdout, content: b}
}

// line is a line of the container's output, as written. Its slices are
// valid until the next line.
type line struct {
	ts      time.Time
	tsRaw   []byte
	content []byte
	newline bool // false for the last line of a stream that ended without one
}

// joiner joins each stream's partial entries into lines.
type joiner struct {
	pending [numStreams]struct {
		active bool
		ts     time.Time
		tsRaw  []byte
		buf    []byte
	}
}

func (j *joiner) add(e entry, emit func(line) error) error {
	p := &j.pending[e.stream]
	if !p.active {
		if !e.partial {
			return emit(line{ts: e.ts, tsRaw: e.tsRaw, content: e.content, newline: true})
		}
		p.active, p.ts = true, e.ts
		p.tsRaw = append(p.tsRaw[:0], e.tsRaw...)
		p.buf = p.buf[:0]
	}
	p.buf = append(p.buf, e.content...)
	if e.partial && len(p.buf) < maxJoinedLine {
		return nil
	}
	p.active = false
	return emit(line{ts: p.ts, tsRaw: p.tsRaw, content: p.buf, newline: true})
}

// flush writes the lines that never ended, oldest first, without a
// newline.
func (j *joiner) flush(emit func(line) error) error {
	for {
		first := -1
		for i := range j.pending {
			if j.pending[i].active && (first < 0 || j.pending[i].ts.Before(j.pending[first].ts)) {
				first = i
			}
		}
		if first < 0 {
			return nil
		}
		p := &j.pending[first]
		p.active = false
		if err := emit(line{ts: p.ts, tsRaw: p.tsRaw, content: p.buf}); err != nil {
			return err
		}
	}
}

// lineReader reads the lines of a file that may be growing.
type lineReader struct {
	f    *os.File
	br   *bufio.Reader
	part []byte // the start of a line whose end is not yet in the file
}

func newLineReader(f *os.File) *lineReader {
	return &lineReader{f: f, br: bufio.NewReaderSize(f, 64<<10)}
}

// next returns the next line, without its newline, valid until the next
// call; io.EOF when no line is complete. A line of more than
// maxJoinedLine bytes is cut.
func (r *lineReader) next() ([]byte, error) {
	for {
		b, err := r.br.ReadSlice('\n')
		switch {
		case err == nil && len(r.part) == 0:
			return b[:len(b)-1], nil
		case err == nil:
			r.part = append(r.part, b[:len(b)-1]...)
			l := r.part
			r.part = r.part[:0]
			return l, nil
		case errors.Is(err, bufio.ErrBufferFull):
			r.part = append(r.part, b...)
			if len(r.part) >= maxJoinedLine {
				l := r.part
				r.part = r.part[:0]
				return l, nil
			}
		default:
			r.part = append(r.part, b...)
			return nil, err
		}
	}
}

// remainder is what is left after the last newline of a file that will not
// grow. An entry in the CRI format is being written, and dropped; anything
// else is the end of a raw log, a line without its newline.
func (r *lineReader) remainder() (entry, bool) {
	if len(r.part) == 0 {
		return entry{}, false
	}
	b := r.part
	r.part = r.part[:0]
	if _, ok := parseEntry(b); ok {
		return entry{}, false
	}
	return entry{stream: streamStdout, partial: true, content: b}, true
}

func openIfExists(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return f, err
}

func sameFile(a, b *os.File) bool {
	sa, err := a.Stat()
	if err != nil {
		return false
	}
	sb, err := b.Stat()
	return err == nil && os.SameFile(sa, sb)
}
