package containerenv

import (
	"context"
	"errors"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// fakeSource holds objects by "namespace/name" and counts reads, so tests
// can tell that an object referenced twice is read once.
type fakeSource struct {
	configMaps map[string]*core.ConfigMap
	secrets    map[string]*core.Secret
	err        error // returned for every read when set
	reads      int
}

func (f *fakeSource) ConfigMap(_ context.Context, ns, name string) (*core.ConfigMap, error) {
	f.reads++
	if f.err != nil {
		return nil, f.err
	}
	if cm, ok := f.configMaps[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, errdefs.NotFound(errdefs.Resource{Resource: "configmaps"}, name)
}

func (f *fakeSource) Secret(_ context.Context, ns, name string) (*core.Secret, error) {
	f.reads++
	if f.err != nil {
		return nil, f.err
	}
	if s, ok := f.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, errdefs.NotFound(errdefs.Resource{Resource: "secrets"}, name)
}

var errUnavailable = errors.New("connection refused")

func newSource() *fakeSource {
	return &fakeSource{
		configMaps: map[string]*core.ConfigMap{
			"ns/cfg": {
				ObjectMeta: meta.ObjectMeta{Namespace: "ns", Name: "cfg"},
				Data:       map[string]string{"MODE": "prod", "LEVEL": "info", "1BAD": "x", "bad=key": "y"},
				BinaryData: map[string][]byte{"BLOB": []byte("ignored")},
			},
			"ns/other": {
				ObjectMeta: meta.ObjectMeta{Namespace: "ns", Name: "other"},
				Data:       map[string]string{"MODE": "dev"},
			},
			"elsewhere/cfg": {Data: map[string]string{"MODE": "wrong-namespace"}},
		},
		secrets: map[string]*core.Secret{
			"ns/creds": {
				ObjectMeta: meta.ObjectMeta{Namespace: "ns", Name: "creds"},
				Data:       map[string][]byte{"USER": []byte("admin"), "PASS": []byte("s3cret"), "has space": []byte("z")},
			},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func cmRef(name string) *core.ConfigMapEnvSource {
	return &core.ConfigMapEnvSource{LocalObjectReference: core.LocalObjectReference{Name: name}}
}

func secretRef(name string) *core.SecretEnvSource {
	return &core.SecretEnvSource{LocalObjectReference: core.LocalObjectReference{Name: name}}
}

func cmKey(name, key string, optional *bool) *core.EnvVarSource {
	return &core.EnvVarSource{ConfigMapKeyRef: &core.ConfigMapKeySelector{
		LocalObjectReference: core.LocalObjectReference{Name: name}, Key: key, Optional: optional}}
}

func secretKey(name, key string, optional *bool) *core.EnvVarSource {
	return &core.EnvVarSource{SecretKeyRef: &core.SecretKeySelector{
		LocalObjectReference: core.LocalObjectReference{Name: name}, Key: key, Optional: optional}}
}

func field(path string) *core.EnvVarSource {
	return &core.EnvVarSource{FieldRef: &core.ObjectFieldSelector{FieldPath: path}}
}
