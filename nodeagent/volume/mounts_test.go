package volume

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/core"
)

func TestMountsFor(t *testing.T) {
	m := newManager(t)
	host := t.TempDir()
	outside := t.TempDir()
	pod := testPod("uid1",
		emptyDirVolume("scratch", "", ""),
		cmVolume("cfg", "app", nil, nil, false),
		secretVolume("sec", "creds", nil, nil, false),
		hostPathVolume("host", host, core.HostPathDirectory))
	vols, err := m.Setup(context.Background(), pod, testSource())
	if err != nil {
		t.Fatal(err)
	}
	// A container of the pod could plant this link in its emptyDir.
	if err := os.Symlink(outside, filepath.Join(vols["scratch"], "evil")); err != nil {
		t.Fatal(err)
	}
	cfgTS, err := os.Readlink(filepath.Join(vols["cfg"], dataLink))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		mount   core.VolumeMount
		want    Mount
		wantErr string
	}{
		{name: "emptyDir read-write",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/scratch"},
			want:  Mount{HostPath: vols["scratch"], ContainerPath: "/scratch"}},
		{name: "readOnly honoured",
			mount: core.VolumeMount{Name: "host", MountPath: "/host", ReadOnly: true},
			want:  Mount{HostPath: host, ContainerPath: "/host", ReadOnly: true}},
		{name: "configMap always read-only",
			mount: core.VolumeMount{Name: "cfg", MountPath: "/etc/app"},
			want:  Mount{HostPath: vols["cfg"], ContainerPath: "/etc/app", ReadOnly: true}},
		{name: "secret always read-only",
			mount: core.VolumeMount{Name: "sec", MountPath: "/secrets"},
			want:  Mount{HostPath: vols["sec"], ContainerPath: "/secrets", ReadOnly: true}},
		{name: "subPath created in emptyDir",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/logs", SubPath: "logs/app"},
			want:  Mount{HostPath: filepath.Join(vols["scratch"], "logs/app"), ContainerPath: "/logs"}},
		{name: "subPath of a configMap key resolves to its file",
			mount: core.VolumeMount{Name: "cfg", MountPath: "/etc/a.conf", SubPath: "a.conf"},
			want:  Mount{HostPath: filepath.Join(vols["cfg"], cfgTS, "a.conf"), ContainerPath: "/etc/a.conf", ReadOnly: true}},
		{name: "subPath with dot elements is cleaned",
			mount: core.VolumeMount{Name: "host", MountPath: "/x", SubPath: "./a/./b/"},
			want:  Mount{HostPath: filepath.Join(host, "a/b"), ContainerPath: "/x"}},
		{name: "subPath escaping with ..",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/x", SubPath: "../../etc"}, wantErr: "must not contain '..'"},
		{name: "subPath with inner ..",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/x", SubPath: "a/../../b"}, wantErr: "must not contain '..'"},
		{name: "absolute subPath",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/x", SubPath: "/etc"}, wantErr: "must be relative"},
		{name: "subPath through a symlink out of the volume",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/x", SubPath: "evil"}, wantErr: "leaves the volume"},
		{name: "missing subPath under a symlink out of the volume",
			mount: core.VolumeMount{Name: "scratch", MountPath: "/x", SubPath: "evil/new"}, wantErr: "leaves the volume"},
		{name: "missing key in a configMap is not created",
			mount: core.VolumeMount{Name: "cfg", MountPath: "/x", SubPath: "nokey"}, wantErr: "does not exist"},
		{name: "unknown volume",
			mount: core.VolumeMount{Name: "nope", MountPath: "/x"}, wantErr: `volume "nope"`},
		{name: "relative mountPath",
			mount: core.VolumeMount{Name: "scratch", MountPath: "x"}, wantErr: "not absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &core.Container{Name: "app", VolumeMounts: []core.VolumeMount{tt.mount}}
			got, err := m.MountsFor(c, vols)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff([]Mount{tt.want}, got); diff != "" {
				t.Errorf("mounts (-want +got):\n%s", diff)
			}
		})
	}
	entries, err := os.ReadDir(outside)
	if err != nil || len(entries) != 0 {
		t.Errorf("outside dir: got %d entries (%v), want it untouched", len(entries), err)
	}
}

func TestUnescapeOctal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/var/lib/wharf", "/var/lib/wharf"},
		{`/a\040b`, "/a b"},
		{`/a\134b`, `/a\b`},
		{`/trailing\04`, `/trailing\04`},
	}
	for _, tt := range tests {
		if got := unescapeOctal(tt.in); got != tt.want {
			t.Errorf("unescapeOctal(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
