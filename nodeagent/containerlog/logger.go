package containerlog

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/pkg/cio"
)

// The file descriptors containerd's shim gives a binary log driver: the
// read ends of the container's stdout and stderr pipes, and the write end
// of a pipe the shim waits on until the logger is ready.
const (
	fdStdout = 3
	fdStderr = 4
	fdReady  = 5
)

// drainTimeout bounds how long the logger keeps reading after SIGTERM. The
// shim closes its ends of the pipes and then sends SIGTERM when the task is
// deleted, and kills the logger 12 s later: by then the logger must have
// written what was left in the pipes and exited.
const drainTimeout = 8 * time.Second

// Main is the logger process that containerd's shim starts for each
// container (see BinaryCreator), with args the flags and the log file's
// path. It writes both streams to the file in the CRI format until both end,
// and returns the process's exit code.
//
// The shim starts it with stdout and stderr on /dev/null, so errors are
// reported there to no one: whatever happens to the file, Main keeps
// reading the pipes, since a container whose pipe is full or closed blocks
// or dies.
func Main(args []string) int {
	fl := flag.NewFlagSet("container-logger", flag.ContinueOnError)
	maxSize := fl.Int64("max-size", DefaultMaxSize, "rotate the log file at this many bytes, keeping one rotated file (PATH.1)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: container-logger [--max-size BYTES] PATH\n\nRun by containerd's shim with the container's stdout on fd 3, stderr on fd 4, and a ready pipe on fd 5.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	// containerd 1.6 adds an empty argument after a query key that has no
	// value: skip empty arguments.
	var paths []string
	for _, a := range fl.Args() {
		if a != "" {
			paths = append(paths, a)
		}
	}
	if len(paths) != 1 || *maxSize <= 0 {
		fl.Usage()
		return 2
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	defer signal.Stop(sig)
	err := run(paths[0], *maxSize,
		os.NewFile(fdStdout, "container-stdout"), os.NewFile(fdStderr, "container-stderr"),
		os.NewFile(fdReady, "ready"), sig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "container-logger %s: %v\n", paths[0], err)
		return 1
	}
	return 0
}

// run copies stdout and stderr into the log file at path until both end, or
// until drainTimeout after a signal on sig.
func run(path string, maxSize int64, stdout, stderr io.Reader, ready io.WriteCloser, sig <-chan os.Signal) error {
	w := newFileWriter(path, maxSize)
	openErr := w.Open() // a later write tries again
	// The shim reads one byte, or end of file, before it starts the
	// container.
	_, _ = ready.Write([]byte{0})
	_ = ready.Close()

	var mu sync.Mutex
	writeErr := openErr
	var wg sync.WaitGroup
	for _, s := range []struct {
		name string
		r    io.Reader
	}{{Stdout, stdout}, {Stderr, stderr}} {
		wg.Go(func() {
			err := copyStream(w, s.name, s.r)
			mu.Lock()
			writeErr = errors.Join(writeErr, err)
			mu.Unlock()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var timeout <-chan time.Time
	for {
		select {
		case <-done:
			mu.Lock()
			defer mu.Unlock()
			return errors.Join(writeErr, w.Close())
		case <-sig:
			if timeout == nil {
				timeout = time.After(drainTimeout)
			}
		case <-timeout:
			// The copying goroutines are still blocked in Read; the process
			// exits.
			return errors.Join(errors.New("streams still open after SIGTERM: gave up"), w.Close())
		}
	}
}

// copyStream writes what r gives as entries of stream name: a full entry
// per line, a partial one per MaxLineSize without a newline and for a last
// line without one. It returns when r ends, with the first error in
// writing, if any, after reading r to its end.
func copyStream(w *fileWriter, name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, MaxLineSize)
	var firstErr error
	note := func(err error) {
		if firstErr == nil && err != nil {
			firstErr = err
		}
	}
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			note(w.write(name, false, line[:len(line)-1]))
		case errors.Is(err, bufio.ErrBufferFull):
			note(w.write(name, true, line))
		default:
			if len(line) > 0 {
				note(w.write(name, true, line))
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) && !errors.Is(err, syscall.EBADF) {
				note(fmt.Errorf("read %s: %w", name, err))
			}
			return firstErr
		}
	}
}

// BinaryCreator is the task IO that has containerd's shim run the logger
// (the command logger, e.g. ["/usr/local/bin/wharf", "container-logger"],
// whose Main is this package's Main) to write the container's log file at
// path.
//
// The shim builds the logger's arguments from the query of a binary://
// URI, which it reads into a map: with more than one parameter their order
// would be random. So logger may hold the program and at most one
// argument, which becomes the only key, with path as its value.
func BinaryCreator(logger []string, path string) cio.Creator {
	return func(id string) (cio.IO, error) {
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("container log %q: must be an absolute path", path)
		}
		var args map[string]string
		switch len(logger) {
		case 1:
			args = map[string]string{path: ""}
		case 2:
			args = map[string]string{logger[1]: path}
		default:
			return nil, fmt.Errorf("container logger %q: want a program and at most one argument", logger)
		}
		return cio.BinaryIO(logger[0], args)(id)
	}
}
