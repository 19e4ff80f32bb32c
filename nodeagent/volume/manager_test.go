package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/resource"
)

func emptyDirVolume(name string, medium core.StorageMedium, size string) core.Volume {
	src := &core.EmptyDirVolumeSource{Medium: medium}
	if size != "" {
		q := resource.MustParse(size)
		src.SizeLimit = &q
	}
	return core.Volume{Name: name, VolumeSource: core.VolumeSource{EmptyDir: src}}
}

func TestEmptyDir(t *testing.T) {
	m := newManager(t)
	pod := testPod("uid1", emptyDirVolume("scratch", "", ""))
	for i := range 2 { // the second Setup must find everything in place
		paths, err := m.Setup(context.Background(), pod, &fakeSource{})
		if err != nil {
			t.Fatalf("Setup #%d: %v", i+1, err)
		}
		want := filepath.Join(m.Root, "uid1", "volumes", "empty-dir", "scratch")
		if paths["scratch"] != want {
			t.Fatalf("got %s, want %s", paths["scratch"], want)
		}
		if got := mode(t, want); got != 0o777 {
			t.Errorf("got mode %o, want 777", got)
		}
		if err := os.WriteFile(filepath.Join(want, "f"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Teardown("uid1"); err != nil {
		t.Fatal(err)
	}
	assertGone(t, filepath.Join(m.Root, "uid1"))
	if err := m.Teardown("uid1"); err != nil {
		t.Errorf("second Teardown: got %v, want nil", err)
	}
}

func TestEmptyDirMemory(t *testing.T) {
	if os.Geteuid() != 0 {
		m := newManager(t)
		_, err := m.Setup(context.Background(), testPod("uid1", emptyDirVolume("mem", core.StorageMediumMemory, "")), &fakeSource{})
		if err == nil || !strings.Contains(err.Error(), "root") {
			t.Fatalf("as non-root: got %v, want an error saying root is needed", err)
		}
		t.Skip("tmpfs mounts need root")
	}
	m := newManager(t)
	pod := testPod("uid1", emptyDirVolume("mem", core.StorageMediumMemory, "4Mi"), emptyDirVolume("disk", "", ""))
	var dir string
	for i := range 2 {
		paths, err := m.Setup(context.Background(), pod, &fakeSource{})
		if err != nil {
			t.Fatalf("Setup #%d: %v", i+1, err)
		}
		dir = paths["mem"]
	}
	t.Cleanup(func() { _ = unmountUnder(m.Root) })
	got := mountsAt(t, dir)
	if len(got) != 1 || got[0].fstype != "tmpfs" || !strings.Contains(got[0].opts, "size=4096k") {
		t.Fatalf("got mounts %+v at %s, want one tmpfs with size=4096k", got, dir)
	}
	if m := mode(t, dir); m != 0o777 {
		t.Errorf("tmpfs root: got mode %o, want 777", m)
	}
	if err := m.Teardown("uid1"); err != nil {
		t.Fatal(err)
	}
	if got := mountsAt(t, dir); len(got) != 0 {
		t.Errorf("after Teardown: got mounts %+v, want none", got)
	}
	assertGone(t, filepath.Join(m.Root, "uid1"))
	if err := m.Teardown("uid1"); err != nil {
		t.Errorf("second Teardown: got %v, want nil", err)
	}
}

type mountEntry struct{ fstype, opts string }

// mountsAt reads /proc/self/mountinfo for the mounts at p.
func mountsAt(t *testing.T, p string) []mountEntry {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []mountEntry
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		fields, after := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(after) < 3 || fields[4] != p {
			continue
		}
		out = append(out, mountEntry{fstype: after[0], opts: after[2]})
	}
	return out
}

func assertGone(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: got %v, want it gone", p, err)
	}
}

func TestTeardownRemovesEverything(t *testing.T) {
	m := newManager(t)
	pod := testPod("uid1",
		emptyDirVolume("scratch", "", ""),
		cmVolume("cfg", "app", nil, nil, false),
		secretVolume("sec", "creds", nil, ptr[int32](0o400), false))
	other := testPod("uid2", emptyDirVolume("scratch", "", ""))
	for _, p := range []*core.Pod{pod, other} {
		if _, err := m.Setup(context.Background(), p, testSource()); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Teardown("uid1"); err != nil {
		t.Fatal(err)
	}
	assertGone(t, filepath.Join(m.Root, "uid1"))
	if _, err := os.Stat(filepath.Join(m.Root, "uid2", "volumes", "empty-dir", "scratch")); err != nil {
		t.Errorf("other pod's volume: got %v, want it kept", err)
	}
}

func TestSetupRejects(t *testing.T) {
	tests := []struct {
		name    string
		pod     *core.Pod
		wantErr string
	}{
		{"escaping pod UID", testPod("..", emptyDirVolume("a", "", "")), "pod UID"},
		{"empty pod UID", testPod("", emptyDirVolume("a", "", "")), "pod UID"},
		{"volume name with slash", testPod("u", emptyDirVolume("a/b", "", "")), "invalid name"},
		{"unsupported type", testPod("u", core.Volume{Name: "pvc", VolumeSource: core.VolumeSource{
			PersistentVolumeClaim: &core.PersistentVolumeClaimVolumeSource{ClaimName: "c"}}}), "unsupported volume type"},
		{"relative hostPath", testPod("u", hostPathVolume("h", "rel/dir", core.HostPathDirectoryOrCreate)), "not absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newManager(t).Setup(context.Background(), tt.pod, &fakeSource{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
	if err := newManager(t).Teardown("../x"); err == nil {
		t.Error("Teardown(\"../x\"): got nil, want an error")
	}
}
