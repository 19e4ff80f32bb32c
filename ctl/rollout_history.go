package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/table"
)

type rolloutHistoryOptions struct {
	refs     refOptions
	revision int64
}

func newRolloutHistoryCommand(g *globalOptions, s streams) *cobra.Command {
	o := &rolloutHistoryOptions{}
	cmd := &cobra.Command{
		Use:   "history (TYPE NAME | TYPE/NAME)",
		Short: "View rollout history",
		Long: `View the revisions of a deployment: one per ReplicaSet it owns, with the
change cause recorded in its kubernetes.io/change-cause annotation.
--revision shows the pod template of one revision.`,
		Example: `  wharf rollout history deployment/web
  wharf rollout history deployment/web --revision=3`,
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
	o.refs.addFlags(f, "view the history of", false)
	f.Int64Var(&o.revision, "revision", 0, "show the details, including the pod template, of this revision")
	return cmd
}

func (o *rolloutHistoryOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	return o.refs.each(ctx, sess, s, "wharf rollout history", args, func(ref objectRef) error { return o.one(ctx, sess, s.out, ref) })
}

func (o *rolloutHistoryOptions) one(ctx context.Context, sess *session, out io.Writer, ref objectRef) error {
	if !isKind(ref.res, "apps", "Deployment") {
		return fmt.Errorf("no history viewer has been implemented for %q", groupKind(ref.res))
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
	text, err := historyText(rss, o.revision)
	if err != nil {
		return err
	}
	// kubectl prints the name, a space, the revision it was asked for (if
	// any), then the history on the next lines; scripts read it as is.
	withRevision := ""
	if o.revision > 0 {
		withRevision = fmt.Sprintf("with revision #%d", o.revision)
	}
	_, err = fmt.Fprintf(out, "%s %s\n%s\n", ref, withRevision, text)
	return err
}

// ownedReplicaSets lists the replica sets that d controls: those its
// selector matches whose controller reference is d's uid.
func ownedReplicaSets(ctx context.Context, sess *session, d object) ([]object, error) {
	res, err := sess.scheme.Lookup("replicasets.apps")
	if err != nil {
		return nil, err
	}
	sel := selectorText(d.get("spec", "selector"))
	if sel == table.None {
		return nil, nil
	}
	items, _, err := sess.listObjects(ctx, res, d.namespace(), listQuery{labelSelector: sel}, 500)
	if err != nil {
		return nil, err
	}
	var out []object
	for _, it := range items {
		rs, err := parseObject(it)
		if err != nil {
			return nil, err
		}
		if ownedBy(rs, d.uid()) {
			out = append(out, rs)
		}
	}
	return out, nil
}

// replicaSetRevision is a replica set's revision annotation as a number.
func replicaSetRevision(rs object) (int64, error) {
	return annotationRevision(rs.stringMap("metadata", "annotations"))
}

// historyText is what rollout history prints below the name: the
// REVISION/CHANGE-CAUSE table, or with revision > 0 that revision's pod
// template. Replica sets whose revision cannot be read are left out; of
// two with one revision, the later in the list wins, as in kubectl.
func historyText(rss []object, revision int64) (string, error) {
	templates := map[int64]object{}
	for _, rs := range rss {
		v, err := replicaSetRevision(rs)
		if err != nil {
			continue
		}
		tmpl := rs.obj("spec", "template")
		// The change cause shows among the template's annotations too, as
		// kubectl shows it.
		if cause := rs.stringMap("metadata", "annotations")[apps.ChangeCauseAnnotation]; cause != "" {
			tmpl = copyObject(tmpl)
			setField(tmpl, cause, "metadata", "annotations", apps.ChangeCauseAnnotation)
		}
		templates[v] = tmpl
	}
	if len(templates) == 0 {
		return "No rollout history found.", nil
	}
	if revision > 0 {
		tmpl, ok := templates[revision]
		if !ok {
			return "", errors.New("unable to find the specified revision")
		}
		var buf bytes.Buffer
		w := newDescribeWriter(&buf)
		describePodTemplate(w, tmpl)
		if err := w.flush(); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	revisions := make([]int64, 0, len(templates))
	for r := range templates {
		revisions = append(revisions, r)
	}
	sort.Slice(revisions, func(i, j int) bool { return revisions[i] < revisions[j] })
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "REVISION\tCHANGE-CAUSE\n")
	for _, r := range revisions {
		cause := templates[r].stringMap("metadata", "annotations")[apps.ChangeCauseAnnotation]
		if cause == "" {
			cause = table.None
		}
		fmt.Fprintf(tw, "%d\t%s\n", r, cause)
	}
	if err := tw.Flush(); err != nil {
		return "", err
	}
	return buf.String(), nil
}
