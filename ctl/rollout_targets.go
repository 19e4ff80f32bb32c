package ctl

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/scheme"
)

// objectRef is one object that a rollout, scale or set command acts on.
type objectRef struct {
	res       *scheme.Resource
	namespace string
	name      string
}

// String is the name the command prints: "deployment.apps/web".
func (r objectRef) String() string { return objectName(r.res, r.name) }

// refOptions are the ways rollout, scale and set name their objects, as
// kubectl's resource builder takes them: `TYPE NAME...`, `TYPE/NAME...`,
// manifests (-f), or a kind narrowed by -l (or --all where the verb has it).
type refOptions struct {
	files    fileOptions
	selector string
	all      bool
}

// addFlags adds -f, -R and -l, and --all when withAll.
func (o *refOptions) addFlags(fs *pflag.FlagSet, verb string, withAll bool) {
	o.files.addFlags(fs, verb)
	fs.StringVarP(&o.selector, "selector", "l", "", "act on the objects of the kind that match this label selector")
	if withAll {
		fs.BoolVar(&o.all, "all", false, "act on every object of the kind in the namespace")
	}
}

// resolve returns the objects that args and the flags name, in order.
// missing is the error for naming nothing at all, which each verb words
// the way kubectl does. Objects named but absent are not checked here: the
// verb's own read reports them.
// each resolves the objects named by args or -f and calls fn for every one,
// going on past failures and returning them all.
func (o *refOptions) each(ctx context.Context, sess *session, s streams, cmdPath string, args []string, fn func(objectRef) error) error {
	refs, err := o.resolve(ctx, sess, s, cmdPath, args, "required resource not specified")
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o *refOptions) resolve(ctx context.Context, sess *session, s streams, cmdPath string, args []string, missing string) ([]objectRef, error) {
	switch {
	case len(o.files.filenames) > 0 && len(args) > 0:
		return nil, errors.New("when paths (-f) are given, you may not specify resources as arguments as well")
	case len(o.files.filenames) == 0 && len(args) == 0:
		return nil, errors.New(missing)
	case o.all && o.selector != "":
		return nil, errors.New("cannot set --all and --selector at the same time")
	}
	if len(o.files.filenames) > 0 {
		ms, err := readManifests(o.files.filenames, o.files.recursive, s.in)
		if err != nil {
			return nil, err
		}
		var refs []objectRef
		for _, m := range ms {
			res, ns, err := resolveManifest(sess, m)
			if err != nil {
				return nil, err
			}
			refs = append(refs, objectRef{res, ns, m.name})
		}
		return refs, nil
	}
	ts, err := parseTargets(sess.scheme, cmdPath, args)
	if err != nil {
		return nil, err
	}
	var refs []objectRef
	for _, t := range ts {
		if len(t.names) > 0 {
			if o.selector != "" || o.all {
				return nil, errors.New("name cannot be provided when a selector is specified")
			}
			for _, n := range t.names {
				refs = append(refs, objectRef{t.res, sess.namespace, n})
			}
			continue
		}
		if o.selector == "" && !o.all {
			return nil, errors.New("resource(s) were provided, but no name was specified")
		}
		items, _, err := sess.listObjects(ctx, t.res, sess.namespace, listQuery{labelSelector: o.selector}, 500)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			_, om, err := codec.Peek(it)
			if err != nil {
				return nil, fmt.Errorf("reading the server's reply: %v", err)
			}
			refs = append(refs, objectRef{t.res, om.Namespace, om.Name})
		}
	}
	if len(refs) == 0 {
		fmt.Fprintln(s.errOut, noResourcesFound(ts, sess.namespace))
	}
	return refs, nil
}

// groupKind is how kubectl names a kind in "not implemented" messages:
// "Deployment.apps", "Pod".
func groupKind(res *scheme.Resource) string {
	if res.Group == "" {
		return res.Kind
	}
	return res.Kind + "." + res.Group
}

// isKind reports whether res is group/kind.
func isKind(res *scheme.Resource, group, kind string) bool {
	return res.Group == group && res.Kind == kind
}
