package containerd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
)

// startSleeper runs the test image asleep in a sandbox of its own, with
// an environment and working directory of its own, and returns the
// container's ID. The sandbox's removal removes it.
func startSleeper(t *testing.T, r *Runtime, pod string) (*nodeagent.Sandbox, string) {
	t.Helper()
	sb := runSandbox(t, r, pod)
	cfg := testContainer("app", "--sleep")
	cfg.Container.Env = []core.EnvVar{{Name: "GREETING", Value: "hello"}}
	cfg.Container.WorkingDir = "/tmp"
	id, err := r.StartContainer(context.Background(), sb.ID, cfg)
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	waitLog(t, r, id, "sleeping")
	return sb, id
}

// assertNoFIFOs checks that no exec left its stream FIFOs behind.
func assertNoFIFOs(t *testing.T, r *Runtime) {
	t.Helper()
	entries, err := os.ReadDir(fifoDir(r.cfg.StateDir))
	if err != nil {
		t.Fatalf("FIFO dir: %v", err)
	}
	if len(entries) != 0 {
		t.Errorf("FIFO dir after exec: got %d entries, want none", len(entries))
	}
}

func TestExec(t *testing.T) {
	r := newTestRuntime(t)
	_, id := startSleeper(t, r, "exec")
	tests := []struct {
		name       string
		cmd        []string
		stdin      io.Reader
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"exit code", []string{"/testimage", "--echo", "out", "--exit-code", "3"}, nil, 3, "out\n", ""},
		{"stdout and stderr apart", []string{"/testimage", "--echo", "out", "--echo-stderr", "err"}, nil, 0, "out\n", "err\n"},
		{"stdin piped through", []string{"/testimage", "--cat"}, strings.NewReader("hello\nworld\n"), 0, "hello\nworld\n", ""},
		{"no stdin is EOF", []string{"/testimage", "--cat", "--exit-code", "4"}, nil, 4, "", ""},
		{"large stdin", []string{"/testimage", "--cat"}, strings.NewReader(strings.Repeat("x", 1<<20)), 0, strings.Repeat("x", 1<<20), ""},
		{"container's working directory", []string{"/testimage", "--print-file", "hosts"}, nil, 1, "", "open hosts: no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code, err := r.Exec(ctx, id, nodeagent.ExecOptions{Cmd: tc.cmd, Stdin: tc.stdin, Stdout: &stdout, Stderr: &stderr})
			if err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code: got %d, want %d", code, tc.wantCode)
			}
			if got := stdout.String(); got != tc.wantStdout {
				t.Errorf("stdout: got %q (%d bytes), want %q", trim(got), len(got), trim(tc.wantStdout))
			}
			if got := stderr.String(); !strings.Contains(got, tc.wantStderr) || tc.wantStderr == "" && got != "" {
				t.Errorf("stderr: got %q, want %q", got, tc.wantStderr)
			}
		})
	}
	t.Run("container's environment", func(t *testing.T) {
		var stdout bytes.Buffer
		if _, err := r.Exec(context.Background(), id, nodeagent.ExecOptions{Cmd: []string{"/testimage", "--print-env"}, Stdout: &stdout}); err != nil {
			t.Fatalf("Exec: %v", err)
		}
		for _, want := range []string{"GREETING=hello\n", "VERSION=1\n", "PATH="} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("environment: got %q, want it to hold %q", stdout.String(), want)
			}
		}
	})
	assertNoFIFOs(t, r)
}

func trim(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// syncBuffer is a buffer a test reads while an exec writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer holds want.
func (b *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	if !poll(10*time.Second, func() bool { return strings.Contains(b.String(), want) }) {
		t.Fatalf("output: got %q, want %q within 10s", b.String(), want)
	}
}

func TestExecTTY(t *testing.T) {
	r := newTestRuntime(t)
	_, id := startSleeper(t, r, "tty")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	resize := make(chan nodeagent.TerminalSize, 1)
	resize <- nodeagent.TerminalSize{Width: 100, Height: 40}
	var stdout, stderr syncBuffer
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := r.Exec(ctx, id, nodeagent.ExecOptions{
			Cmd: []string{"/testimage", "--tty", "--print-env"}, TTY: true,
			Stdin: stdinR, Stdout: &stdout, Stderr: &stderr, Resize: resize,
		})
		done <- result{code, err}
	}()
	stdout.waitFor(t, "tty=true")
	stdout.waitFor(t, "size=100x40")
	resize <- nodeagent.TerminalSize{Width: 120, Height: 50}
	stdout.waitFor(t, "size=120x50")
	if _, err := io.WriteString(stdinW, "exit\n"); err != nil {
		t.Fatalf("write stdin: %v", err)
	}
	res := <-done
	if res.err != nil || res.code != 0 {
		t.Fatalf("Exec: got %d, %v, want 0, nil", res.code, res.err)
	}
	if !strings.Contains(stdout.String(), "TERM=xterm") {
		t.Errorf("environment: got %q, want TERM=xterm", stdout.String())
	}
	// A terminal has one output; the line discipline turns \n into \r\n.
	if !strings.Contains(stdout.String(), "\r\n") || stderr.String() != "" {
		t.Errorf("output: got stdout %q, stderr %q, want terminal output on stdout only", stdout.String(), stderr.String())
	}
	stdinW.Close()
	assertNoFIFOs(t, r)
}

func TestExecContextEnds(t *testing.T) {
	r := newTestRuntime(t)
	_, id := startSleeper(t, r, "exec-ctx")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := r.Exec(ctx, id, nodeagent.ExecOptions{Cmd: []string{"/testimage", "--sleep"}, Stdout: &stdout})
		done <- err
	}()
	stdout.waitFor(t, "sleeping")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Exec once ctx ended: got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Exec still running 5s after its ctx ended, want the process killed at once")
	}
	c, err := r.Client().LoadContainer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.Task(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := task.Pids(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 1 {
		t.Errorf("processes in the container after the exec was cancelled: got %d, want 1 (its own)", len(pids))
	}
	assertNoFIFOs(t, r)
}

func TestExecErrors(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, running := startSleeper(t, r, "exec-errors")
	sb := runSandbox(t, r, "exec-exited")
	exited, err := r.StartContainer(ctx, sb.ID, testContainer("done", "--sleep"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	if err := r.StopContainer(ctx, exited, 0); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	tests := []struct {
		name string
		id   string
		cmd  []string
		want string
		is   error
	}{
		{"unknown container", newID(), []string{"/testimage"}, "not found", errdefs.ErrNotFound},
		{"exited container", exited, []string{"/testimage", "--echo", "x"}, "is not running", errdefs.ErrBadRequest},
		{"no command", running, nil, "no command", errdefs.ErrBadRequest},
		{"missing executable", running, []string{"/no/such/program"}, "no such file", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Exec(ctx, tc.id, nodeagent.ExecOptions{Cmd: tc.cmd, Stdout: io.Discard})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Exec: got %v, want an error saying %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Exec: got %v, want errors.Is %v", err, tc.is)
			}
		})
	}
	assertNoFIFOs(t, r)
}
