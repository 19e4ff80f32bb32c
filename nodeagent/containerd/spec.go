package containerd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent/containerenv"
)

// cfsPeriod is the CFS period CPU limits are expressed in (100 ms), as the
// kubelet uses.
const cfsPeriod = 100000

// specOpts builds the OCI spec the way Kubernetes does: the image's config
// first (entrypoint, cmd, env, working dir, user), then the pod spec's
// command, args, env and working dir over it.
func specOpts(img client.Image, sb *sandboxRecord, c *core.Container) ([]oci.SpecOpts, error) {
	if len(c.EnvFrom) > 0 {
		return nil, errors.New("envFrom is not supported by the containerd runtime yet")
	}
	env := make([]string, 0, len(c.Env))
	values := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("env %s: valueFrom is not supported by the containerd runtime yet", e.Name)
		}
		v := containerenv.Expand(e.Value, lookup(values))
		values[e.Name] = v
		env = append(env, e.Name+"="+v)
	}
	if len(c.VolumeMounts) > 0 {
		return nil, errors.New("volumeMounts are not supported by the containerd runtime yet")
	}

	opts := []oci.SpecOpts{oci.WithImageConfig(img)}
	expand := func(s []string) []string {
		out := make([]string, len(s))
		for i, a := range s {
			out[i] = containerenv.Expand(a, lookup(values))
		}
		return out
	}
	switch {
	case len(c.Command) > 0:
		opts = append(opts, oci.WithProcessArgs(append(expand(c.Command), expand(c.Args)...)...))
	case len(c.Args) > 0:
		opts = append(opts, oci.WithImageConfigArgs(img, expand(c.Args)))
	}
	if len(env) > 0 {
		opts = append(opts, oci.WithEnv(env))
	}
	if c.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(c.WorkingDir))
	}
	opts = append(opts, oci.WithHostname(sb.PodName))
	if sb.NetNSPath != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: sb.NetNSPath}))
	}
	res, err := resourceOpts(c.Resources)
	if err != nil {
		return nil, err
	}
	return append(opts, res...), nil
}

// lookup resolves $(VAR) against the variables defined so far.
func lookup(values map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := values[name]
		return v, ok
	}
}

// resourceOpts turns cpu and memory limits into cgroup settings. Requests
// are the scheduler's business; cpu shares from requests are not set yet.
func resourceOpts(res core.ResourceRequirements) ([]oci.SpecOpts, error) {
	var opts []oci.SpecOpts
	for name, q := range res.Limits {
		switch name {
		case core.ResourceCPU:
			quota := q.MilliValue() * cfsPeriod / 1000
			if quota < 1000 {
				quota = 1000 // the kernel's minimum quota is 1 ms
			}
			opts = append(opts, oci.WithCPUCFS(quota, cfsPeriod))
		case core.ResourceMemory:
			if q.Sign() <= 0 {
				return nil, fmt.Errorf("memory limit %s: must be positive", q)
			}
			opts = append(opts, oci.WithMemoryLimit(uint64(q.Value())))
		default:
			if !strings.Contains(string(name), "/") && name != core.ResourceEphemeralStorage {
				return nil, fmt.Errorf("limit on %s is not supported by the containerd runtime", name)
			}
		}
	}
	return opts, nil
}
