package containerd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
)

// containerLogs is ContainerLogs into a string.
func containerLogs(t *testing.T, r *Runtime, id string, opts nodeagent.LogOptions) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := r.ContainerLogs(ctx, id, opts, &out); err != nil {
		t.Fatalf("ContainerLogs(%+v): %v; output %q", opts, err, out.String())
	}
	return out.String()
}

func TestContainerLogs(t *testing.T) {
	r := newTestRuntime(t)
	sb := runSandbox(t, r, "logs")
	ctx := context.Background()
	before := time.Now()
	id, err := r.StartContainer(ctx, sb.ID, testContainer("app", "--sleep", "--exit-after", "1s"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}

	// Following returns by itself once the container has exited.
	start := time.Now()
	followed := containerLogs(t, r, id, nodeagent.LogOptions{Follow: true, TailLines: -1})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("follow took %s, want it to end soon after the exit at 1s", d)
	}
	lines := strings.Split(strings.TrimSuffix(followed, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "msg=sleeping") || !strings.Contains(lines[1], "msg=exiting") {
		t.Fatalf("followed log: got %q, want the sleeping and exiting lines", followed)
	}
	if c := findContainer(t, r, sb.ID, id); c.State != nodeagent.ContainerExited {
		t.Errorf("state after the followed log ended: got %v, want Exited", c.State)
	}

	// The exited container's log stays readable.
	stamped := containerLogs(t, r, id, nodeagent.LogOptions{TailLines: -1, Timestamps: true})
	var times []time.Time
	for i, l := range strings.Split(strings.TrimSuffix(stamped, "\n"), "\n") {
		ts, rest, _ := strings.Cut(l, " ")
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || tm.Before(before) || tm.After(time.Now()) {
			t.Errorf("line %q: got time %q (%v), want one between %s and now", l, ts, err, before)
		}
		if i < len(lines) && rest != lines[i] {
			t.Errorf("line %d after its time: got %q, want %q", i, rest, lines[i])
		}
		times = append(times, tm)
	}
	if len(times) != 2 {
		t.Fatalf("log with timestamps: got %q, want two lines", stamped)
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Errorf("time between the lines: got %s, want about the 1s the program slept", gap)
	}

	tests := []struct {
		name string
		opts nodeagent.LogOptions
		want string
	}{
		{"tail", nodeagent.LogOptions{TailLines: 1}, lines[1] + "\n"},
		{"tail zero", nodeagent.LogOptions{TailLines: 0}, ""},
		{"since the last line", nodeagent.LogOptions{TailLines: -1, Since: times[1]}, lines[1] + "\n"},
		{"since after the end", nodeagent.LogOptions{TailLines: -1, Since: time.Now()}, ""},
		{"limit", nodeagent.LogOptions{TailLines: -1, LimitBytes: 7}, followed[:7]},
		{"follow of an exited container", nodeagent.LogOptions{TailLines: -1, Follow: true}, followed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := containerLogs(t, r, id, tc.opts); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	// The next attempt does not touch the previous container's log.
	next, err := r.StartContainer(ctx, sb.ID, testContainer("app", "--sleep"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	waitLog(t, r, next, "msg=sleeping")
	if got := containerLogs(t, r, id, nodeagent.LogOptions{TailLines: -1}); got != followed {
		t.Errorf("previous container's log: got %q, want %q", got, followed)
	}
	if err := r.StopContainer(ctx, next, 10*time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	assertRemoved(t, r, next)

	if err := r.RemoveContainer(ctx, id); err != nil {
		t.Fatalf("RemoveContainer: %v", err)
	}
	for _, p := range []string{r.LogPath(id), r.LogPath(id) + ".1"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after RemoveContainer: got %v, want not exist", filepath.Base(p), err)
		}
	}
	if procs := loggersOf(r.LogPath(id)); len(procs) != 0 {
		t.Errorf("logger processes after RemoveContainer: got %v, want none", procs)
	}
	if err := r.ContainerLogs(ctx, id, nodeagent.LogOptions{TailLines: -1}, io.Discard); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("ContainerLogs of a removed container: got %v, want NotFound", err)
	}
}

// loggersOf lists the processes whose command line names path: the
// loggers still writing it.
func loggersOf(path string) []string {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte(path)) {
			out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// The file holds both streams in the CRI format; the logs interleave them.
func TestContainerLogsStderr(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := r.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sb := runSandbox(t, r, "stderr")
	// An unknown flag: the program prints its usage to stderr and exits 2.
	id, err := r.StartContainer(ctx, sb.ID, testContainer("app", "--no-such-flag"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	if c := waitExited(t, r, events, sb, id); c.ExitCode != 2 {
		t.Errorf("exit code: got %d, want 2", c.ExitCode)
	}
	b, err := os.ReadFile(r.LogPath(id))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		f := strings.SplitN(l, " ", 4)
		if _, err := time.Parse(time.RFC3339Nano, f[0]); err != nil || len(f) < 3 || f[1] != "stderr" || (f[2] != "F" && f[2] != "P") {
			t.Errorf("log file line %q: want <time> stderr F|P <text>", l)
		}
	}
	got := containerLogs(t, r, id, nodeagent.LogOptions{TailLines: -1, Follow: true})
	if !strings.HasPrefix(got, "flag provided but not defined: -no-such-flag\n") {
		t.Errorf("log: got %q, want the flag error first", got)
	}
	assertRemoved(t, r, id)
}

func TestContainerLogsFollowEndsWithContext(t *testing.T) {
	r := newTestRuntime(t)
	sb := runSandbox(t, r, "follow")
	id, err := r.StartContainer(context.Background(), sb.ID, testContainer("app", "--sleep"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	defer func() {
		if err := r.StopContainer(context.Background(), id, 10*time.Second); err != nil {
			t.Errorf("StopContainer: %v", err)
		}
		assertRemoved(t, r, id)
	}()
	waitLog(t, r, id, "msg=sleeping")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out bytes.Buffer
	err = r.ContainerLogs(ctx, id, nodeagent.LogOptions{TailLines: -1, Follow: true}, &out)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ContainerLogs of a running container: got %v, want the context's deadline", err)
	}
	if !strings.Contains(out.String(), "msg=sleeping") {
		t.Errorf("log: got %q, want the sleeping line", out.String())
	}
}

func TestContainerLogsNotFound(t *testing.T) {
	r := newTestRuntime(t)
	for _, id := range []string{newID(), "../../etc/passwd", ""} {
		err := r.ContainerLogs(context.Background(), id, nodeagent.LogOptions{TailLines: -1}, io.Discard)
		if !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("ContainerLogs(%q): got %v, want NotFound", id, err)
		}
	}
}
