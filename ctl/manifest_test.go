package ctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	podYAML = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
	twoDocs = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n---\n# a comment only\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: team\n"
	listDoc = `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}},{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"b"}}]}`
)

// writeTree creates files (path → content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// summary is what a test compares of a manifest.
type summary struct {
	Source, Kind, Name, Namespace string
	Index                         int
}

func summarize(dir string, ms []manifest) []summary {
	out := make([]summary, len(ms))
	for i, m := range ms {
		src := m.source
		if rel, err := filepath.Rel(dir, src); err == nil && !strings.HasPrefix(rel, "..") {
			src = filepath.ToSlash(rel)
		}
		out[i] = summary{src, m.Kind, m.name, m.namespace, m.index}
	}
	return out
}

func TestReadManifests(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a-pod.yaml":           podYAML,
		"b-multi.yml":          twoDocs,
		"c-list.json":          listDoc,
		"notes.txt":            "not a manifest",
		"explicit.manifest":    podYAML,
		"sub/d-pod.yaml":       strings.Replace(podYAML, "web", "deep", 1),
		"sub/deeper/e.yaml":    strings.Replace(podYAML, "web", "deeper", 1),
		"sub/deeper/README.md": "# docs",
	})
	tests := []struct {
		name      string
		paths     []string
		recursive bool
		stdin     string
		want      []summary
	}{
		{
			name:  "a file",
			paths: []string{"a-pod.yaml"},
			want:  []summary{{"a-pod.yaml", "Pod", "web", "", 1}},
		},
		{
			name:  "a file named explicitly is read whatever its extension",
			paths: []string{"explicit.manifest"},
			want:  []summary{{"explicit.manifest", "Pod", "web", "", 1}},
		},
		{
			name:  "multi-document YAML skips empty documents",
			paths: []string{"b-multi.yml"},
			want: []summary{
				{"b-multi.yml", "Namespace", "team", "", 1},
				{"b-multi.yml", "ConfigMap", "cfg", "team", 2},
			},
		},
		{
			name:  "a List yields its items",
			paths: []string{"c-list.json"},
			want: []summary{
				{"c-list.json", "Secret", "a", "", 1},
				{"c-list.json", "Deployment", "b", "", 2},
			},
		},
		{
			name:  "a directory: its manifests in name order, not its subdirectories",
			paths: []string{"."},
			want: []summary{
				{"a-pod.yaml", "Pod", "web", "", 1},
				{"b-multi.yml", "Namespace", "team", "", 1},
				{"b-multi.yml", "ConfigMap", "cfg", "team", 2},
				{"c-list.json", "Secret", "a", "", 1},
				{"c-list.json", "Deployment", "b", "", 2},
			},
		},
		{
			name:      "-R descends into subdirectories",
			paths:     []string{"sub"},
			recursive: true,
			want: []summary{
				{"sub/d-pod.yaml", "Pod", "deep", "", 1},
				{"sub/deeper/e.yaml", "Pod", "deeper", "", 1},
			},
		},
		{
			name:  "stdin, in the order of -f",
			paths: []string{"-", "a-pod.yaml"},
			stdin: twoDocs,
			want: []summary{
				{"STDIN", "Namespace", "team", "", 1},
				{"STDIN", "ConfigMap", "cfg", "team", 2},
				{"a-pod.yaml", "Pod", "web", "", 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := make([]string, len(tt.paths))
			for i, p := range tt.paths {
				if p == "-" {
					paths[i] = p
				} else {
					paths[i] = filepath.Join(dir, p)
				}
			}
			ms, err := readManifests(paths, tt.recursive, strings.NewReader(tt.stdin))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(dir, ms)); diff != "" {
				t.Errorf("manifests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadManifestsErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nokind.yaml": "apiVersion: v1\nmetadata:\n  name: x\n",
		"bad.yaml":    "apiVersion: v1\nkind: Pod\n---\nkind: [unclosed\n",
	})
	tests := []struct {
		name string
		path string
		want string
	}{
		{"missing path", "nope.yaml", `the path "` + filepath.Join(dir, "nope.yaml") + `" does not exist`},
		{"no kind", "nokind.yaml", `error validating "` + filepath.Join(dir, "nokind.yaml") + `" (document 1): kind not set`},
		{"malformed YAML names the document", "bad.yaml", "document 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readManifests([]string{filepath.Join(dir, tt.path)}, false, strings.NewReader(""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
			if err != nil && strings.HasPrefix(errorLine(err), "Error from server") {
				t.Errorf("a parse error is the client's, got %q", errorLine(err))
			}
		})
	}
}
