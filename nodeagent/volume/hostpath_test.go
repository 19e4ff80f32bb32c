package volume

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/core"
)

func hostPathVolume(name, p string, typ core.HostPathType) core.Volume {
	return core.Volume{Name: name, VolumeSource: core.VolumeSource{HostPath: &core.HostPathVolumeSource{Path: p, Type: &typ}}}
}

func TestHostPath(t *testing.T) {
	base := t.TempDir()
	existingDir := filepath.Join(base, "dir")
	existingFile := filepath.Join(base, "file")
	if err := os.Mkdir(existingDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(existingFile, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(base, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	tests := []struct {
		name    string
		path    string
		typ     core.HostPathType
		wantErr string // empty: success
		wantDir bool   // what must be there afterwards
		wantReg bool
	}{
		{"unset on missing path checks nothing", filepath.Join(base, "missing0"), core.HostPathUnset, "", false, false},
		{"DirectoryOrCreate creates", filepath.Join(base, "new/nested"), core.HostPathDirectoryOrCreate, "", true, false},
		{"DirectoryOrCreate on existing dir", existingDir, core.HostPathDirectoryOrCreate, "", true, false},
		{"DirectoryOrCreate on a file", existingFile, core.HostPathDirectoryOrCreate, "hostPath type check failed", false, true},
		{"Directory missing", filepath.Join(base, "missing1"), core.HostPathDirectory, "does not exist", false, false},
		{"Directory on a file", existingFile, core.HostPathDirectory, "is not a directory", false, true},
		{"Directory exists", existingDir, core.HostPathDirectory, "", true, false},
		{"FileOrCreate creates", filepath.Join(base, "created"), core.HostPathFileOrCreate, "", false, true},
		{"FileOrCreate keeps existing", existingFile, core.HostPathFileOrCreate, "", false, true},
		{"FileOrCreate without parent", filepath.Join(base, "noparent/f"), core.HostPathFileOrCreate, "hostPath type check failed", false, false},
		{"File missing", filepath.Join(base, "missing2"), core.HostPathFile, "does not exist", false, false},
		{"File on a dir", existingDir, core.HostPathFile, "is not a file", true, false},
		{"Socket", sock, core.HostPathSocket, "", false, false},
		{"Socket on a file", existingFile, core.HostPathSocket, "is not a socket", false, true},
		{"CharDevice", "/dev/null", core.HostPathCharDev, "", false, false},
		{"BlockDevice on a char device", "/dev/null", core.HostPathBlockDev, "is not a block device", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			paths, err := m.Setup(context.Background(), testPod("uid1", hostPathVolume("h", tt.path, tt.typ)), &fakeSource{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if paths["h"] != tt.path {
					t.Errorf("got host path %s, want %s", paths["h"], tt.path)
				}
			}
			info, statErr := os.Stat(tt.path)
			if tt.wantDir && (statErr != nil || !info.IsDir()) {
				t.Errorf("got %v (%v), want a directory at %s", info, statErr, tt.path)
			}
			if tt.wantReg && (statErr != nil || !info.Mode().IsRegular()) {
				t.Errorf("got %v (%v), want a file at %s", info, statErr, tt.path)
			}
		})
	}
	if got := readFile(t, existingFile); got != "keep" {
		t.Errorf("existing file: got %q, want %q untouched", got, "keep")
	}
}

func TestTeardownKeepsHostPath(t *testing.T) {
	m := newManager(t)
	host := filepath.Join(t.TempDir(), "data")
	if _, err := m.Setup(context.Background(), testPod("uid1", hostPathVolume("h", host, core.HostPathDirectoryOrCreate)), &fakeSource{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Teardown("uid1"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(host, "f")); got != "x" {
		t.Errorf("hostPath file after Teardown: got %q, want %q", got, "x")
	}
}
