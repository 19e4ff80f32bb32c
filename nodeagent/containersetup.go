package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent/containerenv"
	"github.com/wharf/wharf/nodeagent/volume"
)

// containerSetup gives a real runtime what the pod spec only refers to:
// each container's resolved environment and its volumes as host paths.
// Simulated nodes have none, so that thousands of them neither read config
// maps nor write files.
type containerSetup struct {
	volumes     *volume.Manager
	src         apiObjects
	allocatable core.ResourceList
}

func newContainerSetup(cfg Config, c *client.Client) *containerSetup {
	return &containerSetup{
		volumes: &volume.Manager{Root: filepath.Join(cfg.RootDir, "pods")},
		src: apiObjects{
			configMaps: client.For[core.ConfigMap](c),
			secrets:    client.For[core.Secret](c),
		},
		allocatable: core.ResourceList{core.ResourceCPU: cfg.CPU, core.ResourceMemory: cfg.Memory},
	}
}

// fill sets cfg's Env and Mounts for container c of pod in sandbox sb, and
// returns the warnings of envFrom keys it skipped, for the caller's
// events. An error is a *containerenv.ConfigError: the container cannot be
// created until the objects it needs exist.
func (s *containerSetup) fill(ctx context.Context, pod *core.Pod, sb *Sandbox, hostIP string, cfg *ContainerConfig) (warnings []string, err error) {
	opts := containerenv.Options{NodeAllocatable: s.allocatable}
	if sb.IP != "" {
		opts.PodIPs = []string{sb.IP}
	}
	if hostIP != "" {
		opts.HostIPs = []string{hostIP}
	}
	res, err := containerenv.ResolveWith(ctx, pod, cfg.Container, s.src, opts)
	if err != nil {
		return nil, err
	}
	paths, err := s.volumes.Setup(ctx, pod, s.src)
	if err != nil {
		return nil, configError(err)
	}
	mounts, err := s.volumes.MountsFor(cfg.Container, paths)
	if err != nil {
		return nil, configError(err)
	}
	cfg.Env = res.Env
	if cfg.Env == nil {
		cfg.Env = []string{}
	}
	cfg.Mounts = mounts
	return res.Warnings, nil
}

// teardown removes the pod's volumes once nothing of it runs.
func (s *containerSetup) teardown(podUID string) error {
	if err := s.volumes.Teardown(podUID); err != nil {
		return fmt.Errorf("removing the volumes of pod %s: %w", podUID, err)
	}
	return nil
}

func configError(err error) error {
	var ce *containerenv.ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return &containerenv.ConfigError{Reason: containerenv.ReasonCreateContainerConfigError, Message: err.Error(), Err: err}
}

// apiObjects reads config maps and secrets from the API server, for
// environments and volumes.
type apiObjects struct {
	configMaps *client.Resource[core.ConfigMap, *core.ConfigMap]
	secrets    *client.Resource[core.Secret, *core.Secret]
}

func (o apiObjects) ConfigMap(ctx context.Context, namespace, name string) (*core.ConfigMap, error) {
	return o.configMaps.Get(ctx, namespace, name)
}

func (o apiObjects) Secret(ctx context.Context, namespace, name string) (*core.Secret, error) {
	return o.secrets.Get(ctx, namespace, name)
}
