package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"
)

// oneShot says whether a one-shot mode was asked for. The image has no
// shell, so exec tests run the program itself in these modes.
func (o options) oneShot() bool {
	return o.echo != "" || o.echoStderr != "" || o.printFile != "" || o.printEnv || o.cat || o.tty
}

// runOneShot does what each one-shot flag asks, in the order the usage
// lists them, and returns the exit code.
func runOneShot(o options, stdin io.Reader, stdout, stderr io.Writer) int {
	if o.echo != "" {
		fmt.Fprintln(stdout, o.echo)
	}
	if o.echoStderr != "" {
		fmt.Fprintln(stderr, o.echoStderr)
	}
	if o.printFile != "" {
		b, err := os.ReadFile(o.printFile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		stdout.Write(b)
	}
	if o.printEnv {
		for _, kv := range os.Environ() {
			fmt.Fprintln(stdout, kv)
		}
	}
	if o.cat {
		if _, err := io.Copy(stdout, stdin); err != nil {
			fmt.Fprintln(stderr, "cat:", err)
			return 1
		}
	}
	if o.tty {
		reportTerminal(stdin, stdout)
	}
	return o.exitCode
}

// reportTerminal writes "tty=BOOL size=COLSxROWS" for stdin, then
// "size=COLSxROWS" after every SIGWINCH, until stdin ends or a line reads
// "exit": a terminal in canonical mode sends no EOF unless ^D is typed.
func reportTerminal(stdin io.Reader, stdout io.Writer) {
	// Notify before the first report, so that a resize right after it is
	// never missed.
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)

	fd := -1
	if f, ok := stdin.(*os.File); ok {
		fd = int(f.Fd())
	}
	cols, rows, isTTY := terminalSize(fd)
	fmt.Fprintf(stdout, "tty=%t size=%dx%d\n", isTTY, cols, rows)

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-winch:
			cols, rows, _ := terminalSize(fd)
			fmt.Fprintf(stdout, "size=%dx%d\n", cols, rows)
		case line, ok := <-lines:
			if !ok || strings.TrimSpace(line) == "exit" {
				return
			}
		}
	}
}

// terminalSize asks the terminal behind fd its size; ok is false when fd
// is no terminal.
func terminalSize(fd int) (cols, rows uint16, ok bool) {
	if fd < 0 {
		return 0, 0, false
	}
	var ws struct{ Row, Col, Xpixel, Ypixel uint16 }
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); errno != 0 {
		return 0, 0, false
	}
	return ws.Col, ws.Row, true
}
