package ctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
)

const logsUsage = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]': POD or TYPE/NAME is a required argument for the logs command"

type logsOptions struct {
	container     string
	follow        bool
	previous      bool
	tail          int64
	since         time.Duration
	sinceTime     string
	timestamps    bool
	limitBytes    int64
	allContainers bool
	prefix        bool
}

func newLogsCommand(g *globalOptions, s streams) *cobra.Command {
	o := &logsOptions{}
	cmd := &cobra.Command{
		Use:   "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
		Short: "Print the logs of a container in a pod",
		Long: `Print the logs of a container in a pod, as its node's agent keeps them.

TYPE/NAME of a deployment, replica set, stateful set, daemon set, job or
service prints the logs of one of its pods, the most alive one. A pod of
several containers needs -c, else the container its
kubectl.kubernetes.io/default-container annotation names, else its first
container is used.`,
		Example: `  wharf logs web-5d8f7c9b4-x2x7k
  wharf logs -f deployment/web
  wharf logs web-5d8f7c9b4-x2x7k -c sidecar --tail 20
  wharf logs -p web-5d8f7c9b4-x2x7k --since 10m --timestamps
  wharf logs multi --all-containers --prefix`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			query, err := o.query()
			if err != nil {
				return err
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args[0], query)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.container, "container", "c", "", "print the logs of this container")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep streaming the logs as they are written")
	f.BoolVarP(&o.previous, "previous", "p", false, "print the logs of the previous, terminated instance of the container")
	f.Int64Var(&o.tail, "tail", -1, "print only the last N lines (-1: all)")
	f.DurationVar(&o.since, "since", 0, "print only the logs newer than this duration (5s, 2m, 3h)")
	f.StringVar(&o.sinceTime, "since-time", "", "print only the logs after this RFC 3339 time")
	f.BoolVar(&o.timestamps, "timestamps", false, "start each line with its RFC 3339 time")
	f.Int64Var(&o.limitBytes, "limit-bytes", 0, "print at most this many bytes (0: no limit)")
	f.BoolVar(&o.allContainers, "all-containers", false, "print the logs of every container of the pod")
	f.BoolVar(&o.prefix, "prefix", false, "start each line with the pod and container it comes from")
	return cmd
}

// complete checks the arguments and flags that need no server.
func (o *logsOptions) complete(args []string) error {
	switch len(args) {
	case 1:
	case 2:
		if o.container != "" {
			return errors.New("only one of -c or an inline [CONTAINER] arg is allowed")
		}
		o.container = args[1]
	default:
		return errors.New(logsUsage)
	}
	switch {
	case o.allContainers && o.container != "":
		return fmt.Errorf("--all-containers=true should not be specified with container name %s", o.container)
	case o.tail < -1:
		return errors.New("--tail must be greater than or equal to -1")
	case o.limitBytes < 0:
		return errors.New("--limit-bytes must be greater than 0")
	case o.since < 0:
		return errors.New("--since must be greater than 0")
	case o.since != 0 && o.sinceTime != "":
		return errors.New("at most one of `sinceTime` or `sinceSeconds` may be specified")
	}
	return nil
}

// query is the pods/log query of the flags, the container left out.
func (o *logsOptions) query() (url.Values, error) {
	q := url.Values{}
	for name, set := range map[string]bool{"follow": o.follow, "previous": o.previous, "timestamps": o.timestamps} {
		if set {
			q.Set(name, "true")
		}
	}
	if o.tail >= 0 {
		q.Set("tailLines", strconv.FormatInt(o.tail, 10))
	}
	if o.limitBytes > 0 {
		q.Set("limitBytes", strconv.FormatInt(o.limitBytes, 10))
	}
	if o.since > 0 {
		// Whole seconds, rounded up: a moment ago is a second ago.
		q.Set("sinceSeconds", strconv.FormatInt(int64(math.Ceil(o.since.Seconds())), 10))
	}
	if o.sinceTime != "" {
		t, err := time.Parse(time.RFC3339, o.sinceTime)
		if err != nil {
			return nil, fmt.Errorf("--since-time %q is not an RFC 3339 time such as 2006-01-02T15:04:05Z", o.sinceTime)
		}
		q.Set("sinceTime", t.Format(time.RFC3339))
	}
	return q, nil
}

func (o *logsOptions) run(ctx context.Context, sess *session, s streams, arg string, query url.Values) error {
	pod, err := findPod(ctx, sess, s, arg)
	if err != nil {
		return err
	}
	var containers []string
	switch {
	case o.allContainers:
		for _, c := range pod.Spec.AllContainers() {
			containers = append(containers, c.Name)
		}
	case o.container != "":
		containers = []string{o.container}
	default:
		c, err := defaultContainer(pod, s.errOut)
		if err != nil {
			return err
		}
		containers = []string{c}
	}
	podRes, _ := sess.scheme.ByKind("v1", "Pod")
	path := resourcePath(podRes, pod.Namespace, pod.Name) + "/log"
	stream := func(ctx context.Context, container string, w io.Writer) error {
		q := url.Values{}
		maps.Copy(q, query)
		q.Set("container", container)
		body, _, err := sess.client.Stream(ctx, path, q, "")
		if err != nil {
			return err
		}
		defer body.Close()
		if o.prefix {
			err = copyLines(w, body, fmt.Sprintf("[pod/%s/%s] ", pod.Name, container))
		} else if len(containers) > 1 {
			err = copyLines(w, body, "")
		} else {
			_, err = io.Copy(w, body)
		}
		if err != nil && o.follow && ctx.Err() != nil {
			return nil // interrupted while following: the usual way to stop
		}
		return err
	}

	if !o.follow || len(containers) == 1 {
		for _, c := range containers {
			if err := stream(ctx, c, s.out); err != nil {
				return err
			}
		}
		return nil
	}
	// Followed logs of several containers never end: all at once, a whole
	// line at a time.
	out := &lockedWriter{w: s.out}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range containers {
		g.Go(func() error { return stream(gctx, c, out) })
	}
	return g.Wait()
}

// copyLines copies r to w a whole line at a time, each after prefix, so
// that streams written together do not mix within a line.
func copyLines(w io.Writer, r io.Reader, prefix string) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(w, prefix+line); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
