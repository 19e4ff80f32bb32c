package containerenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
)

// Source gives the config maps and secrets a container's environment reads.
// Errors wrap errdefs.ErrNotFound when the object does not exist, which is
// what lets an optional reference be skipped.
type Source interface {
	ConfigMap(ctx context.Context, namespace, name string) (*core.ConfigMap, error)
	Secret(ctx context.Context, namespace, name string) (*core.Secret, error)
}

// objects reads each config map and secret once per Resolve, so that
// several references to one object see the same version of it.
type objects struct {
	src        Source
	namespace  string
	configMaps map[string]fetched[*core.ConfigMap]
	secrets    map[string]fetched[*core.Secret]
}

type fetched[T any] struct {
	obj T
	err error
}

func newObjects(src Source, namespace string) *objects {
	return &objects{
		src:        src,
		namespace:  namespace,
		configMaps: map[string]fetched[*core.ConfigMap]{},
		secrets:    map[string]fetched[*core.Secret]{},
	}
}

// configMap returns the named map, nil when it is absent and optional, or a
// ConfigError when it cannot be had.
func (o *objects) configMap(ctx context.Context, name string, optional bool) (*core.ConfigMap, error) {
	f, ok := o.configMaps[name]
	if !ok {
		if o.src == nil {
			f.err = errors.New("no source of config maps")
		} else {
			f.obj, f.err = o.src.ConfigMap(ctx, o.namespace, name)
		}
		o.configMaps[name] = f
	}
	return absentOrFailed(f.obj, f.err, optional, "configmap", o.namespace, name)
}

// secret is configMap's twin for secrets.
func (o *objects) secret(ctx context.Context, name string, optional bool) (*core.Secret, error) {
	f, ok := o.secrets[name]
	if !ok {
		if o.src == nil {
			f.err = errors.New("no source of secrets")
		} else {
			f.obj, f.err = o.src.Secret(ctx, o.namespace, name)
		}
		o.secrets[name] = f
	}
	return absentOrFailed(f.obj, f.err, optional, "secret", o.namespace, name)
}

// absentOrFailed words a failed read as the kubelet does: `configmap "x" not
// found` for a missing required object.
func absentOrFailed[T comparable](obj T, err error, optional bool, kind, namespace, name string) (T, error) {
	var zero T
	switch {
	case err == nil && obj != zero:
		return obj, nil
	case err == nil:
		err = fmt.Errorf("%s %q: %w", kind, name, errdefs.ErrNotFound)
	}
	if errors.Is(err, errdefs.ErrNotFound) {
		if optional {
			return zero, nil
		}
		return zero, configError(err, fmt.Sprintf("%s %q not found", kind, name))
	}
	return zero, configError(err, fmt.Sprintf("couldn't get %s %s/%s: %v", kind, namespace, name, err))
}
