package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/patch"
)

// mutation changes an object (as JSON) the way a verb asks; an error means
// the verb does not apply to it.
type mutation func(ref objectRef, o object) error

// patchResult is what became of one object's patch.
type patchResult int

const (
	patched patchResult = iota
	unchanged
)

// patchObject reads the object, applies mutate to a copy and sends the
// strategic merge patch between the two, as kubectl's pause, resume,
// restart and set image do: only what the verb changed goes to the server,
// so it does not undo what others wrote since. failed begins the error of
// a patch the server refuses.
func patchObject(ctx context.Context, sess *session, ref objectRef, mutate mutation, failed string) (patchResult, error) {
	raw, err := sess.getObject(ctx, ref.res, ref.namespace, ref.name)
	if err != nil {
		return 0, err
	}
	p, err := mutationPatch(ref, raw, mutate)
	if err != nil {
		return 0, err
	}
	if string(p) == "{}" {
		return unchanged, nil
	}
	if _, err := sess.client.Dynamic(ref.res).Patch(ctx, ref.namespace, ref.name, client.StrategicMergePatch, p); err != nil {
		return 0, fmt.Errorf("%s: %w", failed, err)
	}
	return patched, nil
}

// mutationPatch is the strategic merge patch that mutate makes of raw, an
// object of ref's kind; "{}" when it changes nothing.
func mutationPatch(ref objectRef, raw []byte, mutate mutation) ([]byte, error) {
	o, err := parseObject(raw)
	if err != nil {
		return nil, err
	}
	// A null in a stored object says nothing (creationTimestamp: null in a
	// pod template); left in, it would read as a field to delete.
	dropNulls(o)
	original, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if err := mutate(ref, o); err != nil {
		return nil, fmt.Errorf("%s %q %v", pluralName(ref.res), ref.name, err)
	}
	modified, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	p, err := patch.CreateTwoWayMergePatch(original, modified, ref.res.Type())
	if err != nil {
		return nil, fmt.Errorf("creating the patch of %s: %w", ref, err)
	}
	return p, nil
}

// dropNulls removes the null fields of v's maps, at every depth.
func dropNulls(v any) {
	switch v := v.(type) {
	case object:
		dropNulls(map[string]any(v))
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range v {
			dropNulls(e)
		}
	}
}

// patchVerb is a rollout verb that patches each object it names and
// prints "<kind>/<name> <done>".
type patchVerb struct {
	refs refOptions
	// done is what the verb prints after an object's name.
	done string
	// unchanged handles an object the mutation left as it was: print a
	// line, or return an error.
	unchanged func(out io.Writer, ref objectRef) error
	mutate    func() mutation
}

func (v *patchVerb) command(g *globalOptions, s streams, use, short, long, example string) *cobra.Command {
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return v.run(cmd.Context(), sess, s, cmd.CommandPath(), args)
		},
	}
	v.refs.addFlags(cmd.Flags(), cmd.Name(), false)
	return cmd
}

func (v *patchVerb) run(ctx context.Context, sess *session, s streams, cmdPath string, args []string) error {
	refs, err := v.refs.resolve(ctx, sess, s, cmdPath, args, "required resource not specified")
	if err != nil {
		return err
	}
	mutate := v.mutate()
	var errs []error
	for _, ref := range refs {
		res, err := patchObject(ctx, sess, ref, mutate, "failed to patch")
		switch {
		case err != nil:
			errs = append(errs, err)
		case res == unchanged:
			if err := v.unchanged(s.out, ref); err != nil {
				errs = append(errs, err)
			}
		default:
			fmt.Fprintf(s.out, "%s %s\n", ref, v.done)
		}
	}
	return errors.Join(errs...)
}

func newRolloutPauseCommand(g *globalOptions, s streams) *cobra.Command {
	v := &patchVerb{
		done: "paused",
		unchanged: func(out io.Writer, ref objectRef) error {
			_, err := fmt.Fprintf(out, "%s already paused\n", ref)
			return err
		},
		mutate: func() mutation { return setPaused(true) },
	}
	return v.command(g, s, "pause RESOURCE", "Mark the provided resource as paused",
		`Mark a deployment as paused. The deployment controller leaves a paused
deployment's pods alone: changes to its template start no rollout until it
is resumed with 'wharf rollout resume'.`,
		`  wharf rollout pause deployment/web`)
}

func newRolloutResumeCommand(g *globalOptions, s streams) *cobra.Command {
	v := &patchVerb{
		done: "resumed",
		unchanged: func(out io.Writer, ref objectRef) error {
			_, err := fmt.Fprintf(out, "%s already resumed\n", ref)
			return err
		},
		mutate: func() mutation { return setPaused(false) },
	}
	return v.command(g, s, "resume RESOURCE", "Resume a paused resource",
		`Resume a paused deployment: the deployment controller rolls out the
changes made to it while it was paused.`,
		`  wharf rollout resume deployment/web`)
}

// setPaused is the mutation of pause (true) and resume (false); only
// deployments can be paused, and pausing twice is an error, as in kubectl.
func setPaused(paused bool) mutation {
	return func(ref objectRef, o object) error {
		if !isKind(ref.res, "apps", "Deployment") {
			if paused {
				return errors.New("pausing is not supported")
			}
			return errors.New("resuming is not supported")
		}
		now := o.get("spec", "paused") == true
		switch {
		case paused && now:
			return errors.New("is already paused")
		case !paused && !now:
			return errors.New("is not paused")
		}
		setField(o, paused, "spec", "paused")
		return nil
	}
}

func newRolloutRestartCommand(g *globalOptions, s streams) *cobra.Command {
	return newRolloutRestartCommandAt(g, s, time.Now)
}

// newRolloutRestartCommandAt is restart with a clock, so that tests can
// restart twice within a second.
func newRolloutRestartCommandAt(g *globalOptions, s streams, now func() time.Time) *cobra.Command {
	v := &patchVerb{
		done: "restarted",
		unchanged: func(_ io.Writer, ref objectRef) error {
			return fmt.Errorf("failed to create patch for %s: if restart has already been triggered within the past second, please wait before attempting to trigger another", ref.name)
		},
		mutate: func() mutation { return restartAt(now()) },
	}
	return v.command(g, s, "restart RESOURCE", "Restart a resource",
		`Restart the pods of a deployment or daemon set with a rolling update: the
pod template gets a kubectl.kubernetes.io/restartedAt annotation with the
time, which makes a new revision.`,
		`  wharf rollout restart deployment/web
  wharf rollout restart deployments -l tier=frontend`)
}

// restartAt is the mutation of restart: it stamps the pod template with
// the time, to the second, in local time as kubectl writes it.
func restartAt(t time.Time) mutation {
	return func(ref objectRef, o object) error {
		switch {
		case isKind(ref.res, "apps", "Deployment"):
			if o.get("spec", "paused") == true {
				return errors.New("can't restart paused deployment (run rollout resume first)")
			}
		case isKind(ref.res, "apps", "DaemonSet"), isKind(ref.res, "apps", "StatefulSet"):
		default:
			return errors.New("restarting is not supported")
		}
		setField(o, t.Format(time.RFC3339), "spec", "template", "metadata", "annotations", restartedAtAnnotation)
		return nil
	}
}
