package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Exits, crashes and signals end the process, so they are tested on the
// built binary rather than in-process.

const processDeadline = 10 * time.Second

// proc is a running testimage binary whose stdout lines are collected.
type proc struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	lines  chan string // every stdout line, in order; closed at EOF
	mu     sync.Mutex
	stdout []string
	done   chan struct{}
	err    error
}

func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	bin := t.TempDir() + "/testimage"
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), lines: make(chan string, 100), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout = append(p.stdout, sc.Text())
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
		close(p.lines)
		io.Copy(io.Discard, out)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine returns the first match of re in the stdout lines not yet consumed.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(processDeadline)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("stdout closed before a line matching %q; stdout %q, stderr %q", re, p.output(), p.stderr.String())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no stdout line matching %q within %v; stdout %q", re, processDeadline, p.output())
		}
	}
}

// exitCode waits for the process and returns its exit code, or -1 with the
// signal's name when a signal killed it.
func (p *proc) exitCode(t *testing.T, within time.Duration) int {
	t.Helper()
	// Drain remaining lines so the reader goroutine can reach Wait.
	timeout := time.After(within)
	for {
		select {
		case _, ok := <-p.lines:
			if ok {
				continue
			}
			p.lines = nil
		case <-p.done:
			if p.err == nil {
				return 0
			}
			var ee *exec.ExitError
			if !errors.As(p.err, &ee) {
				t.Fatalf("wait: %v", p.err)
			}
			return ee.ExitCode()
		case <-timeout:
			t.Fatalf("process still running after %v; stdout %q", within, p.output())
		}
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stdout, "\n")
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	serve := func(t *testing.T) (*proc, string) {
		p := start(t, bin, "-addr", "127.0.0.1:0")
		return p, "http://" + p.waitLine(t, listening)[1]
	}

	t.Run("exit with requested code", func(t *testing.T) {
		p, base := serve(t)
		status, body := post(t, base+"/exit?code=3")
		if status != 200 || body != "exiting with code 3\n" {
			t.Errorf("POST /exit?code=3: got %d %q, want 200 %q", status, body, "exiting with code 3\n")
		}
		if got := p.exitCode(t, processDeadline); got != 3 {
			t.Errorf("exit code: got %d, want 3", got)
		}
	})

	t.Run("crash panics", func(t *testing.T) {
		p, base := serve(t)
		if status, body := post(t, base+"/crash"); status != 200 {
			t.Errorf("POST /crash: got %d %q, want 200", status, body)
		}
		if got := p.exitCode(t, processDeadline); got != 2 {
			t.Errorf("exit code: got %d, want 2 (Go panic)", got)
		}
		if !strings.Contains(p.stderr.String(), "panic: crash requested") {
			t.Errorf("stderr: got %q, want a panic message", p.stderr.String())
		}
	})

	t.Run("SIGTERM exits 0 within a second", func(t *testing.T) {
		p, base := serve(t)
		if status, _ := post(t, base+"/healthz/ok"); status != 200 {
			t.Fatalf("POST /healthz/ok: got %d, want 200", status)
		}
		p.waitLine(t, regexp.MustCompile(`msg=request method=POST uri=/healthz/ok status=200`))
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.waitLine(t, regexp.MustCompile(`msg=terminating signal=terminated`))
		if got := p.exitCode(t, time.Second); got != 0 {
			t.Errorf("exit code: got %d, want 0", got)
		}
	})

	t.Run("sleep waits for SIGTERM", func(t *testing.T) {
		p := start(t, bin, "--sleep")
		p.waitLine(t, regexp.MustCompile(`msg=sleeping`))
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.waitLine(t, regexp.MustCompile(`msg=terminating`))
		if got := p.exitCode(t, time.Second); got != 0 {
			t.Errorf("exit code: got %d, want 0", got)
		}
	})

	exitAfter := []struct {
		name string
		args []string
		want int
	}{
		{"sleep exit-after", []string{"sleep", "--exit-after", "50ms"}, 0},
		{"sleep exit-after with code", []string{"--sleep", "--exit-after", "50ms", "--exit-code", "7"}, 7},
		{"serve exit-after", []string{"-addr", "127.0.0.1:0", "--exit-after", "50ms"}, 0},
		{"bad flag", []string{"--nope"}, 2},
		{"one-shot echo", []string{"--echo", "hi", "--exit-code", "4"}, 4},
		{"alloc at start", []string{"--sleep", "--alloc-mb", "8", "--exit-after", "50ms"}, 0},
	}
	for _, tt := range exitAfter {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, bin, tt.args...)
			if got := p.exitCode(t, processDeadline); got != tt.want {
				t.Errorf("exit code: got %d, want %d (stdout %q)", got, tt.want, p.output())
			}
		})
	}
}
