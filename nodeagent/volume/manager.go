package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wharf/wharf/api/core"
)

// Source reads the objects that configMap and secret volumes project. A
// missing object is an error wrapping errdefs.ErrNotFound.
type Source interface {
	ConfigMap(ctx context.Context, namespace, name string) (*core.ConfigMap, error)
	Secret(ctx context.Context, namespace, name string) (*core.Secret, error)
}

// Directory names under Root/<podUID>/volumes, one per kind of volume that
// lives inside the pod's directory.
const (
	volumesDir    = "volumes"
	emptyDirKind  = "empty-dir"
	configMapKind = "configmap"
	secretKind    = "secret"
)

// Manager lays out pods' volumes under Root.
type Manager struct {
	// Root holds one directory per pod UID, e.g. /var/lib/wharf/pods.
	Root string
}

// Setup creates or updates every volume of pod and returns the host path
// of each, by volume name. It is idempotent: called again it leaves what is
// in place and swaps in new configMap and secret contents if they changed.
// The first volume that cannot be set up ends it with an error naming the
// volume.
func (m *Manager) Setup(ctx context.Context, pod *core.Pod, src Source) (map[string]string, error) {
	dir, err := m.podDir(pod.UID)
	if err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(pod.Spec.Volumes))
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		p, err := m.setupVolume(ctx, dir, pod.Namespace, v, src)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		paths[v.Name] = p
	}
	return paths, nil
}

func (m *Manager) setupVolume(ctx context.Context, podDir, ns string, v *core.Volume, src Source) (string, error) {
	if err := checkName(v.Name); err != nil {
		return "", err
	}
	kindDir := func(kind string) string { return filepath.Join(podDir, volumesDir, kind, v.Name) }
	switch {
	case v.EmptyDir != nil:
		p := kindDir(emptyDirKind)
		return p, setupEmptyDir(p, v.EmptyDir)
	case v.HostPath != nil:
		return v.HostPath.Path, setupHostPath(v.HostPath)
	case v.ConfigMap != nil:
		files, err := configMapFiles(ctx, ns, v.ConfigMap, src)
		if err != nil {
			return "", err
		}
		p := kindDir(configMapKind)
		_, err = writeProjection(p, files)
		return p, err
	case v.Secret != nil:
		files, err := secretFiles(ctx, ns, v.Secret, src)
		if err != nil {
			return "", err
		}
		p := kindDir(secretKind)
		_, err = writeProjection(p, files)
		return p, err
	default:
		return "", errors.New("unsupported volume type: only emptyDir, hostPath, configMap and secret are supported")
	}
}

// setupEmptyDir makes the directory writable by any user, as Kubernetes
// does, since the containers' users are not known here.
func setupEmptyDir(p string, src *core.EmptyDirVolumeSource) error {
	if err := os.MkdirAll(p, 0o777); err != nil {
		return err
	}
	if src.Medium == core.StorageMediumMemory {
		var size int64
		if src.SizeLimit != nil {
			size = src.SizeLimit.Value()
		}
		if err := mountTmpfs(p, size); err != nil {
			return err
		}
	} else if src.Medium != core.StorageMediumDefault {
		return fmt.Errorf("unsupported emptyDir medium %q", src.Medium)
	}
	// Chmod after the mount too: a fresh tmpfs root has its own mode, and
	// MkdirAll's mode is cut by the umask.
	return os.Chmod(p, 0o777)
}

// Teardown unmounts whatever is mounted under the pod's directory and
// removes it. Unmounting first matters beyond freeing tmpfs memory: a
// removal that crossed a mount point would delete the mounted contents.
// A pod with nothing left is no error.
func (m *Manager) Teardown(podUID string) error {
	dir, err := m.podDir(podUID)
	if err != nil {
		return err
	}
	if err := unmountUnder(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove volumes of pod %s: %w", podUID, err)
	}
	return nil
}

func (m *Manager) podDir(uid string) (string, error) {
	if m.Root == "" {
		return "", errors.New("volume manager has no root directory")
	}
	if err := checkName(uid); err != nil {
		return "", fmt.Errorf("pod UID: %w", err)
	}
	return filepath.Join(m.Root, uid), nil
}

// checkName refuses names that would leave their parent directory once
// joined to a path; the API validates them, but the agent must not trust
// that with the host's file system.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return fmt.Errorf("invalid name %q", name)
	}
	return nil
}
