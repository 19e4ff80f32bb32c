package containerd

import (
	"context"
	"fmt"
	"strings"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerenv"
	"github.com/wharf/wharf/nodeagent/volume"
)

// cfsPeriod is the CFS period CPU limits are expressed in (100 ms), as the
// kubelet uses.
const cfsPeriod = 100000

// specOpts builds the OCI spec the way Kubernetes does: the image's config
// first (entrypoint, cmd, env, working dir, user), then the pod spec's
// command, args, env, working dir and volume mounts over it, and the
// sandbox's namespaces and shared files (filesDir; "" for none).
//
// The environment is cfg.Env, which the agent resolved. Without it (a
// caller that resolves nothing) only literal values and $(VAR) references
// are resolved, and a valueFrom or envFrom is a *containerenv.ConfigError.
func specOpts(ctx context.Context, img client.Image, sb *sandboxRecord, filesDir string, cfg nodeagent.ContainerConfig) ([]oci.SpecOpts, error) {
	c := cfg.Container
	env := cfg.Env
	if env == nil {
		pod := &core.Pod{ObjectMeta: meta.ObjectMeta{Namespace: sb.PodNamespace, Name: sb.PodName, UID: sb.PodUID}}
		var err error
		if env, err = containerenv.Resolve(ctx, pod, c, nil); err != nil {
			return nil, err
		}
	}
	if len(c.VolumeMounts) > 0 && len(cfg.Mounts) != len(c.VolumeMounts) {
		return nil, fmt.Errorf("container has %d volumeMounts but was given %d host mounts: the agent lays out volumes", len(c.VolumeMounts), len(cfg.Mounts))
	}
	values := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		values[k] = v
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
	if mounts := append(podFileMounts(filesDir, cfg.Mounts), bindMounts(cfg.Mounts)...); len(mounts) > 0 {
		opts = append(opts, oci.WithMounts(mounts))
	}
	if c.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(c.WorkingDir))
	}
	switch {
	case sb.HostNetwork:
		// The node's network and host name, as the kubelet gives
		// host-network pods.
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace), oci.WithHostNamespace(specs.UTSNamespace))
	case sb.Hostname != "":
		opts = append(opts, oci.WithHostname(sb.Hostname))
	default: // a record from before sandboxes had a host name
		opts = append(opts, oci.WithHostname(sb.PodName))
	}
	if sb.NetNSPath != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: sb.NetNSPath}))
	}
	res, err := resourceOpts(c.Resources)
	if err != nil {
		return nil, err
	}
	return append(opts, res...), nil
}

// bindMounts turns volume mounts into OCI bind mounts. rbind carries
// mounts beneath a host path (a tmpfs emptyDir inside a hostPath) along;
// rprivate keeps the container's mounts from propagating back to the host.
func bindMounts(ms []volume.Mount) []specs.Mount {
	out := make([]specs.Mount, 0, len(ms))
	for _, m := range ms {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		out = append(out, specs.Mount{
			Destination: m.ContainerPath,
			Type:        "bind",
			Source:      m.HostPath,
			Options:     []string{"rbind", "rprivate", mode},
		})
	}
	return out
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
			if swapLimitable() {
				// As the kubelet does: no swap beyond the limit, so that
				// a container over it is OOM-killed, not swapped out.
				opts = append(opts, oci.WithMemorySwap(q.Value()))
			}
		default:
			if !strings.Contains(string(name), "/") && name != core.ResourceEphemeralStorage {
				return nil, fmt.Errorf("limit on %s is not supported by the containerd runtime", name)
			}
		}
	}
	return opts, nil
}
