package volume

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// The atomic writer's names inside a volume directory. Keys cannot start
// with "..", so they never collide with a key's file.
const (
	dataLink    = "..data"
	dataTmpLink = "..data_tmp"
	// tsLayout names a version's directory; MkdirTemp appends a random
	// suffix so two writes in one second do not collide.
	tsLayout = "..2006_01_02_15_04_05."
)

// file is one file of a projected volume.
type file struct {
	data []byte
	mode fs.FileMode
}

func configMapFiles(ctx context.Context, ns string, v *core.ConfigMapVolumeSource, src Source) (map[string]file, error) {
	optional := v.Optional != nil && *v.Optional
	cm, err := src.ConfigMap(ctx, ns, v.Name)
	if err != nil {
		if optional && errors.Is(err, errdefs.ErrNotFound) {
			return map[string]file{}, nil
		}
		return nil, fmt.Errorf("configmap %q: %w", ns+"/"+v.Name, err)
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, s := range cm.Data {
		data[k] = []byte(s)
	}
	for k, b := range cm.BinaryData {
		data[k] = b
	}
	return projectKeys("configmap", ns+"/"+v.Name, data, v.Items, v.DefaultMode, optional)
}

func secretFiles(ctx context.Context, ns string, v *core.SecretVolumeSource, src Source) (map[string]file, error) {
	optional := v.Optional != nil && *v.Optional
	s, err := src.Secret(ctx, ns, v.SecretName)
	if err != nil {
		if optional && errors.Is(err, errdefs.ErrNotFound) {
			return map[string]file{}, nil
		}
		return nil, fmt.Errorf("secret %q: %w", ns+"/"+v.SecretName, err)
	}
	data := make(map[string][]byte, len(s.Data)+len(s.StringData))
	for k, b := range s.Data {
		data[k] = b
	}
	// The API server folds stringData into data; should a secret still
	// carry it, it wins as it does on write.
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	return projectKeys("secret", ns+"/"+v.SecretName, data, v.Items, v.DefaultMode, optional)
}

// projectKeys maps keys to files: every key at its own name, or only the
// items at their paths. A key named in items that the object lacks is an
// error unless the volume is optional.
func projectKeys(kind, name string, data map[string][]byte, items []core.KeyToPath, defaultMode *int32, optional bool) (map[string]file, error) {
	mode := fileMode(defaultMode, core.DefaultVolumeMode)
	files := make(map[string]file, len(data))
	if len(items) == 0 {
		for k, b := range data {
			files[k] = file{data: b, mode: mode}
		}
		return files, nil
	}
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, &errdefs.Error{
				Reason:  meta.StatusReasonNotFound,
				Code:    http.StatusNotFound,
				Message: fmt.Sprintf("%s %q has no key %q", kind, name, it.Key),
			}
		}
		files[it.Path] = file{data: b, mode: fileMode(it.Mode, int32(mode))}
	}
	return files, nil
}

func fileMode(m *int32, def int32) fs.FileMode {
	if m == nil {
		return fs.FileMode(def).Perm()
	}
	return fs.FileMode(*m).Perm()
}

// writeProjection makes dir hold exactly files, swapping versions
// atomically, and reports whether anything changed.
func writeProjection(dir string, files map[string]file) (bool, error) {
	visible, err := checkPaths(files)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	old, err := os.Readlink(filepath.Join(dir, dataLink))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = ""
	case err != nil:
		return false, err
	}
	if old != "" && sameFiles(filepath.Join(dir, old), files) && linksInPlace(dir, visible) {
		return false, nil
	}

	ts, err := os.MkdirTemp(dir, time.Now().UTC().Format(tsLayout))
	if err != nil {
		return false, err
	}
	if err := writeVersion(ts, files); err != nil {
		_ = os.RemoveAll(ts)
		return false, err
	}
	tmp := filepath.Join(dir, dataTmpLink)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		return false, err
	}
	// rename(2) replaces ..data in one step: this is the swap readers see.
	if err := os.Rename(tmp, filepath.Join(dir, dataLink)); err != nil {
		return false, err
	}
	if err := syncVisible(dir, visible); err != nil {
		return true, err
	}
	return true, removeStaleVersions(dir, filepath.Base(ts))
}

// checkPaths refuses paths that would land outside the volume or collide,
// and returns the set of first path elements, which get a symlink each.
func checkPaths(files map[string]file) (map[string]bool, error) {
	visible := map[string]bool{}
	for p := range files {
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "..") {
			return nil, fmt.Errorf("invalid file path %q", p)
		}
		for _, e := range strings.Split(p, "/") {
			if e == ".." {
				return nil, fmt.Errorf("invalid file path %q: must not contain '..'", p)
			}
		}
		// "a" and "a/b" cannot both be files.
		for q := range files {
			if strings.HasPrefix(q, p+"/") {
				return nil, fmt.Errorf("file path %q is a prefix of %q", p, q)
			}
		}
		visible[strings.SplitN(p, "/", 2)[0]] = true
	}
	return visible, nil
}

func writeVersion(dir string, files map[string]file) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for p, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return err
		}
		// WriteFile's mode is cut by the umask; the volume's is not.
		if err := os.Chmod(full, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// sameFiles reports whether the version directory dir holds exactly files.
func sameFiles(dir string, files map[string]file) bool {
	seen := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, ok := files[filepath.ToSlash(rel)]
		if !ok {
			return fs.ErrNotExist
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if info.Mode().Perm() != f.mode || !bytes.Equal(b, f.data) {
			return fs.ErrInvalid
		}
		seen++
		return nil
	})
	return err == nil && seen == len(files)
}

func linksInPlace(dir string, visible map[string]bool) bool {
	for name := range visible {
		if t, err := os.Readlink(filepath.Join(dir, name)); err != nil || t != path.Join(dataLink, name) {
			return false
		}
	}
	return true
}

// syncVisible points one symlink per visible name through ..data and
// removes the names the new version no longer has.
func syncVisible(dir string, visible map[string]bool) error {
	want := func(name string) string { return path.Join(dataLink, name) }
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") {
			continue
		}
		if t, err := os.Readlink(filepath.Join(dir, name)); visible[name] && err == nil && t == want(name) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(visible))
	for name := range visible {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		err := os.Symlink(want(name), filepath.Join(dir, name))
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// removeStaleVersions removes every version directory but keep, including
// those a write that failed half-way left behind.
func removeStaleVersions(dir, keep string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == keep || !strings.HasPrefix(name, "..") {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
