package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

func cmVolume(name, cm string, items []core.KeyToPath, defaultMode *int32, optional bool) core.Volume {
	return core.Volume{Name: name, VolumeSource: core.VolumeSource{ConfigMap: &core.ConfigMapVolumeSource{
		LocalObjectReference: core.LocalObjectReference{Name: cm},
		Items:                items, DefaultMode: defaultMode, Optional: ptr(optional),
	}}}
}

func secretVolume(name, secret string, items []core.KeyToPath, defaultMode *int32, optional bool) core.Volume {
	return core.Volume{Name: name, VolumeSource: core.VolumeSource{Secret: &core.SecretVolumeSource{
		SecretName: secret, Items: items, DefaultMode: defaultMode, Optional: ptr(optional),
	}}}
}

func testSource() *fakeSource {
	return &fakeSource{
		configMaps: map[string]*core.ConfigMap{"default/app": {
			ObjectMeta: meta.ObjectMeta{Name: "app", Namespace: "default"},
			Data:       map[string]string{"a.conf": "alpha", "b.conf": "beta"},
			BinaryData: map[string][]byte{"blob": {0, 1, 2, 255}},
		}},
		secrets: map[string]*core.Secret{"default/creds": {
			ObjectMeta: meta.ObjectMeta{Name: "creds", Namespace: "default"},
			Data:       map[string][]byte{"user": []byte("admin"), "pass": []byte("s3cret")},
		}},
	}
}

// visible lists a projected volume's names other than the writer's own.
func visible(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func TestProjectionContents(t *testing.T) {
	type want struct {
		data string
		mode os.FileMode
	}
	tests := []struct {
		name   string
		volume core.Volume
		want   map[string]want
	}{{
		name:   "configmap all keys with binaryData",
		volume: cmVolume("cfg", "app", nil, nil, false),
		want: map[string]want{
			"a.conf": {"alpha", 0o644}, "b.conf": {"beta", 0o644}, "blob": {"\x00\x01\x02\xff", 0o644},
		},
	}, {
		name:   "configmap defaultMode",
		volume: cmVolume("cfg", "app", nil, ptr[int32](0o400), false),
		want: map[string]want{
			"a.conf": {"alpha", 0o400}, "b.conf": {"beta", 0o400}, "blob": {"\x00\x01\x02\xff", 0o400},
		},
	}, {
		name: "configmap items with paths and modes",
		volume: cmVolume("cfg", "app", []core.KeyToPath{
			{Key: "a.conf", Path: "etc/app/a.conf", Mode: ptr[int32](0o600)},
			{Key: "blob", Path: "blob.bin"},
		}, ptr[int32](0o440), false),
		want: map[string]want{"etc/app/a.conf": {"alpha", 0o600}, "blob.bin": {"\x00\x01\x02\xff", 0o440}},
	}, {
		name:   "secret all keys",
		volume: secretVolume("sec", "creds", nil, nil, false),
		want:   map[string]want{"user": {"admin", 0o644}, "pass": {"s3cret", 0o644}},
	}, {
		name:   "secret items",
		volume: secretVolume("sec", "creds", []core.KeyToPath{{Key: "pass", Path: "password", Mode: ptr[int32](0o400)}}, nil, false),
		want:   map[string]want{"password": {"s3cret", 0o400}},
	}, {
		name:   "optional missing configmap is empty",
		volume: cmVolume("cfg", "nope", nil, nil, true),
		want:   map[string]want{},
	}, {
		name:   "optional missing secret is empty",
		volume: secretVolume("sec", "nope", nil, nil, true),
		want:   map[string]want{},
	}, {
		name:   "optional volume leaves out a missing item",
		volume: cmVolume("cfg", "app", []core.KeyToPath{{Key: "a.conf", Path: "a"}, {Key: "gone", Path: "g"}}, nil, true),
		want:   map[string]want{"a": {"alpha", 0o644}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			paths, err := m.Setup(context.Background(), testPod("uid1", tt.volume), testSource())
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			dir := paths[tt.volume.Name]
			kind := configMapKind
			if tt.volume.Secret != nil {
				kind = secretKind
			}
			if wantDir := filepath.Join(m.Root, "uid1", "volumes", kind, tt.volume.Name); dir != wantDir {
				t.Fatalf("got path %s, want %s", dir, wantDir)
			}
			got := map[string]want{}
			for p := range tt.want {
				full := filepath.Join(dir, p)
				got[p] = want{readFile(t, full), mode(t, full)}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			// Every visible name is a symlink through ..data, and nothing
			// else is visible.
			var wantVisible []string
			for p := range tt.want {
				top := strings.SplitN(p, "/", 2)[0]
				if !contains(wantVisible, top) {
					wantVisible = append(wantVisible, top)
				}
			}
			sort.Strings(wantVisible)
			if diff := cmp.Diff(wantVisible, visible(t, dir), cmpEmpty); diff != "" {
				t.Errorf("visible names (-want +got):\n%s", diff)
			}
			for _, name := range wantVisible {
				target, err := os.Readlink(filepath.Join(dir, name))
				if err != nil || target != "..data/"+name {
					t.Errorf("%s: got link %q (%v), want ..data/%s", name, target, err, name)
				}
			}
		})
	}
}

var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestProjectionMissingRequired(t *testing.T) {
	tests := []struct {
		name    string
		volume  core.Volume
		mention []string
	}{
		{"configmap", cmVolume("cfg", "nope", nil, nil, false), []string{`configmap "default/nope"`, `volume "cfg"`}},
		{"secret", secretVolume("sec", "nope", nil, nil, false), []string{`secret "default/nope"`}},
		{"configmap key", cmVolume("cfg", "app", []core.KeyToPath{{Key: "gone", Path: "g"}}, nil, false),
			[]string{`configmap "default/app"`, `key "gone"`}},
		{"secret key", secretVolume("sec", "creds", []core.KeyToPath{{Key: "token", Path: "t"}}, nil, false),
			[]string{`secret "default/creds"`, `key "token"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			_, err := m.Setup(context.Background(), testPod("uid1", tt.volume), testSource())
			if !errors.Is(err, errdefs.ErrNotFound) {
				t.Fatalf("got error %v, want one wrapping ErrNotFound", err)
			}
			for _, s := range tt.mention {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got error %q, want it to mention %s", err, s)
				}
			}
		})
	}
}

func TestProjectionUpdateSwap(t *testing.T) {
	m := newManager(t)
	src := testSource()
	pod := testPod("uid1", cmVolume("cfg", "app", nil, nil, false))
	ctx := context.Background()
	paths, err := m.Setup(ctx, pod, src)
	if err != nil {
		t.Fatal(err)
	}
	dir := paths["cfg"]
	oldTS, err := os.Readlink(filepath.Join(dir, dataLink))
	if err != nil {
		t.Fatal(err)
	}

	// Unchanged content: no new version.
	if _, err := m.Setup(ctx, pod, src); err != nil {
		t.Fatal(err)
	}
	if ts, _ := os.Readlink(filepath.Join(dir, dataLink)); ts != oldTS {
		t.Fatalf("unchanged setup: got ..data -> %s, want %s", ts, oldTS)
	}
	changed, err := writeProjection(dir, map[string]file{
		"a.conf": {[]byte("alpha"), 0o644}, "b.conf": {[]byte("beta"), 0o644}, "blob": {[]byte{0, 1, 2, 255}, 0o644},
	})
	if err != nil || changed {
		t.Fatalf("rewriting the same files: got changed %v, err %v, want false, nil", changed, err)
	}

	// b.conf changes, blob goes away, c.conf appears.
	src.configMaps["default/app"] = &core.ConfigMap{Data: map[string]string{"a.conf": "alpha", "b.conf": "BETA", "c.conf": "gamma"}}
	if _, err := m.Setup(ctx, pod, src); err != nil {
		t.Fatal(err)
	}
	newTS, err := os.Readlink(filepath.Join(dir, dataLink))
	if err != nil {
		t.Fatal(err)
	}
	if newTS == oldTS || !strings.HasPrefix(newTS, "..") {
		t.Errorf("got ..data -> %s, want a new timestamped dir (old %s)", newTS, oldTS)
	}
	if _, err := os.Lstat(filepath.Join(dir, oldTS)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old version %s: got %v, want it removed", oldTS, err)
	}
	if got := readFile(t, filepath.Join(dir, "b.conf")); got != "BETA" {
		t.Errorf("b.conf: got %q, want %q", got, "BETA")
	}
	if got := readFile(t, filepath.Join(dir, newTS, "c.conf")); got != "gamma" {
		t.Errorf("c.conf in %s: got %q, want %q", newTS, got, "gamma")
	}
	if diff := cmp.Diff([]string{"a.conf", "b.conf", "c.conf"}, visible(t, dir)); diff != "" {
		t.Errorf("visible names (-want +got):\n%s", diff)
	}
	var hidden []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			hidden = append(hidden, e.Name())
		}
	}
	sort.Strings(hidden)
	if diff := cmp.Diff([]string{newTS, dataLink}, hidden); diff != "" {
		t.Errorf("writer's entries (-want +got):\n%s", diff)
	}
}

func TestProjectionRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"../escape", "a/../../b", "/abs", "..hidden", "a//b", ""} {
		t.Run(p, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := writeProjection(dir, map[string]file{p: {[]byte("x"), 0o644}}); err == nil {
				t.Errorf("path %q: got no error, want one", p)
			}
		})
	}
	t.Run("prefix collision", func(t *testing.T) {
		_, err := writeProjection(t.TempDir(), map[string]file{"a": {nil, 0o644}, "a/b": {nil, 0o644}})
		if err == nil {
			t.Error("got no error, want one")
		}
	})
}
