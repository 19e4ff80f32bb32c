package remotecommand

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// The subprotocols, newest first. Only v5 can tell the command that stdin
// has ended, so it is the one both ends prefer.
const (
	ProtocolV5 = "v5.channel.k8s.io"
	ProtocolV4 = "v4.channel.k8s.io"
)

// Channel numbers: the first three are the file descriptors they carry.
const (
	channelStdin  byte = 0
	channelStdout byte = 1
	channelStderr byte = 2
	channelStatus byte = 3
	channelResize byte = 4
	// signalClose, followed by a channel number, says its sender will
	// write no more on that channel (v5 only).
	signalClose byte = 255
)

// The status of a command that exited non-zero, as Kubernetes spells it.
const (
	reasonNonZeroExitCode meta.StatusReason = "NonZeroExitCode"
	causeExitCode                           = "ExitCode"
)

// TerminalSize is a terminal's size in characters. The field names are the
// JSON keys of a resize message.
type TerminalSize struct {
	Width  uint16
	Height uint16
}

// Options says which streams an exec session carries.
type Options struct {
	Stdin  bool
	Stdout bool
	Stderr bool
	// TTY gives the command a terminal: its stdout and stderr merge into
	// stdout, and the client sends resizes.
	TTY bool
}

// ParseOptions reads the stream flags of an exec request's query: stdin,
// stdout, stderr and tty, as the pods/exec subresource names them (the
// kubelet's input, output and error are accepted too), each "true" or "1"
// (anything strconv.ParseBool reads). As the kubelet does, a terminal drops
// stderr, and at least one of stdin, stdout and stderr must be asked for.
func ParseOptions(q url.Values) (Options, error) {
	var o Options
	var err error
	flag := func(names ...string) bool {
		on := false
		for _, n := range names {
			v := q.Get(n)
			if v == "" {
				continue
			}
			b, perr := strconv.ParseBool(v)
			if perr != nil && err == nil {
				err = errdefs.BadRequest("invalid %s value %q: want true or false", n, v)
			}
			on = on || b
		}
		return on
	}
	o.Stdin = flag("stdin", "input")
	o.Stdout = flag("stdout", "output")
	o.Stderr = flag("stderr", "error")
	o.TTY = flag("tty")
	if err != nil {
		return Options{}, err
	}
	if o.TTY {
		o.Stderr = false
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return Options{}, errdefs.BadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}

// AddTo sets o's flags in q the way kubectl sends them: the true ones only.
func (o Options) AddTo(q url.Values) {
	for _, f := range []struct {
		name string
		on   bool
	}{{"stdin", o.Stdin}, {"stdout", o.Stdout}, {"stderr", o.Stderr}, {"tty", o.TTY}} {
		if f.on {
			q.Set(f.name, "true")
		}
	}
}

// ExitError is the result of a command that ran and exited non-zero.
type ExitError struct {
	Code int
}

// Error is kubectl's wording.
func (e ExitError) Error() string { return fmt.Sprintf("command terminated with exit code %d", e.Code) }

// ExitCode lets a command line exit with the remote command's code without
// knowing this package.
func (e ExitError) ExitCode() int { return e.Code }

// finalStatus is what the server writes on the status channel once the
// command is over. Exit codes travel as one byte (clients parse them as
// such), so a code outside 1..255 that is not zero is reported as 255.
func finalStatus(code int, runErr error) *meta.Status {
	switch {
	case runErr != nil:
		return errdefs.ToStatus(runErr)
	case code == 0:
		return &meta.Status{Status: meta.StatusSuccess}
	}
	if code < 0 || code > 255 {
		code = 255
	}
	return &meta.Status{
		Status:  meta.StatusFailure,
		Reason:  reasonNonZeroExitCode,
		Message: fmt.Sprintf("command terminated with non-zero exit code: %d", code),
		Details: &meta.StatusDetails{Causes: []meta.StatusCause{{Type: causeExitCode, Message: strconv.Itoa(code)}}},
	}
}

// decodeStatus turns what the status channel carried into Stream's result:
// nil for success (or for no status at all, as Kubernetes' clients read
// it), ExitError for a non-zero exit, the server's error otherwise.
func decodeStatus(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var st meta.Status
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("exec: the status the server sent is not JSON: %w (%q)", err, b)
	}
	switch st.Status {
	case meta.StatusSuccess:
		return nil
	case meta.StatusFailure:
	default:
		return fmt.Errorf("exec: the server sent a status of %q", st.Status)
	}
	if st.Reason != reasonNonZeroExitCode {
		return errdefs.FromStatus(&st)
	}
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Type != causeExitCode {
				continue
			}
			code, err := strconv.ParseUint(c.Message, 10, 8)
			if err != nil {
				return fmt.Errorf("exec: the server sent an invalid exit code %q", c.Message)
			}
			return ExitError{Code: int(code)}
		}
	}
	return errors.New("exec: the server reported a non-zero exit code without the code")
}
