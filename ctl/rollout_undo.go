package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
)

type rolloutUndoOptions struct {
	refs       refOptions
	toRevision int64
}

func newRolloutUndoCommand(g *globalOptions, s streams) *cobra.Command {
	o := &rolloutUndoOptions{}
	cmd := &cobra.Command{
		Use:   "undo (TYPE NAME | TYPE/NAME) [--to-revision=N]",
		Short: "Undo a previous rollout",
		Long: `Roll a deployment back to an earlier revision: its pod template becomes
the template of that revision's ReplicaSet, and the deployment controller
rolls it out. Without --to-revision it goes back to the revision before the
latest one. A paused deployment cannot be rolled back.`,
		Example: `  wharf rollout undo deployment/web
  wharf rollout undo deployment/web --to-revision=3`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args)
		},
	}
	f := cmd.Flags()
	o.refs.addFlags(f, "roll back", false)
	f.Int64Var(&o.toRevision, "to-revision", 0, "the revision to roll back to (0: the one before the latest)")
	return cmd
}

func (o *rolloutUndoOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	return o.refs.each(ctx, sess, s, "wharf rollout undo", args, func(ref objectRef) error { return o.one(ctx, sess, s.out, ref) })
}

func (o *rolloutUndoOptions) one(ctx context.Context, sess *session, out io.Writer, ref objectRef) error {
	if !isKind(ref.res, "apps", "Deployment") {
		return fmt.Errorf("no rollbacker has been implemented for %q", groupKind(ref.res))
	}
	if o.toRevision < 0 {
		return revisionNotFound(o.toRevision)
	}
	raw, err := sess.getObject(ctx, ref.res, ref.namespace, ref.name)
	if err != nil {
		return err
	}
	d, err := parseObject(raw)
	if err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, sess, d)
	if err != nil {
		return fmt.Errorf("failed to retrieve replica sets from deployment %s: %w", d.name(), err)
	}
	rs, err := revisionToRollBack(rss, o.toRevision, d.name())
	if err != nil {
		return err
	}
	if d.get("spec", "paused") == true {
		return errors.New("you cannot rollback a paused deployment; resume it first with 'wharf rollout resume' and try again")
	}
	if reflect.DeepEqual(templateWithoutHash(rs.obj("spec", "template")), templateWithoutHash(d.obj("spec", "template"))) {
		rev, _ := replicaSetRevision(rs)
		_, err := fmt.Fprintf(out, "%s skipped rollback (current template already matches revision %d)\n", ref, rev)
		return err
	}
	patch, err := rollbackPatch(d, rs)
	if err != nil {
		return err
	}
	if _, err := sess.client.Dynamic(ref.res).Patch(ctx, ref.namespace, ref.name, client.JSONPatch, patch); err != nil {
		return fmt.Errorf("failed restoring revision %d: %w", o.toRevision, err)
	}
	_, err = fmt.Fprintf(out, "%s rolled back\n", ref)
	return err
}

func revisionNotFound(r int64) error {
	return fmt.Errorf("unable to find specified revision %v in history", r)
}

// revisionToRollBack picks the replica set to roll back to: the one whose
// revision annotation is toRevision, or with toRevision 0 the one with the
// second highest revision (the highest being the current one). Replica
// sets whose revision cannot be read are skipped.
func revisionToRollBack(rss []object, toRevision int64, deployment string) (object, error) {
	var latest, previous object
	latestRev, previousRev := int64(-1), int64(-1)
	for _, rs := range rss {
		v, err := replicaSetRevision(rs)
		if err != nil {
			continue
		}
		switch {
		case toRevision > 0:
			if v == toRevision {
				return rs, nil
			}
		case v > latestRev:
			previous, previousRev = latest, latestRev
			latest, latestRev = rs, v
		case v > previousRev:
			previous, previousRev = rs, v
		}
	}
	if toRevision > 0 {
		return nil, revisionNotFound(toRevision)
	}
	if previous == nil {
		return nil, fmt.Errorf("no rollout history found for deployment %q", deployment)
	}
	return previous, nil
}

// rollbackAnnotations are the deployment's own annotations, which a
// rollback keeps from the deployment rather than taking from the replica
// set: the last-applied configuration and the controller's bookkeeping.
var rollbackAnnotations = map[string]bool{
	lastAppliedAnnotation:                       true,
	apps.RevisionAnnotation:                     true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	"deprecated.deployment.rollback.to":         true,
}

// rollbackPatch is the JSON patch kubectl sends to roll deployment d back
// to replica set rs: d's pod template becomes rs's without the
// pod-template-hash label, and d's annotations become rs's, except the
// ones in rollbackAnnotations, which d keeps.
//
// The annotations are set with "add" where kubectl says "replace": the two
// agree when d has annotations, and "add" also works when it has none.
func rollbackPatch(d, rs object) ([]byte, error) {
	tmpl := templateWithoutHash(rs.obj("spec", "template"))
	if tmpl == nil {
		tmpl = object{}
	}
	annotations := map[string]string{}
	for k, v := range d.stringMap("metadata", "annotations") {
		if rollbackAnnotations[k] {
			annotations[k] = v
		}
	}
	for k, v := range rs.stringMap("metadata", "annotations") {
		if !rollbackAnnotations[k] {
			annotations[k] = v
		}
	}
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	return json.Marshal([]op{
		{Op: "replace", Path: "/spec/template", Value: tmpl},
		{Op: "add", Path: "/metadata/annotations", Value: annotations},
	})
}
