package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// What the deployment controller writes and the rollout verbs read; the
// names are Kubernetes', which kubectl and dashboards also read.
const (
	restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"
)

// errWaitTimeout is what kubectl says when --timeout passes; scripts match it.
var errWaitTimeout = errors.New("timed out waiting for the condition")

type rolloutStatusOptions struct {
	refs     refOptions
	watch    bool
	revision int64
	timeout  time.Duration
}

func newRolloutStatusCommand(g *globalOptions, s streams) *cobra.Command {
	o := &rolloutStatusOptions{watch: true}
	cmd := &cobra.Command{
		Use:   "status (TYPE NAME | TYPE/NAME)",
		Short: "Show the status of the rollout",
		Long: `Show the status of the rollout of a deployment or daemon set.

By default it watches the rollout and prints a line each time its status
changes until it is done, then exits 0. It exits 1 when the deployment's
progress deadline is exceeded, when --timeout passes, or when the object is
deleted. --watch=false prints the current status once. Several objects are
followed one after the other, each with its own --timeout, until one fails.`,
		Example: `  wharf rollout status deployment/web
  wharf rollout status deploy web --timeout=5m
  wharf rollout status daemonset/agent --watch=false`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.revision < 0 {
				return fmt.Errorf("revision must be a positive integer: %v", o.revision)
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args)
		},
	}
	f := cmd.Flags()
	o.refs.addFlags(f, "watch", false)
	f.BoolVarP(&o.watch, "watch", "w", o.watch, "watch the status of the rollout until it is done")
	f.Int64Var(&o.revision, "revision", 0, "pin to a specific revision for showing its status (0: the latest)")
	f.DurationVar(&o.timeout, "timeout", 0, "how long to watch before giving up (0: forever)")
	return cmd
}

func (o *rolloutStatusOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	refs, err := o.refs.resolve(ctx, sess, s, "wharf rollout status", args, "required resource not specified")
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if err := o.one(ctx, sess, s.out, ref); err != nil {
			return err
		}
	}
	return nil
}

// one follows the rollout of one object, within --timeout.
func (o *rolloutStatusOptions) one(ctx context.Context, sess *session, out io.Writer, ref objectRef) error {
	viewer, err := statusViewerFor(ref.res)
	if err != nil {
		return err
	}
	parent := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	err = o.follow(ctx, sess, out, ref, viewer)
	if err != nil && ctx.Err() != nil && parent.Err() == nil {
		return errWaitTimeout
	}
	return err
}

// follow prints the rollout's status as it is now, then, unless it is done
// or --watch=false, each time the object changes until it is done.
func (o *rolloutStatusOptions) follow(ctx context.Context, sess *session, out io.Writer, ref objectRef, viewer statusViewer) error {
	// report prints one status and says whether to stop.
	report := func(raw []byte) (bool, error) {
		msg, done, err := viewer(raw, o.revision)
		if err != nil {
			return true, err
		}
		fmt.Fprint(out, msg)
		return done || !o.watch, nil
	}
	raw, err := sess.getObject(ctx, ref.res, ref.namespace, ref.name)
	if err != nil {
		return err
	}
	if stop, err := report(raw); stop || err != nil {
		return err
	}
	rv := revisionOf(raw)
	dyn := sess.client.Dynamic(ref.res)
	for {
		w, err := dyn.Watch(ctx, ref.namespace, client.ListOptions{
			FieldSelector:       "metadata.name=" + ref.name,
			ResourceVersion:     rv,
			AllowWatchBookmarks: true,
		})
		if err != nil {
			return err
		}
		stop, relist, err := o.events(w, &rv, report)
		w.Stop()
		if stop || err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if relist {
			// The watch started too far back: read the object again and
			// go on from its current state, as an informer would.
			raw, err := sess.getObject(ctx, ref.res, ref.namespace, ref.name)
			if errors.Is(err, errdefs.ErrNotFound) {
				return errors.New("object has been deleted")
			}
			if err != nil {
				return err
			}
			if stop, err := report(raw); stop || err != nil {
				return err
			}
			rv = revisionOf(raw)
			continue
		}
		// Servers end watches after a while; pause before the next one so
		// that a server that ends them at once is not hammered.
		pause := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			pause.Stop()
			return ctx.Err()
		case <-pause.C:
		}
	}
}

// events handles one watch until it ends, keeping *rv at the last revision
// seen. relist says the watch expired and the object must be read again.
func (o *rolloutStatusOptions) events(w *client.RawWatcher, rv *string, report func([]byte) (bool, error)) (stop, relist bool, err error) {
	for ev := range w.Events() {
		switch ev.Type {
		case meta.Added, meta.Modified:
			*rv = revisionOf(ev.Object)
			if stop, err := report(ev.Object); stop || err != nil {
				return true, false, err
			}
		case meta.Deleted:
			// Stop rather than silently follow a new object of the same name.
			return true, false, errors.New("object has been deleted")
		case meta.Bookmark:
			if r := revisionOf(ev.Object); r != "" {
				*rv = r
			}
		case meta.Error:
			if errors.Is(ev.Err, errdefs.ErrExpired) || errors.Is(ev.Err, errdefs.ErrGone) {
				return false, true, nil
			}
			return true, false, ev.Err
		}
	}
	return false, false, nil
}

// statusViewer reads a rollout's status from an object as JSON: the line
// to print, whether the rollout is done, or why it failed.
type statusViewer func(raw []byte, revision int64) (string, bool, error)

// statusViewerFor returns the status viewer of a kind, as kubectl has them.
func statusViewerFor(res *scheme.Resource) (statusViewer, error) {
	switch {
	case isKind(res, "apps", "Deployment"):
		return func(raw []byte, revision int64) (string, bool, error) {
			var d apps.Deployment
			if err := json.Unmarshal(raw, &d); err != nil {
				return "", false, fmt.Errorf("decoding the deployment: %w", err)
			}
			return deploymentStatus(&d, revision)
		}, nil
	case isKind(res, "apps", "DaemonSet"):
		return func(raw []byte, _ int64) (string, bool, error) {
			var ds apps.DaemonSet
			if err := json.Unmarshal(raw, &ds); err != nil {
				return "", false, fmt.Errorf("decoding the daemon set: %w", err)
			}
			return daemonSetStatus(&ds)
		}, nil
	}
	return nil, fmt.Errorf("no status viewer has been implemented for %s", groupKind(res))
}

// deploymentStatus says how far a deployment's rollout is, reading the
// fields in the order kubectl's DeploymentStatusViewer reads them: nothing
// is known until the controller has observed the current generation; then
// a passed progress deadline fails the rollout; then it waits for every
// replica to be updated, for the old ones to go, and for the new ones to be
// available.
func deploymentStatus(d *apps.Deployment, revision int64) (string, bool, error) {
	if revision > 0 {
		current, err := annotationRevision(d.Annotations)
		if err != nil {
			return "", false, fmt.Errorf("cannot get the revision of deployment %q: %v", d.Name, err)
		}
		if revision != current {
			return "", false, fmt.Errorf("desired revision (%d) is different from the running revision (%d)", revision, current)
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	st := d.Status
	for _, c := range st.Conditions {
		if c.Type == apps.DeploymentProgressing && c.Reason == apps.ProgressDeadlineExceededReason {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	if d.Spec.Replicas != nil && st.UpdatedReplicas < *d.Spec.Replicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n", d.Name, st.UpdatedReplicas, *d.Spec.Replicas), false, nil
	}
	if st.Replicas > st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n", d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	}
	if st.AvailableReplicas < st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n", d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

// daemonSetStatus is kubectl's DaemonSetStatusViewer: only rolling updates
// have a rollout to follow.
func daemonSetStatus(ds *apps.DaemonSet) (string, bool, error) {
	if ds.Spec.UpdateStrategy.Type != apps.RollingUpdateDaemonSetStrategyType {
		return "", true, fmt.Errorf("rollout status is only available for %s strategy type", apps.RollingUpdateDaemonSetStrategyType)
	}
	if ds.Generation > ds.Status.ObservedGeneration {
		return "Waiting for daemon set spec update to be observed...\n", false, nil
	}
	st := ds.Status
	if st.UpdatedNumberScheduled < st.DesiredNumberScheduled {
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...\n", ds.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled), false, nil
	}
	if st.NumberAvailable < st.DesiredNumberScheduled {
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...\n", ds.Name, st.NumberAvailable, st.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out\n", ds.Name), true, nil
}

// annotationRevision reads the revision annotation of a deployment or
// replica set; none is revision 0, as kubectl reads it.
func annotationRevision(annotations map[string]string) (int64, error) {
	v, ok := annotations[apps.RevisionAnnotation]
	if !ok {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}
