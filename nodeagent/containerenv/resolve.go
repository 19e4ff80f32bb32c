package containerenv

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/validate"
)

// Options carries what the node knows and the pod object may not yet say.
type Options struct {
	// NodeAllocatable stands in for a limit the container leaves unset
	// (limits.cpu, limits.memory, limits.ephemeral-storage), as in
	// Kubernetes. Without it such a limit reads as 0.
	NodeAllocatable core.ResourceList
	// PodIPs and HostIPs, when set, answer status.podIP(s) and
	// status.hostIP(s) instead of the pod's status, which the agent has not
	// yet written when the first container is created.
	PodIPs  []string
	HostIPs []string
}

// Result is a container's environment and what went wrong without stopping
// the container from starting.
type Result struct {
	// Env holds "NAME=value" entries, each name once.
	Env []string
	// Warnings are messages for a warning event of reason
	// ReasonInvalidEnvironmentVariableNames, one per envFrom source that
	// had keys skipped.
	Warnings []string
}

// Resolve returns the environment of container c of pod, as "NAME=value"
// entries, with no node-side knowledge (see ResolveWith). An error is a
// *ConfigError.
func Resolve(ctx context.Context, pod *core.Pod, c *core.Container, src Source) ([]string, error) {
	r, err := ResolveWith(ctx, pod, c, src, Options{})
	return r.Env, err
}

// ResolveWith is Resolve with the node's allocatable resources and the
// sandbox's addresses, and the warnings the kubelet turns into an event.
// An error is a *ConfigError.
func ResolveWith(ctx context.Context, pod *core.Pod, c *core.Container, src Source, opts Options) (Result, error) {
	var (
		env      environment
		warnings []string
		objs     = newObjects(src, pod.Namespace)
	)
	for _, from := range c.EnvFrom {
		var (
			data map[string]string
			kind string
			name string
		)
		switch {
		case from.ConfigMapRef != nil:
			kind, name = "configMap", from.ConfigMapRef.Name
			cm, err := objs.configMap(ctx, name, isTrue(from.ConfigMapRef.Optional))
			if err != nil {
				return Result{}, err
			}
			if cm == nil {
				continue
			}
			data = cm.Data
		case from.SecretRef != nil:
			kind, name = "secret", from.SecretRef.Name
			s, err := objs.secret(ctx, name, isTrue(from.SecretRef.Optional))
			if err != nil {
				return Result{}, err
			}
			if s == nil {
				continue
			}
			data = make(map[string]string, len(s.Data))
			for k, v := range s.Data {
				data[k] = string(v)
			}
		default:
			continue
		}
		var invalid []string
		for _, k := range slices.Sorted(maps.Keys(data)) {
			key := from.Prefix + k
			if len(validate.EnvVarName(key)) > 0 {
				invalid = append(invalid, key)
				continue
			}
			env.set(key, data[k])
		}
		if len(invalid) > 0 {
			warnings = append(warnings, fmt.Sprintf(
				"Keys [%s] from the EnvFrom %s %s/%s were skipped since they are considered invalid environment variable names.",
				strings.Join(invalid, ", "), kind, pod.Namespace, name))
		}
	}

	for _, v := range c.Env {
		value, skip, err := envValue(ctx, pod, c, v, &env, objs, opts)
		if err != nil {
			return Result{}, err
		}
		if !skip {
			env.set(v.Name, value)
		}
	}
	return Result{Env: env.list(), Warnings: warnings}, nil
}

// envValue computes one env entry; skip means an optional reference found
// nothing, which leaves any earlier definition of the name in place.
func envValue(ctx context.Context, pod *core.Pod, c *core.Container, v core.EnvVar, env *environment, objs *objects, opts Options) (value string, skip bool, err error) {
	from := v.ValueFrom
	switch {
	case v.Value != "" || from == nil:
		return Expand(v.Value, env.lookup), false, nil
	case from.FieldRef != nil:
		value, err = fieldValue(pod, from.FieldRef, opts)
		return value, false, err
	case from.ResourceFieldRef != nil:
		value, err = resourceValue(pod, c, from.ResourceFieldRef, opts)
		return value, false, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		optional := isTrue(ref.Optional)
		cm, err := objs.configMap(ctx, ref.Name, optional)
		if err != nil || cm == nil {
			return "", true, err
		}
		value, ok := cm.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, configError(nil, fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name))
		}
		return value, false, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		optional := isTrue(ref.Optional)
		s, err := objs.secret(ctx, ref.Name, optional)
		if err != nil || s == nil {
			return "", true, err
		}
		value, ok := s.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, configError(nil, fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name))
		}
		return string(value), false, nil
	}
	// A valueFrom with no source passes no validation; treat it as empty,
	// as the kubelet does.
	return "", false, nil
}

// environment is the kubelet's name→value map, remembering where each
// name first appeared.
type environment struct {
	index map[string]int
	names []string
	vals  []string
}

func (e *environment) set(name, value string) {
	if i, ok := e.index[name]; ok {
		e.vals[i] = value
		return
	}
	if e.index == nil {
		e.index = map[string]int{}
	}
	e.index[name] = len(e.names)
	e.names = append(e.names, name)
	e.vals = append(e.vals, value)
}

func (e *environment) lookup(name string) (string, bool) {
	i, ok := e.index[name]
	if !ok {
		return "", false
	}
	return e.vals[i], true
}

func (e *environment) list() []string {
	out := make([]string, len(e.names))
	for i, n := range e.names {
		out[i] = n + "=" + e.vals[i]
	}
	return out
}

func isTrue(b *bool) bool { return b != nil && *b }
