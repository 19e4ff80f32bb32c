package streaming

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
)

// serveLogs streams a container's log. The reply's status waits for the
// first byte, so that a container that is not there still gets a 404.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	opts, previous, err := parseLogQuery(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	lw := &logWriter{w: w, rc: http.NewResponseController(w)}
	err = s.backend.ContainerLogs(r.Context(), ns, pod, container, previous, opts, lw)
	if lw.hasStarted() {
		if err != nil && r.Context().Err() == nil && !errors.Is(err, errClientGone) {
			s.log.Warn("container log stream broke off", "namespace", ns, "pod", pod, "container", container, "err", err)
		}
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	lw.start() // an empty log is still a log
}

// parseLogQuery reads the query of a log request as the pods/log
// subresource defines it.
func parseLogQuery(q url.Values, now time.Time) (opts nodeagent.LogOptions, previous bool, err error) {
	opts.TailLines = -1
	boolean := func(name string) bool {
		v := q.Get(name)
		if v == "" || err != nil {
			return false
		}
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			err = errdefs.BadRequest("invalid %s value %q: want true or false", name, v)
		}
		return b
	}
	integer := func(name string, min int64, def int64) int64 {
		v := q.Get(name)
		if v == "" || err != nil {
			return def
		}
		n, perr := strconv.ParseInt(v, 10, 64)
		switch {
		case perr != nil:
			err = errdefs.BadRequest("invalid %s value %q: want an integer", name, v)
		case n < min:
			err = errdefs.BadRequest("invalid %s value %d: must be greater than or equal to %d", name, n, min)
		}
		return n
	}
	opts.Follow = boolean("follow")
	previous = boolean("previous")
	opts.Timestamps = boolean("timestamps")
	opts.TailLines = integer("tailLines", 0, -1)
	opts.LimitBytes = integer("limitBytes", 1, 0)
	sinceSeconds := integer("sinceSeconds", 1, 0)
	if err != nil {
		return nodeagent.LogOptions{}, false, err
	}
	sinceTime := q.Get("sinceTime")
	switch {
	case sinceSeconds > 0 && sinceTime != "":
		return nodeagent.LogOptions{}, false, errdefs.BadRequest("at most one of sinceTime or sinceSeconds may be specified")
	case sinceSeconds > 0:
		opts.Since = now.Add(-time.Duration(sinceSeconds) * time.Second)
	case sinceTime != "":
		t, perr := time.Parse(time.RFC3339, sinceTime)
		if perr != nil {
			return nodeagent.LogOptions{}, false, errdefs.BadRequest("invalid sinceTime value %q: want an RFC 3339 time such as 2006-01-02T15:04:05Z", sinceTime)
		}
		opts.Since = t
	}
	return opts, previous, nil
}

// errClientGone marks a write that failed because the client left.
var errClientGone = errors.New("the client went away")

// logWriter sends the log as it comes: the headers with the first byte,
// then each write flushed, so that a follower sees lines at once.
type logWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController

	mu      sync.Mutex
	started bool
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	l.startLocked()
	n, err := l.w.Write(p)
	if err == nil {
		err = l.rc.Flush()
	}
	if err != nil {
		return n, errors.Join(errClientGone, err)
	}
	return n, nil
}

func (l *logWriter) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.startLocked()
}

// hasStarted reports whether the reply is under way.
func (l *logWriter) hasStarted() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

func (l *logWriter) startLocked() {
	if l.started {
		return
	}
	l.started = true
	l.w.Header().Set("Content-Type", "text/plain")
	l.w.Header().Set("X-Content-Type-Options", "nosniff")
	l.w.WriteHeader(http.StatusOK)
}
