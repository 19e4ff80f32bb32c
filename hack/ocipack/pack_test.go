package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tarEntry is what the tests compare of a tar header and its content.
type tarEntry struct {
	Name     string
	Type     byte
	Mode     int64
	Linkname string
	Content  string
	Uid, Gid int
	Unix     int64
}

func readTar(t *testing.T, r io.Reader) []tarEntry {
	t.Helper()
	var out []tarEntry
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("reading %s: %v", hdr.Name, err)
		}
		out = append(out, tarEntry{
			Name: hdr.Name, Type: hdr.Typeflag, Mode: hdr.Mode, Linkname: hdr.Linkname,
			Content: string(data), Uid: hdr.Uid, Gid: hdr.Gid, Unix: hdr.ModTime.Unix(),
		})
	}
}

// testTree builds a small root filesystem with a file of each kind.
func testTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mk := func(rel string, mode os.FileMode, content string) {
		p := filepath.Join(root, rel)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // undo the umask
			t.Fatal(err)
		}
	}
	for _, d := range []string{"etc", "tmp"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o755|os.ModeSticky|0o022); err != nil {
		t.Fatal(err)
	}
	mk("testimage", 0o755, "#!binary")
	mk("etc/hostname", 0o644, "box\n")
	if err := os.Symlink("testimage", filepath.Join(root, "app")); err != nil {
		t.Fatal(err)
	}
	return root
}

func testSpec(root string) spec {
	return spec{
		root:       root,
		ref:        "wharf.local/wharf-test:1",
		arch:       "amd64",
		entrypoint: []string{"/testimage"},
		env:        []string{"VERSION=1"},
		ports:      []string{"8080/tcp"},
	}
}

func TestPackRoundTrip(t *testing.T) {
	var out bytes.Buffer
	if err := pack(testSpec(testTree(t)), &out); err != nil {
		t.Fatalf("pack: %v", err)
	}
	entries := readTar(t, bytes.NewReader(out.Bytes()))

	files := map[string]string{}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
		files[e.Name] = e.Content
		if e.Uid != 0 || e.Gid != 0 || e.Unix != 0 {
			t.Errorf("%s: got uid %d gid %d mtime %d, want 0 0 0", e.Name, e.Uid, e.Gid, e.Unix)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("archive entries: got %q, want sorted", names)
	}
	// Every blob is named by the sha256 of its bytes.
	for name, content := range files {
		hexDigest, ok := strings.CutPrefix(name, "blobs/sha256/")
		if !ok || hexDigest == "" {
			continue
		}
		if got := digestOf([]byte(content)); got != "sha256:"+hexDigest {
			t.Errorf("blob %s: got digest %s, want sha256:%s", name, got, hexDigest)
		}
	}
	blobOf := func(d descriptor, wantMediaType string) []byte {
		t.Helper()
		if d.MediaType != wantMediaType {
			t.Errorf("descriptor %s media type: got %q, want %q", d.Digest, d.MediaType, wantMediaType)
		}
		content, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
		if !ok {
			t.Fatalf("blob %s: missing from archive (entries %q)", d.Digest, names)
		}
		if int64(len(content)) != d.Size {
			t.Errorf("blob %s size: got %d, want %d from descriptor", d.Digest, len(content), d.Size)
		}
		return []byte(content)
	}
	decode := func(name string, data []byte, v any) {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("decoding %s %s: %v", name, data, err)
		}
	}

	var lay layout
	decode("oci-layout", []byte(files["oci-layout"]), &lay)
	if lay.ImageLayoutVersion != "1.0.0" {
		t.Errorf("oci-layout version: got %q, want 1.0.0", lay.ImageLayoutVersion)
	}

	var idx index
	decode("index.json", []byte(files["index.json"]), &idx)
	if idx.SchemaVersion != 2 || idx.MediaType != mediaTypeIndex || len(idx.Manifests) != 1 {
		t.Fatalf("index: got %+v, want schema 2, %s, one manifest", idx, mediaTypeIndex)
	}
	manDesc := idx.Manifests[0]
	wantAnn := map[string]string{
		"io.containerd.image.name":          "wharf.local/wharf-test:1",
		"org.opencontainers.image.ref.name": "1",
	}
	if diff := cmp.Diff(wantAnn, manDesc.Annotations); diff != "" {
		t.Errorf("manifest annotations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&platform{Architecture: "amd64", OS: "linux"}, manDesc.Platform); diff != "" {
		t.Errorf("manifest platform (-want +got):\n%s", diff)
	}

	var man manifest
	decode("manifest", blobOf(manDesc, mediaTypeManifest), &man)
	if man.SchemaVersion != 2 || man.MediaType != mediaTypeManifest || len(man.Layers) != 1 {
		t.Fatalf("manifest: got %+v, want schema 2, %s, one layer", man, mediaTypeManifest)
	}
	var cfg imageConfig
	decode("config", blobOf(man.Config, mediaTypeConfig), &cfg)
	gzLayer := blobOf(man.Layers[0], mediaTypeLayer)

	zr, err := gzip.NewReader(bytes.NewReader(gzLayer))
	if err != nil {
		t.Fatalf("layer is not gzip: %v", err)
	}
	rawLayer, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip layer: %v", err)
	}
	wantCfg := imageConfig{
		Architecture: "amd64",
		OS:           "linux",
		Config: containerConfig{
			Env:          []string{defaultPath, "VERSION=1"},
			Entrypoint:   []string{"/testimage"},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		},
		RootFS: rootFS{Type: "layers", DiffIDs: []string{digestOf(rawLayer)}},
	}
	if diff := cmp.Diff(wantCfg, cfg); diff != "" {
		t.Errorf("image config (-want +got):\n%s", diff)
	}

	wantLayer := []tarEntry{
		{Name: "app", Type: tar.TypeSymlink, Mode: 0o777, Linkname: "testimage"},
		{Name: "etc/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "etc/hostname", Type: tar.TypeReg, Mode: 0o644, Content: "box\n"},
		{Name: "testimage", Type: tar.TypeReg, Mode: 0o755, Content: "#!binary"},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777},
	}
	if diff := cmp.Diff(wantLayer, readTar(t, bytes.NewReader(rawLayer))); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
}

func TestPackDeterministic(t *testing.T) {
	s := testSpec(testTree(t))
	var a, b bytes.Buffer
	if err := pack(s, &a); err != nil {
		t.Fatal(err)
	}
	// A later mtime on the source must not change the image.
	later := epoch.AddDate(30, 0, 0)
	if err := os.Chtimes(filepath.Join(s.root, "testimage"), later, later); err != nil {
		t.Fatal(err)
	}
	if err := pack(s, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("packing twice: got %d and %d bytes that differ, want identical output", a.Len(), b.Len())
	}
}

func TestPackTagsDiffer(t *testing.T) {
	root := testTree(t)
	configOf := func(ref, version string) string {
		t.Helper()
		s := testSpec(root)
		s.ref, s.env = ref, []string{"VERSION=" + version}
		var out bytes.Buffer
		if err := pack(s, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if configOf("wharf.local/wharf-test:1", "1") == configOf("wharf.local/wharf-test:2", "2") {
		t.Errorf("images for tags 1 and 2: got identical archives, want different")
	}
}

func TestPackErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(t *testing.T, s *spec)
		want   string
	}{
		{"no tag", func(t *testing.T, s *spec) { s.ref = "wharf.local/wharf-test" }, "NAME:TAG"},
		{"port is not a tag", func(t *testing.T, s *spec) { s.ref = "localhost:5000/wharf-test" }, "NAME:TAG"},
		{"empty tag", func(t *testing.T, s *spec) { s.ref = "wharf-test:" }, "NAME:TAG"},
		{"no arch", func(t *testing.T, s *spec) { s.arch = "" }, "architecture"},
		{"bad env", func(t *testing.T, s *spec) { s.env = []string{"VERSION"} }, "KEY=VALUE"},
		{"bad port", func(t *testing.T, s *spec) { s.ports = []string{"8080"} }, "NUMBER/tcp"},
		{"bad protocol", func(t *testing.T, s *spec) { s.ports = []string{"8080/http"} }, "NUMBER/tcp"},
		{"missing root", func(t *testing.T, s *spec) { s.root = filepath.Join(s.root, "nope") }, "no such file"},
		{"root is a file", func(t *testing.T, s *spec) { s.root = filepath.Join(s.root, "testimage") }, "not a directory"},
		{"fifo", func(t *testing.T, s *spec) {
			if err := syscall.Mkfifo(filepath.Join(s.root, "pipe"), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "unsupported file type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSpec(testTree(t))
			tt.modify(t, &s)
			err := pack(s, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("pack: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTagOf(t *testing.T) {
	tests := []struct{ ref, want string }{
		{"wharf.local/wharf-test:1", "1"},
		{"localhost:5000/wharf-test:v2", "v2"},
		{"docker.io/library/wharf-test:latest", "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := tagOf(tt.ref)
			if err != nil || got != tt.want {
				t.Errorf("tagOf(%q): got %q, %v; want %q", tt.ref, got, err, tt.want)
			}
		})
	}
}

func TestRunWritesFile(t *testing.T) {
	root := testTree(t)
	out := filepath.Join(t.TempDir(), "images", "wharf-test-1.tar")
	args := []string{"-root", root, "-ref", "wharf.local/wharf-test:1", "-arch", "amd64",
		"-entrypoint", "/testimage", "-env", "VERSION=1", "-port", "8080/tcp", "-out", out}
	for i := 0; i < 2; i++ { // the second run replaces the first
		if err := run(args, io.Discard); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := pack(testSpec(root), &want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file written by run: got %d bytes, want the %d bytes pack produces", len(got), want.Len())
	}
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".ocipack-*"))
	if err != nil || len(leftovers) != 0 {
		t.Errorf("temporary files: got %q (%v), want none", leftovers, err)
	}

	for _, bad := range [][]string{
		{"-ref", "x:1", "-out", out},
		{"-root", root, "-ref", "x:1"},
		{"-root", root, "-ref", "x:1", "-out", out, "extra"},
	} {
		if err := run(bad, io.Discard); err == nil {
			t.Errorf("run %q: got nil error, want one", bad)
		}
	}
}
