package volume

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountTmpfs mounts a tmpfs of size bytes (0: the kernel's default, half
// of RAM) on dir unless one is there already, so Setup stays idempotent.
func mountTmpfs(dir string, size int64) error {
	if os.Geteuid() != 0 {
		return errors.New("emptyDir medium Memory needs a tmpfs mount, which needs the agent to run as root")
	}
	mounted, err := isMountPoint(dir)
	if err != nil || mounted {
		return err
	}
	opts := "mode=0777"
	if size > 0 {
		opts += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// isMountPoint compares devices with the parent directory: enough for the
// tmpfs mounts this package makes, which never sit on their parent's
// file system.
func isMountPoint(dir string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return false, err
	}
	if err := unix.Lstat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev, nil
}

// unmountUnder unmounts every mount point at or below dir, deepest first,
// as listed by the kernel: that also finds mounts a crashed agent or the
// runtime left behind.
func unmountUnder(dir string) error {
	// The kernel lists absolute paths with symlinks resolved.
	dir, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	under, err := MountPointsUnder(dir)
	if err != nil {
		return err
	}
	for _, p := range under {
		// A path mounted twice is listed twice; the second unmount of it
		// finds nothing there (EINVAL).
		if err := unix.Unmount(p, 0); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("unmount %s: %w", p, err)
		}
	}
	return nil
}

// MountPointsUnder lists the mount points at or below dir (an absolute
// path with symlinks resolved, as the kernel lists them), deepest first,
// so that unmounting them in order never unmounts a parent before a
// child. It reads this mount namespace's /proc/self/mountinfo, whose fifth
// field is the mount point with spaces, tabs, newlines and backslashes
// escaped in octal.
func MountPointsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var under []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		if p := unescapeOctal(fields[4]); p == dir || strings.HasPrefix(p, dir+"/") {
			under = append(under, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(under)))
	return under, sc.Err()
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
