package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wharf/wharf/api/core"
)

// Mount is one bind mount the runtime makes into a container.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
}

// MountsFor resolves c's volumeMounts against the host paths Setup
// returned. configMap and secret volumes are mounted read-only whatever the
// mount says, as in Kubernetes, so a container cannot corrupt what the
// agent will swap on the next update.
//
// A subPath must be relative and stay inside the volume even after its
// symlinks are resolved (a container could have planted one in an emptyDir
// to reach the host); the resolved path is returned so the runtime mounts
// what was checked. A missing subPath is created as a directory, except in
// configMap and secret volumes, whose contents are the object's keys.
func (m *Manager) MountsFor(c *core.Container, volumes map[string]string) ([]Mount, error) {
	mounts := make([]Mount, 0, len(c.VolumeMounts))
	for _, vm := range c.VolumeMounts {
		root, ok := volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("container %q mounts volume %q, which the pod does not have", c.Name, vm.Name)
		}
		if !path.IsAbs(vm.MountPath) {
			return nil, fmt.Errorf("container %q: mountPath %q is not absolute", c.Name, vm.MountPath)
		}
		projected := m.isProjected(root)
		host := root
		if vm.SubPath != "" {
			var err error
			if host, err = resolveSubPath(root, vm.SubPath, !projected); err != nil {
				return nil, fmt.Errorf("container %q: volume %q: %w", c.Name, vm.Name, err)
			}
		}
		mounts = append(mounts, Mount{
			HostPath:      host,
			ContainerPath: vm.MountPath,
			ReadOnly:      vm.ReadOnly || projected,
		})
	}
	return mounts, nil
}

// isProjected tells configMap and secret volumes by where Setup puts them:
// Root/<uid>/volumes/{configmap,secret}/<name>.
func (m *Manager) isProjected(hostPath string) bool {
	rel, err := filepath.Rel(m.Root, hostPath)
	if err != nil {
		return false
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	return len(parts) == 4 && parts[0] != ".." && parts[1] == volumesDir &&
		(parts[2] == configMapKind || parts[2] == secretKind)
}

func resolveSubPath(root, sub string, create bool) (string, error) {
	if path.IsAbs(sub) {
		return "", fmt.Errorf("subPath %q must be relative", sub)
	}
	for _, e := range strings.Split(sub, "/") {
		if e == ".." {
			return "", fmt.Errorf("subPath %q must not contain '..'", sub)
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, filepath.FromSlash(path.Clean(sub)))
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		if !create {
			return "", fmt.Errorf("subPath %q does not exist in the volume", sub)
		}
		if err := makeSubPath(realRoot, p, sub); err != nil {
			return "", err
		}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("subPath %q: %w", sub, err)
	}
	if !within(realRoot, real) {
		return "", fmt.Errorf("subPath %q leaves the volume", sub)
	}
	return real, nil
}

// makeSubPath creates p with the mode of the volume's root, after checking
// that the part of it that exists resolves inside the volume, so that
// creating does not follow a symlink out of it.
func makeSubPath(realRoot, p, sub string) error {
	existing := p
	for {
		existing = filepath.Dir(existing)
		r, err := filepath.EvalSymlinks(existing)
		if err == nil {
			if !within(realRoot, r) {
				return fmt.Errorf("subPath %q leaves the volume", sub)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	info, err := os.Stat(realRoot)
	if err != nil {
		return err
	}
	return os.MkdirAll(p, info.Mode().Perm())
}

func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}
