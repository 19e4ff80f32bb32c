package containerlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMain runs the test binary as the logger when a test starts it so, as
// containerd's shim would.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "container-logger" {
		os.Exit(Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// loggerProc is a logger process started the way the shim starts one.
type loggerProc struct {
	cmd            *exec.Cmd
	stdout, stderr *os.File // the container's ends of the pipes
}

func startLogger(t *testing.T, args ...string) *loggerProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pipe := func() (*os.File, *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		return r, w
	}
	outR, outW := pipe()
	errR, errW := pipe()
	readyR, readyW := pipe()
	defer readyR.Close()
	cmd := exec.Command(exe, append([]string{"container-logger"}, args...)...)
	cmd.Env = []string{"CONTAINER_ID=c1", "CONTAINER_NAMESPACE=test"}
	cmd.ExtraFiles = []*os.File{outR, errR, readyW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outR.Close()
	errR.Close()
	readyW.Close()
	p := &loggerProc{cmd: cmd, stdout: outW, stderr: errW}
	t.Cleanup(func() {
		p.stdout.Close()
		p.stderr.Close()
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	ready := make(chan error, 1)
	go func() {
		_, err := readyR.Read(make([]byte, 1))
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("ready pipe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("logger not ready within 10s")
	}
	return p
}

// close closes both streams, as the container's end does, and waits for
// the logger to exit.
func (p *loggerProc) close(t *testing.T) int {
	t.Helper()
	p.stdout.Close()
	p.stderr.Close()
	return p.wait(t)
}

func (p *loggerProc) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatalf("logger did not exit within 10s")
		return -1
	}
}

func writeString(t *testing.T, f *os.File, s string) {
	t.Helper()
	if _, err := f.WriteString(s); err != nil {
		t.Fatalf("write to the logger: %v", err)
	}
}

func waitFileContains(t *testing.T, path, want string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s holding %q", filepath.Base(path), want), func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Contains(b, []byte(want))
	})
}

// fileEntry is an entry as read back from a file, without its time.
type fileEntry struct {
	Stream  stream
	Partial bool
	Content string
}

// readEntries parses the file and checks that its times never go back.
func readEntries(t *testing.T, path string) []fileEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		out  []fileEntry
		last time.Time
	)
	for l := range strings.Lines(string(b)) {
		e, ok := parseEntry([]byte(strings.TrimSuffix(l, "\n")))
		if !ok || !strings.HasSuffix(l, "\n") {
			t.Fatalf("%s: line %q is not a CRI log entry", path, l)
		}
		if e.ts.Before(last) {
			t.Errorf("%s: time %s after %s", path, e.ts, last)
		}
		last = e.ts
		out = append(out, fileEntry{e.stream, e.partial, string(e.content)})
	}
	return out
}

func byStream(es []fileEntry, s stream) []fileEntry {
	var out []fileEntry
	for _, e := range es {
		if e.Stream == s {
			out = append(out, e)
		}
	}
	return out
}

func TestMainWritesBothStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	p := startLogger(t, path)
	writeString(t, p.stdout, "out 1\n")
	waitFileContains(t, path, "out 1")
	writeString(t, p.stderr, "err 1\n")
	waitFileContains(t, path, "err 1")
	writeString(t, p.stdout, "out 2\nno newline")
	long := strings.Repeat("x", MaxLineSize+100)
	writeString(t, p.stderr, long+"\n")
	if code := p.close(t); code != 0 {
		t.Fatalf("exit code: got %d, want 0", code)
	}
	es := readEntries(t, path)
	if diff := cmp.Diff([]fileEntry{{streamStdout, false, "out 1"}, {streamStderr, false, "err 1"}}, es[:2]); diff != "" {
		t.Errorf("first entries in arrival order (-want +got):\n%s", diff)
	}
	wantOut := []fileEntry{{streamStdout, false, "out 1"}, {streamStdout, false, "out 2"}, {streamStdout, true, "no newline"}}
	if diff := cmp.Diff(wantOut, byStream(es, streamStdout)); diff != "" {
		t.Errorf("stdout entries (-want +got):\n%s", diff)
	}
	wantErr := []fileEntry{{streamStderr, false, "err 1"}, {streamStderr, true, long[:MaxLineSize]}, {streamStderr, false, long[MaxLineSize:]}}
	if diff := cmp.Diff(wantErr, byStream(es, streamStderr)); diff != "" {
		t.Errorf("stderr entries (-want +got):\n%s", diff)
	}
}

func TestMainRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	p := startLogger(t, "--max-size", "300", path)
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf("line %02d", i))
		writeString(t, p.stdout, lines[i]+"\n")
	}
	if code := p.close(t); code != 0 {
		t.Fatalf("exit code: got %d, want 0", code)
	}
	for _, f := range []string{path, rotatedPath(path)} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 300 || st.Size() == 0 {
			t.Errorf("%s: got %d bytes, want 1 to 300", filepath.Base(f), st.Size())
		}
	}
	var out bytes.Buffer
	if err := Read(context.Background(), path, ReadOptions{TailLines: -1}, &out, nil); err != nil {
		t.Fatalf("Read: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) < 5 || !slicesHasSuffix(lines, got) {
		t.Errorf("Read after rotation: got %q, want the last lines of %q", got, lines)
	}
}

func slicesHasSuffix(s, suffix []string) bool {
	return len(suffix) <= len(s) && cmp.Equal(s[len(s)-len(suffix):], suffix)
}

// The shim closes its ends of the pipes, then sends SIGTERM: what is still
// in the pipes must reach the file.
func TestMainDrainsAfterSIGTERM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	p := startLogger(t, path)
	writeString(t, p.stdout, "before\n")
	waitFileContains(t, path, "before")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	writeString(t, p.stdout, "after\n")
	if code := p.close(t); code != 0 {
		t.Fatalf("exit code: got %d, want 0", code)
	}
	want := []fileEntry{{streamStdout, false, "before"}, {streamStdout, false, "after"}}
	if diff := cmp.Diff(want, readEntries(t, path)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// A logger that cannot write its file still drains the pipes: the
// container must not block.
func TestMainDrainsWithoutFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "c.log")
	p := startLogger(t, path)
	chunk := strings.Repeat("y", 1023) + "\n"
	done := make(chan error, 1)
	go func() {
		var err error
		for range 512 { // 512 KiB, eight times a pipe's buffer
			if _, err = p.stdout.WriteString(chunk); err != nil {
				break
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("writing to a logger without a file blocked")
	}
	if code := p.close(t); code != 1 {
		t.Errorf("exit code: got %d, want 1 for the lost lines", code)
	}
}

func TestMainUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no path", nil},
		{"two paths", []string{"/a", "/b"}},
		{"bad size", []string{"--max-size", "0", "/a"}},
		{"unknown flag", []string{"--nope", "/a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := Main(tc.args); code != 2 {
				t.Errorf("Main(%q): got %d, want 2", tc.args, code)
			}
		})
	}
}

// shimArgs are the logger's arguments as containerd 1.6's shim builds them
// from the URI.
func shimArgs(uri string) (string, []string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", nil, err
	}
	var args []string
	for k, vs := range u.Query() {
		args = append(args, k)
		if len(vs) > 0 {
			args = append(args, vs[0])
		}
	}
	return u.Path, args, nil
}

func TestBinaryCreator(t *testing.T) {
	tests := []struct {
		name     string
		logger   []string
		path     string
		wantProg string
		wantArgs []string
		wantErr  bool
	}{
		{"program and subcommand", []string{"/usr/local/bin/wharf", "container-logger"}, "/var/lib/wharf/logs/a b.log",
			"/usr/local/bin/wharf", []string{"container-logger", "/var/lib/wharf/logs/a b.log"}, false},
		{"program alone", []string{"/usr/bin/logger"}, "/logs/c.log", "/usr/bin/logger", []string{"/logs/c.log", ""}, false},
		{"too many arguments", []string{"/bin/wharf", "node", "container-logger"}, "/logs/c.log", "", nil, true},
		{"no program", nil, "/logs/c.log", "", nil, true},
		{"relative program", []string{"wharf", "container-logger"}, "/logs/c.log", "", nil, true},
		{"relative path", []string{"/bin/wharf", "container-logger"}, "c.log", "", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, err := BinaryCreator(tc.logger, tc.path)("c1")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", io.Config())
				}
				return
			}
			if err != nil {
				t.Fatalf("creator: %v", err)
			}
			cfg := io.Config()
			if cfg.Stdout != cfg.Stderr || cfg.Stdin != "" || cfg.Terminal {
				t.Errorf("config: got %+v, want stdout and stderr to one URI, no stdin, no terminal", cfg)
			}
			prog, args, err := shimArgs(cfg.Stdout)
			if err != nil {
				t.Fatal(err)
			}
			if prog != tc.wantProg || !cmp.Equal(args, tc.wantArgs) {
				t.Errorf("shim runs %q %q, want %q %q", prog, args, tc.wantProg, tc.wantArgs)
			}
			if !strings.HasPrefix(cfg.Stdout, "binary://") {
				t.Errorf("URI: got %q, want binary://", cfg.Stdout)
			}
		})
	}
}
