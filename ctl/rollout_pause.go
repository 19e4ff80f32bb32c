package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

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
