package containerlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is the time of the first test entry; entry n is logged n seconds
// later.
var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func stamp(n int) string { return at(n).Format(time.RFC3339Nano) }

// testEntry is a log entry a test writes, logged at(n).
type testEntry struct {
	n       int
	stream  string
	partial bool
	content string
}

func full(n int, stream, content string) testEntry    { return testEntry{n, stream, false, content} }
func partial(n int, stream, content string) testEntry { return testEntry{n, stream, true, content} }

func logText(entries ...testEntry) string {
	var b []byte
	for _, e := range entries {
		b = appendEntry(b, at(e.n), e.stream, e.partial, []byte(e.content))
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	// Lines in the order they complete: one(1) two(2) four(4) three(3) five(6).
	interleaved := logText(
		full(1, Stdout, "one"),
		full(2, Stderr, "two"),
		partial(3, Stdout, "thr"),
		full(4, Stderr, "four"),
		full(5, Stdout, "ee"),
		full(6, Stdout, "five"),
	)
	all := func(o ReadOptions) ReadOptions { o.TailLines = -1; return o }
	tests := []struct {
		name    string
		rotated string // content of PATH.1, if any
		current string // content of PATH, if any
		opts    ReadOptions
		want    string
	}{
		{"whole log", "", interleaved, all(ReadOptions{}), "one\ntwo\nfour\nthree\nfive\n"},
		{"timestamps of the first part", "", interleaved, all(ReadOptions{Timestamps: true}),
			stamp(1) + " one\n" + stamp(2) + " two\n" + stamp(4) + " four\n" + stamp(3) + " three\n" + stamp(6) + " five\n"},
		{"tail", "", interleaved, ReadOptions{TailLines: 2}, "three\nfive\n"},
		{"tail zero", "", interleaved, ReadOptions{TailLines: 0}, ""},
		{"tail longer than the log", "", interleaved, ReadOptions{TailLines: 10}, "one\ntwo\nfour\nthree\nfive\n"},
		{"since", "", interleaved, all(ReadOptions{Since: at(3)}), "four\nthree\nfive\n"},
		{"tail then since", "", interleaved, ReadOptions{TailLines: 3, Since: at(4)}, "four\nfive\n"},
		{"limit cuts a line", "", interleaved, all(ReadOptions{LimitBytes: 6}), "one\ntw"},
		{"limit cuts a timestamp", "", interleaved, all(ReadOptions{LimitBytes: 4, Timestamps: true}), stamp(1)[:4]},
		{"limit at a line's end", "", interleaved, all(ReadOptions{LimitBytes: 4}), "one\n"},
		{"limit beyond the log", "", interleaved, all(ReadOptions{LimitBytes: 1000}), "one\ntwo\nfour\nthree\nfive\n"},
		{"rotated file first", logText(full(1, Stdout, "a"), full(2, Stderr, "b")), logText(full(3, Stdout, "c")),
			all(ReadOptions{}), "a\nb\nc\n"},
		{"tail across the rotation", logText(full(1, Stdout, "a"), full(2, Stderr, "b")), logText(full(3, Stdout, "c")),
			ReadOptions{TailLines: 2}, "b\nc\n"},
		{"line split by the rotation", logText(full(1, Stdout, "a"), partial(2, Stdout, "b")), logText(full(3, Stdout, "c")),
			all(ReadOptions{Timestamps: true}), stamp(1) + " a\n" + stamp(2) + " bc\n"},
		{"rotated file alone", logText(full(1, Stdout, "a")), "", all(ReadOptions{}), "a\n"},
		{"stream ended without a newline", "", logText(full(1, Stdout, "a"), partial(2, Stdout, "b")),
			all(ReadOptions{}), "a\nb"},
		{"tail of a line without a newline", "", logText(full(1, Stdout, "a"), partial(2, Stdout, "b")),
			ReadOptions{TailLines: 1}, "b"},
		{"lines without newlines, oldest first", "", logText(partial(2, Stderr, "e"), partial(3, Stdout, "o")),
			all(ReadOptions{}), "eo"},
		{"entry being written is left out", "", logText(full(1, Stdout, "a")) + stamp(2) + " stdout F hal",
			all(ReadOptions{}), "a\n"},
		{"raw log", "", "hello\nworld\nno newline", all(ReadOptions{Timestamps: true}), "hello\nworld\nno newline"},
		{"raw lines skipped by since", "", "raw\n" + logText(full(1, Stdout, "a")), all(ReadOptions{Since: at(0)}), "a\n"},
		{"no log", "", "", all(ReadOptions{}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.log")
			if tc.rotated != "" {
				writeFile(t, rotatedPath(path), tc.rotated)
			}
			if tc.current != "" {
				writeFile(t, path, tc.current)
			}
			var out bytes.Buffer
			if err := Read(context.Background(), path, tc.opts, &out, nil); err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadLongLines(t *testing.T) {
	long := strings.Repeat("x", maxJoinedLine+10)
	var parts []testEntry
	for i := 0; i < len(long); i += MaxLineSize {
		parts = append(parts, partial(1, Stdout, long[i:min(i+MaxLineSize, len(long))]))
	}
	parts[len(parts)-1].partial = false
	tests := []struct {
		name string
		text string
		want string
	}{
		{"joined line cut at the bound", logText(parts...), long[:maxJoinedLine] + "\n" + long[maxJoinedLine:] + "\n"},
		{"raw line cut at the bound", long + "\n", long[:maxJoinedLine] + "\n" + long[maxJoinedLine:] + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.log")
			writeFile(t, path, tc.text)
			var out bytes.Buffer
			if err := Read(context.Background(), path, ReadOptions{TailLines: -1}, &out, nil); err != nil {
				t.Fatalf("Read: %v", err)
			}
			if out.String() != tc.want {
				t.Errorf("got %d bytes, want %d bytes cut at %d", out.Len(), len(tc.want), maxJoinedLine)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer a follower writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling what another goroutine writes
	}
}

// follower runs Read with Follow in the background.
type follower struct {
	out    syncBuffer
	exited atomic.Bool
	done   chan error
	cancel context.CancelFunc
}

func follow(t *testing.T, path string, opts ReadOptions) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{done: make(chan error, 1), cancel: cancel}
	opts.Follow = true
	go func() { f.done <- Read(ctx, path, opts, &f.out, f.exited.Load) }()
	t.Cleanup(func() {
		cancel()
		<-f.done
	})
	return f
}

func (f *follower) waitOutput(t *testing.T, want string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("output %q", want), func() bool { return f.out.String() == want })
}

// wait waits for Read to return.
func (f *follower) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-f.done:
		f.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("Read did not return within 10s; output %q", f.out.String())
		return nil
	}
}

func newTestWriter(t *testing.T, path string, maxSize int64) *fileWriter {
	t.Helper()
	w := newFileWriter(path, maxSize)
	n := 0
	w.now = func() time.Time { n++; return at(n) }
	t.Cleanup(func() { w.Close() })
	return w
}

func mustWrite(t *testing.T, w *fileWriter, stream string, partial bool, content string) {
	t.Helper()
	if err := w.write(stream, partial, []byte(content)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestReadFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	w := newTestWriter(t, path, DefaultMaxSize)
	mustWrite(t, w, Stdout, false, "old")
	f := follow(t, path, ReadOptions{TailLines: -1, Timestamps: true})
	f.waitOutput(t, stamp(1)+" old\n")
	mustWrite(t, w, Stdout, true, "par")
	mustWrite(t, w, Stderr, false, "err")
	f.waitOutput(t, stamp(1)+" old\n"+stamp(3)+" err\n")
	mustWrite(t, w, Stdout, false, "tial")
	mustWrite(t, w, Stdout, true, "no newline")
	f.waitOutput(t, stamp(1)+" old\n"+stamp(3)+" err\n"+stamp(2)+" partial\n")
	f.exited.Store(true)
	if err := f.wait(t); err != nil {
		t.Fatalf("Read: got %v, want nil once exited", err)
	}
	want := stamp(1) + " old\n" + stamp(3) + " err\n" + stamp(2) + " partial\n" + stamp(5) + " no newline"
	if got := f.out.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadFollowTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	w := newTestWriter(t, path, DefaultMaxSize)
	for _, s := range []string{"a", "b", "c"} {
		mustWrite(t, w, Stdout, false, s)
	}
	f := follow(t, path, ReadOptions{TailLines: 1})
	f.waitOutput(t, "c\n")
	mustWrite(t, w, Stdout, false, "d")
	f.waitOutput(t, "c\nd\n")
}

func TestReadFollowRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	// An entry is 38 bytes: a file holds four.
	w := newTestWriter(t, path, 160)
	f := follow(t, path, ReadOptions{TailLines: -1})
	var want strings.Builder
	for batch := range 10 {
		// A batch is shorter than a file: the follower sees each file.
		for i := range 3 {
			s := fmt.Sprintf("line %02d", batch*3+i)
			mustWrite(t, w, Stdout, false, s)
			want.WriteString(s + "\n")
		}
		f.waitOutput(t, want.String())
	}
	if _, err := os.Stat(rotatedPath(path)); err != nil {
		t.Fatalf("rotated file: %v", err)
	}
	f.exited.Store(true)
	if err := f.wait(t); err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := f.out.String(); got != want.String() {
		t.Errorf("got %q, want %q", got, want.String())
	}
}

func TestReadFollowFileAppears(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	f := follow(t, path, ReadOptions{TailLines: -1})
	w := newTestWriter(t, path, DefaultMaxSize)
	mustWrite(t, w, Stderr, false, "late")
	f.waitOutput(t, "late\n")
}

func TestReadFollowEnds(t *testing.T) {
	tests := []struct {
		name    string
		opts    ReadOptions
		exited  bool
		cancel  bool
		wantErr error
		want    string
	}{
		{"writer gone", ReadOptions{TailLines: -1}, true, false, nil, "a\nbc\nd"},
		{"byte limit", ReadOptions{TailLines: -1, LimitBytes: 3}, false, false, nil, "a\nb"},
		{"context ends", ReadOptions{TailLines: -1}, false, true, context.Canceled, "a\nbc\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.log")
			writeFile(t, path, logText(full(1, Stdout, "a"), full(2, Stdout, "bc"), partial(3, Stdout, "d")))
			f := follow(t, path, tc.opts)
			f.exited.Store(tc.exited)
			if tc.cancel {
				f.waitOutput(t, tc.want)
				f.cancel()
			}
			if err := f.wait(t); !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("Read: got %v, want %v", err, tc.wantErr)
			}
			if got := f.out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
