package containerlog

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"time"
)

// DefaultMaxSize is the size at which the logger rotates a log file.
const DefaultMaxSize = 10 << 20

var errClosed = errors.New("log file closed")

// rotatedPath is the one rotated file kept beside path.
func rotatedPath(path string) string { return path + ".1" }

// Remove removes the log file at path and its rotated file. Missing files
// are not an error.
func Remove(path string) error {
	var errs []error
	for _, p := range []string{path, rotatedPath(path)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fileWriter appends entries of both streams to one log file, in the order
// they arrive, and rotates it at maxSize keeping one rotated file. It is
// safe for concurrent use.
type fileWriter struct {
	path    string
	maxSize int64
	now     func() time.Time

	mu     sync.Mutex
	f      *os.File // nil until opened, or after a failed rotation
	size   int64
	buf    []byte
	closed bool
}

func newFileWriter(path string, maxSize int64) *fileWriter {
	return &fileWriter{path: path, maxSize: maxSize, now: time.Now}
}

// open opens the file unless it is open. A file that exists is appended
// to: a restarted logger must not lose what was logged.
func (w *fileWriter) open() error {
	if w.closed {
		return errClosed
	}
	if w.f != nil {
		return nil
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Open opens the file, so that a logger can report a bad path at once.
func (w *fileWriter) Open() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.open()
}

// write appends one entry, stamped now. On error the entry is lost, and the
// next write tries again to open the file: the container's output must be
// drained whatever happens to the file.
func (w *fileWriter) write(streamName string, partial bool, content []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = appendEntry(w.buf[:0], w.now().UTC(), streamName, partial, content)
	if w.f != nil && w.size > 0 && w.size+int64(len(w.buf)) > w.maxSize {
		w.rotate()
	}
	if err := w.open(); err != nil {
		return err
	}
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	return err
}

// rotate closes the file and renames it over the rotated one; the next
// write creates a new file. Readers that follow the log notice the new
// file by its identity and finish the old one first.
func (w *fileWriter) rotate() {
	_ = w.f.Close()
	w.f = nil
	// If the rename fails the file is reopened and grows past maxSize:
	// better than losing lines.
	_ = os.Rename(w.path, rotatedPath(w.path))
}

// Close closes the file; later writes fail.
func (w *fileWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
