package ctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/meta"
)

// stdinSource names standard input in messages, as kubectl does.
const stdinSource = "STDIN"

// manifest is one object read from a file: its JSON and where it came from,
// so that an error can point at the file and the document.
type manifest struct {
	source string // the file's path, or STDIN
	index  int    // 1-based position among the source's objects
	json   []byte
	meta.TypeMeta
	name      string
	namespace string
}

// where names the manifest in messages: `"app.yaml" (document 2)`.
func (m manifest) where() string {
	return fmt.Sprintf("%q (document %d)", m.source, m.index)
}

// fileOptions are the -f and -R flags that apply and delete share.
type fileOptions struct {
	filenames []string
	recursive bool
}

func (o *fileOptions) addFlags(fs *pflag.FlagSet, verb string) {
	fs.StringSliceVarP(&o.filenames, "filename", "f", nil, "files or directories that contain the configuration to "+verb+"; - reads standard input (repeatable)")
	fs.BoolVarP(&o.recursive, "recursive", "R", false, "also read the subdirectories of directories given with -f")
}

// manifestExtensions are the files a directory contributes; a file named
// explicitly is read whatever its name.
var manifestExtensions = []string{".json", ".yaml", ".yml"}

// readManifests reads every object of paths, in order: files, the .yaml,
// .yml and .json files of directories (of subdirectories too when
// recursive), and stdin for "-". Multi-document YAML and List kinds yield
// one manifest per object.
func readManifests(paths []string, recursive bool, stdin io.Reader) ([]manifest, error) {
	var out []manifest
	for _, p := range paths {
		if p == "-" {
			ms, err := parseManifests(stdinSource, stdin)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
			continue
		}
		files, err := manifestFiles(p, recursive)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			ms, err := parseManifests(f, bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
	return out, nil
}

// manifestFiles expands one -f argument into the files to read.
func manifestFiles(path string, recursive bool) ([]string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the path %q does not exist", path)
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(p))
		for _, e := range manifestExtensions {
			if ext == e {
				files = append(files, p)
				break
			}
		}
		return nil
	})
	return files, err
}

// parseManifests splits one source into its objects and reads what every
// command needs to know of each.
func parseManifests(source string, r io.Reader) ([]manifest, error) {
	docs, err := codec.SplitYAML(r)
	if err != nil {
		return nil, fmt.Errorf("error parsing %q: %v", source, err)
	}
	out := make([]manifest, 0, len(docs))
	for i, d := range docs {
		m := manifest{source: source, index: i + 1, json: d}
		tm, om, err := codec.Peek(d)
		if err != nil {
			return nil, fmt.Errorf("error parsing %s: %v", m.where(), err)
		}
		var missing []string
		if tm.APIVersion == "" {
			missing = append(missing, "apiVersion not set")
		}
		if tm.Kind == "" {
			missing = append(missing, "kind not set")
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("error validating %s: %s", m.where(), strings.Join(missing, ", "))
		}
		m.TypeMeta, m.name, m.namespace = tm, om.Name, om.Namespace
		out = append(out, m)
	}
	return out, nil
}
