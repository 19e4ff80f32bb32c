package ctl

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/scheme"
)

// target is a kind that the command line names, with the objects of it it
// names; no names means every object, narrowed by the selectors.
type target struct {
	res   *scheme.Resource
	names []string
}

// parseTargets reads what get, describe and delete are asked about:
// `KIND[,KIND...] [NAME...]` or `KIND/NAME...`. Consecutive KIND/NAME
// arguments of one kind form one target, so they print as one table.
func parseTargets(sch *scheme.Scheme, cmdPath string, args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, errors.New("you must specify the type of resource")
	}
	slashed := 0
	for _, a := range args {
		if strings.Contains(a, "/") {
			slashed++
		}
	}
	if slashed == 0 {
		kinds, err := resolveKinds(sch, args[0])
		if err != nil {
			return nil, err
		}
		ts := make([]target, len(kinds))
		for i, k := range kinds {
			ts[i] = target{res: k, names: args[1:]}
		}
		return ts, nil
	}
	if slashed != len(args) {
		return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. '%s resource/<resource_name>' instead of '%s resource resource/<resource_name>')", cmdPath, cmdPath)
	}
	var ts []target
	for _, a := range args {
		kind, name, _ := strings.Cut(a, "/")
		if kind == "" || name == "" {
			return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name, not %q", a)
		}
		res, err := sch.Lookup(kind)
		if err != nil {
			return nil, err
		}
		if n := len(ts); n > 0 && ts[n-1].res == res {
			ts[n-1].names = append(ts[n-1].names, name)
			continue
		}
		ts = append(ts, target{res: res, names: []string{name}})
	}
	return ts, nil
}

// resolveKinds reads "pods", "pods,services" or a category such as "all"
// into resources, without duplicates.
func resolveKinds(sch *scheme.Scheme, arg string) ([]*scheme.Resource, error) {
	var out []*scheme.Resource
	for _, k := range strings.Split(arg, ",") {
		if k == "" {
			continue
		}
		var found []*scheme.Resource
		if res, err := sch.Lookup(k); err == nil {
			found = []*scheme.Resource{res}
		} else {
			found = inCategory(sch, strings.ToLower(k))
			if len(found) == 0 {
				return nil, err
			}
		}
		for _, r := range found {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no resource type in %q", arg)
	}
	return out, nil
}

// inCategory returns the resources of a category ("all"), in the scheme's
// order: core kinds first, then by group.
func inCategory(sch *scheme.Scheme, category string) []*scheme.Resource {
	var out []*scheme.Resource
	for _, r := range sch.Resources() {
		if slices.Contains(r.Categories, category) {
			out = append(out, r)
		}
	}
	return out
}
