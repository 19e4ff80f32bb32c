//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestRealExec: `wharf exec` and `kubectl exec` run a command in a
// container with its stdout, stderr and exit code; -i passes stdin and
// -it gives the command a terminal that follows the user's window size.
// The image has no shell: the commands are the test program's one-shot
// modes (-echo, -echo-stderr, -cat, -tty).
func TestRealExec(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "exec")
	n.apply(t, podManifest(ns, "box", testImage1, ""))
	n.waitPod(t, ns, "box", 60*time.Second, running)

	clients := []string{n.bin}
	if kubectl, err := lookKubectl(); err == nil {
		clients = append(clients, kubectl)
		// kubectl before 1.30 speaks SPDY/3.1 rather than WebSocket.
		if old := filepath.Join(filepath.Dir(mustEvalSymlinks(kubectl)), "kubectl.1.27"); fileExists(old) {
			clients = append(clients, old)
		}
	}
	for _, bin := range clients {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			c := n.cli(t)
			exe := func(stdin string, flags []string, cmd ...string) (string, string, int) {
				args := append(append([]string{"exec", "box", "-n", ns}, flags...), "--")
				return c.runExitCode(stdin, bin, append(args, cmd...)...)
			}
			out, errOut, code := exe("", nil, "/testimage", "-echo", "to-stdout", "-echo-stderr", "to-stderr", "-exit-code", "3")
			if code != 3 || out != "to-stdout\n" || !strings.Contains(errOut, "to-stderr") {
				t.Errorf("exec -echo -echo-stderr -exit-code 3: got exit %d, stdout %q, stderr %q; want 3, \"to-stdout\\n\" and to-stderr", code, out, errOut)
			}
			const input = "line one\nline two\n"
			out, errOut, code = exe(input, []string{"-i", "-c", "web"}, "/testimage", "-cat")
			if code != 0 || out != input {
				t.Errorf("exec -i -- /testimage -cat: got exit %d, stdout %q, stderr %q; want 0 and stdin %q back", code, out, errOut, input)
			}
			// Without -i the command's stdin is empty: cat ends at once.
			out, errOut, code = exe(input, nil, "/testimage", "-cat")
			if code != 0 || out != "" {
				t.Errorf("exec without -i -- /testimage -cat: got exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
			}
			out, errOut, code = exe("", nil, "/testimage", "-tty")
			if code != 0 || !strings.Contains(out, "tty=false") {
				t.Errorf("exec without -t -- /testimage -tty: got exit %d, stdout %q, stderr %q; want 0 and tty=false", code, out, errOut)
			}
			_, errOut, code = exe("", nil, "/no/such/binary")
			if code == 0 || errOut == "" {
				t.Errorf("exec of a missing binary: got exit %d, stderr %q; want a failure that says why", code, errOut)
			}
			_, errOut, code = exe("", nil, "/testimage", "--bogus")
			if code != 2 || !strings.Contains(errOut, "flag provided but not defined: -bogus") {
				t.Errorf("exec of a failing command: got exit %d, stderr %q; want 2 and the flag error", code, errOut)
			}

			t.Run("-it", func(t *testing.T) {
				term, err := runOnTerminal(c, 80, 24, bin, "exec", "-it", "box", "-n", ns, "--", "/testimage", "-tty", "-exit-code", "4")
				if err != nil {
					t.Fatal(err)
				}
				defer term.close()
				// The command may start before the terminal's size reaches
				// it (size=0x0), then get it with a SIGWINCH.
				term.waitOutput(t, "tty=true", 20*time.Second)
				term.waitOutput(t, "80x24", 10*time.Second)
				if err := term.resize(100, 30); err != nil {
					t.Fatal(err)
				}
				term.waitOutput(t, "size=100x30", 10*time.Second)
				// Enter on a terminal in raw mode sends a carriage return;
				// the container's terminal turns it into a newline.
				if _, err := term.master.Write([]byte("exit\r")); err != nil {
					t.Fatal(err)
				}
				code, err := term.wait(20 * time.Second)
				if err != nil {
					t.Fatalf("exec -it: %v; output %q", err, term.text())
				}
				if code != 4 {
					t.Errorf("exec -it: got exit %d, want 4; output %q", code, term.text())
				}
			})
		})
	}
}

func mustEvalSymlinks(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// terminal is a command run on a pseudo-terminal of the test's own, as a
// user's shell would run it.
type terminal struct {
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	read   chan struct{}
	exited chan struct{}
}

func runOnTerminal(c *cluster, cols, rows uint16, name string, args ...string) (*terminal, error) {
	master, slave, err := openPTY(cols, rows)
	if err != nil {
		return nil, err
	}
	defer slave.Close()
	t := &terminal{cmd: exec.Command(name, args...), master: master, read: make(chan struct{}), exited: make(chan struct{})}
	t.cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig, "HOME="+c.dataDir, "TERM=xterm")
	t.cmd.Stdin, t.cmd.Stdout, t.cmd.Stderr = slave, slave, slave
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := t.cmd.Start(); err != nil {
		master.Close()
		return nil, err
	}
	go func() {
		defer close(t.read)
		buf := make([]byte, 4096)
		for {
			k, err := master.Read(buf)
			t.mu.Lock()
			t.out.Write(buf[:k])
			t.mu.Unlock()
			if err != nil { // EIO once the last slave descriptor closes
				return
			}
		}
	}()
	go func() { _ = t.cmd.Wait(); close(t.exited) }()
	return t, nil
}

func (t *terminal) text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.String()
}

// waitOutput waits until the terminal has shown sub.
func (t *terminal) waitOutput(tb *testing.T, sub string, timeout time.Duration) {
	tb.Helper()
	if err := poll(timeout, func() string {
		if !strings.Contains(t.text(), sub) {
			return fmt.Sprintf("no %q in %q", sub, t.text())
		}
		return ""
	}); err != nil {
		tb.Fatal(err)
	}
}

// resize sets the terminal's size, as a terminal emulator does when its
// window changes; the kernel sends the command SIGWINCH.
func (t *terminal) resize(cols, rows uint16) error {
	return setWindowSize(t.master.Fd(), cols, rows)
}

// wait waits for the command's exit code.
func (t *terminal) wait(timeout time.Duration) (int, error) {
	select {
	case <-t.exited:
	case <-time.After(timeout):
		return -1, fmt.Errorf("still running after %v", timeout)
	}
	select {
	case <-t.read:
	case <-time.After(5 * time.Second):
	}
	return t.cmd.ProcessState.ExitCode(), nil
}

// close kills the command if it still runs (we started it) and releases
// the terminal.
func (t *terminal) close() {
	select {
	case <-t.exited:
	default:
		_ = t.cmd.Process.Kill()
		<-t.exited
	}
	t.master.Close()
	<-t.read
}

// openPTY opens a pseudo-terminal pair with the standard library only:
// /dev/ptmx, unlocked, and the /dev/pts entry it names, of the given size.
func openPTY(cols, rows uint16) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*os.File, *os.File, error) { master.Close(); return nil, nil, err }
	var unlock int32
	if err := ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		return fail(fmt.Errorf("unlock pty: %w", err))
	}
	var num uint32
	if err := ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&num)); err != nil {
		return fail(fmt.Errorf("pty number: %w", err))
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", num), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	if err := setWindowSize(slave.Fd(), cols, rows); err != nil {
		slave.Close()
		return fail(fmt.Errorf("window size: %w", err))
	}
	return master, slave, nil
}

func setWindowSize(fd uintptr, cols, rows uint16) error {
	ws := struct{ rows, cols, x, y uint16 }{rows, cols, 0, 0}
	return ioctl(fd, syscall.TIOCSWINSZ, unsafe.Pointer(&ws))
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}
