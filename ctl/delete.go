package ctl

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

type deleteOptions struct {
	files          fileOptions
	selector       string
	fieldSelector  string
	all            bool
	allNamespaces  bool
	gracePeriod    int64
	now            bool
	force          bool
	cascade        string
	wait           bool
	timeout        time.Duration
	ignoreNotFound bool
	dryRun         string
}

func newDeleteCommand(g *globalOptions, s streams) *cobra.Command {
	o := &deleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete ([-f FILENAME] | TYPE [NAME... | -l label | --all] | TYPE/NAME...)",
		Short: "Delete resources by file names, stdin, resources and names, or by resources and label selector",
		Long: `Delete objects named on the command line, in manifests (-f), or selected
by label (-l) or all of a kind (--all).

By default delete waits until the objects are gone: pods get their grace
period to stop, and an object with finalizers stays until they are done.
--wait=false returns as soon as the deletion is accepted.`,
		Example: `  wharf delete pod web
  wharf delete -f web.yaml
  wharf delete deployments -l app=web --cascade=foreground
  wharf delete pods --all --now`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd, args); err != nil {
				return err
			}
			var ms []manifest
			if len(o.files.filenames) > 0 {
				var err error
				if ms, err = readManifests(o.files.filenames, o.files.recursive, s.in); err != nil {
					return err
				}
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args, ms)
		},
	}
	f := cmd.Flags()
	o.files.addFlags(f, "delete")
	f.StringVarP(&o.selector, "selector", "l", "", "delete the objects of the kind that match this label selector")
	f.StringVar(&o.fieldSelector, "field-selector", "", "delete the objects of the kind that match this field selector")
	f.BoolVar(&o.all, "all", false, "delete every object of the kind in the namespace")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with -l or --all, select in every namespace")
	f.Int64Var(&o.gracePeriod, "grace-period", -1, "seconds a pod gets to stop (-1: its own terminationGracePeriodSeconds; 0 needs --force)")
	f.BoolVar(&o.now, "now", false, "stop pods at once (the same as --grace-period=1)")
	f.BoolVar(&o.force, "force", false, "with --grace-period=0, remove pods from the API at once, without waiting for their node to confirm they stopped")
	f.StringVar(&o.cascade, "cascade", "background", `what happens to dependents: "background" deletes them after the owner, "foreground" before it, "orphan" keeps them`)
	f.BoolVar(&o.wait, "wait", true, "wait until the objects are gone before returning")
	f.DurationVar(&o.timeout, "timeout", 0, "how long to wait for the objects to be gone (0: as long as it takes)")
	f.BoolVar(&o.ignoreNotFound, "ignore-not-found", false, "treat an object that does not exist as deleted")
	f.StringVar(&o.dryRun, "dry-run", dryRunNone, `"server" asks the server to validate the deletion without doing it`)
	return cmd
}

func (o *deleteOptions) validate(cmd *cobra.Command, args []string) error {
	if o.dryRun != dryRunNone && o.dryRun != dryRunServer {
		return fmt.Errorf("invalid --dry-run value %q: want none or server", o.dryRun)
	}
	if _, err := o.propagation(); err != nil {
		return err
	}
	if len(o.files.filenames) > 0 && len(args) > 0 {
		return errors.New("when paths (-f) are given, you may not specify resources as arguments as well")
	}
	if len(o.files.filenames) == 0 && len(args) == 0 {
		return fmt.Errorf("you must specify the type of resource to delete, or -f (see '%s --help')", cmd.CommandPath())
	}
	if o.all && o.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	if o.now && o.gracePeriod >= 0 {
		return errors.New("--now and --grace-period cannot be given together")
	}
	return nil
}

// propagation reads --cascade; true and false are kubectl's old spellings.
func (o *deleteOptions) propagation() (string, error) {
	switch o.cascade {
	case "background", "true":
		return meta.DeletePropagationBackground, nil
	case "foreground":
		return meta.DeletePropagationForeground, nil
	case "orphan", "false":
		return meta.DeletePropagationOrphan, nil
	}
	return "", fmt.Errorf(`invalid cascade value (%s). Must be "background", "foreground", or "orphan"`, o.cascade)
}

func (o *deleteOptions) options() *meta.DeleteOptions {
	policy, _ := o.propagation()
	opts := &meta.DeleteOptions{
		TypeMeta:          meta.TypeMeta{Kind: "DeleteOptions", APIVersion: "v1"},
		PropagationPolicy: &policy,
	}
	grace := o.gracePeriod
	if o.now {
		grace = 1
	}
	if grace == -1 && o.force {
		grace = 0
	}
	// Without --force, 0 would skip the wait for the node to stop the
	// pod's containers; kubectl turns it into the shortest real wait.
	if grace == 0 && !o.force {
		grace = 1
	}
	if grace >= 0 {
		opts.GracePeriodSeconds = &grace
	}
	if o.dryRun == dryRunServer {
		opts.DryRun = []string{"All"}
	}
	return opts
}

// doomed is an object to delete.
type doomed struct {
	res       *scheme.Resource
	namespace string
	name      string
}

func (o *deleteOptions) run(ctx context.Context, sess *session, s streams, args []string, ms []manifest) error {
	var victims []doomed
	var errs []error
	if len(ms) > 0 {
		for _, m := range ms {
			res, ns, err := resolveManifest(sess, m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			victims = append(victims, doomed{res, ns, m.name})
		}
		// Namespaces last, the reverse of apply: deleting one first lets
		// the namespace controller remove the objects listed after it,
		// whose own deletes would then fail with NotFound.
		slices.SortStableFunc(victims, func(a, b doomed) int {
			return cmp.Compare(b2i(a.res.Kind == "Namespace"), b2i(b.res.Kind == "Namespace"))
		})
	} else {
		vs, err := o.selectObjects(ctx, sess, args)
		if err != nil {
			return err
		}
		victims = vs
		if len(victims) == 0 {
			fmt.Fprintln(s.out, "No resources found")
			return nil
		}
	}
	if o.force && o.gracePeriod == 0 {
		fmt.Fprintln(s.errOut, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	opts := o.options()
	var waitFor []deleted
	for _, v := range victims {
		uid, err := deleteObject(ctx, sess, v, opts)
		if errors.Is(err, errdefs.ErrNotFound) && o.ignoreNotFound {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(s.out, "%s %q deleted%s\n", kindName(v.res), v.name, dryRunSuffix(o.dryRun))
		if uid != "" {
			waitFor = append(waitFor, deleted{v, uid})
		}
	}
	if o.wait && o.dryRun == dryRunNone && len(waitFor) > 0 {
		if err := o.waitGone(ctx, sess, waitFor); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// selectObjects lists what the arguments name: objects by name, or by selector
// or --all for a bare kind.
func (o *deleteOptions) selectObjects(ctx context.Context, sess *session, args []string) ([]doomed, error) {
	ts, err := parseTargets(sess.scheme, "wharf delete", args)
	if err != nil {
		return nil, err
	}
	var out []doomed
	for _, t := range ts {
		if len(t.names) > 0 {
			if o.all || o.selector != "" {
				return nil, errors.New("names cannot be given together with --all or --selector")
			}
			for _, n := range t.names {
				out = append(out, doomed{t.res, sess.namespace, n})
			}
			continue
		}
		if !o.all && o.selector == "" && o.fieldSelector == "" {
			return nil, errors.New("resource(s) were provided, but no name was specified (use --all to delete every object of the kind)")
		}
		ns := sess.namespace
		if o.allNamespaces {
			ns = ""
		}
		items, _, err := sess.listObjects(ctx, t.res, ns, listQuery{labelSelector: o.selector, fieldSelector: o.fieldSelector}, 500)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			_, om, err := codec.Peek(it)
			if err != nil {
				return nil, fmt.Errorf("reading the server's reply: %v", err)
			}
			out = append(out, doomed{t.res, om.Namespace, om.Name})
		}
	}
	return out, nil
}

// deleteObject deletes one object and returns its UID when it is not gone
// yet; "" when the server removed it at once.
func deleteObject(ctx context.Context, sess *session, v doomed, opts *meta.DeleteOptions) (string, error) {
	body, err := json.Marshal(opts)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	if len(opts.DryRun) > 0 {
		q.Set("dryRun", "All")
	}
	b, _, err := sess.client.Do(ctx, http.MethodDelete, resourcePath(v.res, v.namespace, v.name), q, client.ContentTypeJSON, body, "")
	if err != nil {
		return "", err
	}
	var probe struct {
		Kind     string `json:"kind"`
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
		Details struct {
			UID string `json:"uid"`
		} `json:"details"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return "", nil
	}
	if probe.Kind == "Status" {
		return probe.Details.UID, nil
	}
	return probe.Metadata.UID, nil
}

// deleted is an object whose deletion was accepted.
type deleted struct {
	doomed
	uid string
}

// waitGone waits until every object is gone: not found, or replaced by a
// new object of the same name. It polls, slowly at first then less often.
func (o *deleteOptions) waitGone(ctx context.Context, sess *session, objs []deleted) error {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	interval := 50 * time.Millisecond
	for _, d := range objs {
		for {
			b, err := sess.getObject(ctx, d.res, d.namespace, d.name)
			if errors.Is(err, errdefs.ErrNotFound) {
				break
			}
			if err == nil {
				var probe struct {
					Metadata struct {
						UID string `json:"uid"`
					} `json:"metadata"`
				}
				if json.Unmarshal(b, &probe) == nil && probe.Metadata.UID != d.uid {
					break
				}
			} else if ctx.Err() == nil {
				return err
			}
			t := time.NewTimer(interval)
			select {
			case <-ctx.Done():
				t.Stop()
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return fmt.Errorf("timed out waiting for the condition on %s/%s", pluralName(d.res), d.name)
				}
				return ctx.Err()
			case <-t.C:
			}
			interval = min(interval*2, time.Second)
		}
	}
	return nil
}
