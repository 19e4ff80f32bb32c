package volume

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// fakeSource serves config maps and secrets from maps keyed by name, all
// in one namespace.
type fakeSource struct {
	configMaps map[string]*core.ConfigMap
	secrets    map[string]*core.Secret
}

func (f *fakeSource) ConfigMap(_ context.Context, ns, name string) (*core.ConfigMap, error) {
	if cm, ok := f.configMaps[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, errdefs.NotFound(errdefs.Resource{Resource: "configmaps"}, name)
}

func (f *fakeSource) Secret(_ context.Context, ns, name string) (*core.Secret, error) {
	if s, ok := f.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, errdefs.NotFound(errdefs.Resource{Resource: "secrets"}, name)
}

func testPod(uid string, volumes ...core.Volume) *core.Pod {
	return &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: "p", UID: uid},
		Spec:       core.PodSpec{Volumes: volumes},
	}
}

func ptr[T any](v T) *T { return &v }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatalf("stat %s: %v", p, err)
	}
	return info.Mode().Perm()
}

func newManager(t *testing.T) *Manager {
	return &Manager{Root: filepath.Join(t.TempDir(), "pods")}
}
