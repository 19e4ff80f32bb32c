package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wharf/wharf/api/core"
)

// setupHostPath checks, or creates, what the volume's type says must be at
// its path, following Kubernetes: the *OrCreate types create what is
// missing (FileOrCreate not the parent directory), the others only check,
// and no type checks nothing.
func setupHostPath(v *core.HostPathVolumeSource) error {
	if !filepath.IsAbs(v.Path) {
		return fmt.Errorf("hostPath %q is not absolute", v.Path)
	}
	var typ core.HostPathType
	if v.Type != nil {
		typ = *v.Type
	}
	switch typ {
	case core.HostPathUnset:
		return nil
	case core.HostPathDirectoryOrCreate:
		if err := os.MkdirAll(v.Path, 0o755); err != nil {
			return fmt.Errorf("hostPath type check failed: %w", err)
		}
		return checkHostPath(v.Path, typ)
	case core.HostPathFileOrCreate:
		f, err := os.OpenFile(v.Path, os.O_RDONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("hostPath type check failed: %w", err)
		}
		_ = f.Close()
		return checkHostPath(v.Path, typ)
	case core.HostPathDirectory, core.HostPathFile, core.HostPathSocket, core.HostPathCharDev, core.HostPathBlockDev:
		return checkHostPath(v.Path, typ)
	default:
		return fmt.Errorf("unsupported hostPath type %q", typ)
	}
}

func checkHostPath(p string, typ core.HostPathType) error {
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hostPath type check failed: %s does not exist", p)
	}
	if err != nil {
		return fmt.Errorf("hostPath type check failed: %w", err)
	}
	m := info.Mode()
	var ok bool
	var what string
	switch typ {
	case core.HostPathDirectory, core.HostPathDirectoryOrCreate:
		ok, what = m.IsDir(), "a directory"
	case core.HostPathFile, core.HostPathFileOrCreate:
		ok, what = m.IsRegular(), "a file"
	case core.HostPathSocket:
		ok, what = m.Type() == fs.ModeSocket, "a socket file"
	case core.HostPathCharDev:
		ok, what = m.Type() == fs.ModeDevice|fs.ModeCharDevice, "a character device"
	case core.HostPathBlockDev:
		ok, what = m.Type() == fs.ModeDevice, "a block device"
	}
	if !ok {
		return fmt.Errorf("hostPath type check failed: %s is not %s", p, what)
	}
	return nil
}
