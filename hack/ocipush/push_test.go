package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeRegistry is the part of the registry v2 API a push uses, strict
// where a real registry is: digests are checked, a manifest's blobs and
// an index's manifests must be there before it.
type fakeRegistry struct {
	mu        sync.Mutex
	blobs     map[string][]byte // by digest
	manifests map[string]stored // by "name:reference"
	posts     int
	rejectPut string // a manifest PUT answers 400 with this error code
	auth      bool   // /v2/ answers 401
}

type stored struct {
	contentType string
	body        []byte
}

func newFakeRegistry(t *testing.T) (*fakeRegistry, *httptest.Server) {
	f := &fakeRegistry{blobs: map[string][]byte{}, manifests: map[string]stored{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func regError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"fake says no"}]}`, code)
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.URL.Path
	switch {
	case p == "/v2/" && r.Method == http.MethodGet:
		if f.auth {
			regError(w, http.StatusUnauthorized, "UNAUTHORIZED")
			return
		}
		w.WriteHeader(http.StatusOK)
	case strings.Contains(p, "/blobs/uploads/") && r.Method == http.MethodPost:
		f.posts++
		// Relative, with a query of its own, as docker-registry answers.
		w.Header().Set("Location", fmt.Sprintf("%supload-%d?_state=s%d", p, f.posts, f.posts))
		w.WriteHeader(http.StatusAccepted)
	case strings.Contains(p, "/blobs/uploads/upload-") && r.Method == http.MethodPut:
		if r.URL.Query().Get("_state") == "" {
			regError(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID")
			return
		}
		body, _ := io.ReadAll(r.Body)
		d := r.URL.Query().Get("digest")
		if digestOf(body) != d || r.ContentLength != int64(len(body)) {
			regError(w, http.StatusBadRequest, "DIGEST_INVALID")
			return
		}
		f.blobs[d] = body
		w.WriteHeader(http.StatusCreated)
	case strings.Contains(p, "/blobs/") && r.Method == http.MethodHead:
		if _, ok := f.blobs[p[strings.LastIndex(p, "/")+1:]]; ok {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	case strings.Contains(p, "/manifests/") && r.Method == http.MethodPut:
		f.putManifest(w, r)
	default:
		http.Error(w, "unexpected "+r.Method+" "+p, http.StatusMethodNotAllowed)
	}
}

func (f *fakeRegistry) putManifest(w http.ResponseWriter, r *http.Request) {
	if f.rejectPut != "" {
		regError(w, http.StatusBadRequest, f.rejectPut)
		return
	}
	name, ref, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/")
	body, _ := io.ReadAll(r.Body)
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil || m.MediaType != r.Header.Get("Content-Type") {
		regError(w, http.StatusBadRequest, "MANIFEST_INVALID")
		return
	}
	var missing bool
	if m.Config != nil {
		for _, d := range append([]descriptor{*m.Config}, m.Layers...) {
			_, ok := f.blobs[d.Digest]
			missing = missing || !ok
		}
	}
	for _, d := range m.Manifests {
		_, ok := f.manifests[name+":"+d.Digest]
		missing = missing || !ok
	}
	if missing {
		regError(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN")
		return
	}
	s := stored{contentType: r.Header.Get("Content-Type"), body: body}
	f.manifests[name+":"+ref] = s
	f.manifests[name+":"+digestOf(body)] = s
	w.Header().Set("Docker-Content-Digest", digestOf(body))
	w.WriteHeader(http.StatusCreated)
}

// testImage is an OCI layout tarball written by the test.
type testImage struct {
	path     string
	manifest descriptor   // what index.json names
	blobs    []descriptor // config and layers
}

// writeLayout writes blobs and an index.json naming top into a tarball.
func writeLayout(t *testing.T, blobs map[string][]byte, top []descriptor) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaTypeOCIIndex, "manifests": top})
	add("index.json", idx)
	for d, b := range blobs {
		add("blobs/sha256/"+strings.TrimPrefix(d, "sha256:"), b)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// newManifest makes a config, a layer and their manifest, adding all
// three to blobs.
func newManifest(blobs map[string][]byte, arch string) (descriptor, []descriptor) {
	put := func(mediaType string, b []byte) descriptor {
		d := descriptor{MediaType: mediaType, Digest: digestOf(b), Size: int64(len(b))}
		blobs[d.Digest] = b
		return d
	}
	config := put("application/vnd.oci.image.config.v1+json", []byte(`{"architecture":"`+arch+`","os":"linux"}`))
	layer := put("application/vnd.oci.image.layer.v1.tar", []byte("layer of "+arch))
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaTypeOCIManifest, "config": config, "layers": []descriptor{layer}})
	return put(mediaTypeOCIManifest, m), []descriptor{config, layer}
}

func singleImage(t *testing.T) testImage {
	blobs := map[string][]byte{}
	m, bs := newManifest(blobs, "amd64")
	m.Annotations = map[string]string{annotationImageName: "wharf.local/wharf-test:1", annotationRefName: "1"}
	return testImage{path: writeLayout(t, blobs, []descriptor{m}), manifest: m, blobs: bs}
}

func push(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out, io.Discard)
	return out.String(), err
}

func TestPushImage(t *testing.T) {
	f, srv := newFakeRegistry(t)
	img := singleImage(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	out, err := push(t, img.path, host+"/wharf-test:pulled")
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if want := fmt.Sprintf("pushed %s/wharf-test:pulled@%s", host, img.manifest.Digest); !strings.Contains(out, want) {
		t.Errorf("output: got %q, want it to contain %q", out, want)
	}
	got, ok := f.manifests["wharf-test:pulled"]
	if !ok {
		t.Fatalf("manifests: got %v, want wharf-test:pulled", keys(f.manifests))
	}
	if got.contentType != mediaTypeOCIManifest || digestOf(got.body) != img.manifest.Digest {
		t.Errorf("manifest: got %s with digest %s, want %s with digest %s", got.contentType, digestOf(got.body), mediaTypeOCIManifest, img.manifest.Digest)
	}
	for _, b := range img.blobs {
		if _, ok := f.blobs[b.Digest]; !ok {
			t.Errorf("blob %s: missing from the registry", b.Digest)
		}
	}
	if f.posts != 2 {
		t.Errorf("uploads: got %d, want 2 (config and layer)", f.posts)
	}

	// Again: the blobs are there, only the manifest goes up.
	if _, err := push(t, img.path, host+"/wharf-test:again"); err != nil {
		t.Fatalf("second push: %v", err)
	}
	if f.posts != 2 {
		t.Errorf("uploads after a second push: got %d, want still 2", f.posts)
	}
	if _, ok := f.manifests["wharf-test:again"]; !ok {
		t.Errorf("manifests: got %v, want wharf-test:again", keys(f.manifests))
	}
}

// TestPushIndex: a multi-platform image goes up manifests first (by
// digest), then the index under the tag.
func TestPushIndex(t *testing.T) {
	f, srv := newFakeRegistry(t)
	blobs := map[string][]byte{}
	amd, _ := newManifest(blobs, "amd64")
	arm, _ := newManifest(blobs, "arm64")
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaTypeOCIIndex, "manifests": []descriptor{amd, arm}})
	top := descriptor{MediaType: mediaTypeOCIIndex, Digest: digestOf(idx), Size: int64(len(idx))}
	blobs[top.Digest] = idx
	path := writeLayout(t, blobs, []descriptor{top})
	host := strings.TrimPrefix(srv.URL, "http://")
	if _, err := push(t, path, host+"/multi/arch:v1"); err != nil {
		t.Fatalf("push: %v", err)
	}
	want := map[string]string{
		"multi/arch:v1":            mediaTypeOCIIndex,
		"multi/arch:" + amd.Digest: mediaTypeOCIManifest,
		"multi/arch:" + arm.Digest: mediaTypeOCIManifest,
	}
	for ref, mt := range want {
		if got := f.manifests[ref].contentType; got != mt {
			t.Errorf("manifest %s: got content type %q, want %q", ref, got, mt)
		}
	}
}

// TestPushChoosesImage: of a layout with several images, -image picks
// one by its full name.
func TestPushChoosesImage(t *testing.T) {
	f, srv := newFakeRegistry(t)
	blobs := map[string][]byte{}
	m1, _ := newManifest(blobs, "amd64")
	m1.Annotations = map[string]string{annotationImageName: "wharf.local/a:1"}
	m2, _ := newManifest(blobs, "arm64")
	m2.Annotations = map[string]string{annotationImageName: "wharf.local/b:1"}
	path := writeLayout(t, blobs, []descriptor{m1, m2})
	if _, err := push(t, "-image", "wharf.local/b:1", path, strings.TrimPrefix(srv.URL, "http://")+"/b:1"); err != nil {
		t.Fatalf("push: %v", err)
	}
	if got := digestOf(f.manifests["b:1"].body); got != m2.Digest {
		t.Errorf("b:1: got manifest %s, want %s (wharf.local/b:1)", got, m2.Digest)
	}
}

func TestPushFailures(t *testing.T) {
	blobs := map[string][]byte{}
	m1, _ := newManifest(blobs, "amd64")
	m2, _ := newManifest(blobs, "arm64")
	twoImages := writeLayout(t, blobs, []descriptor{m1, m2})

	bad := map[string][]byte{}
	m, _ := newManifest(bad, "amd64")
	bad[m.Digest] = append(bad[m.Digest], ' ') // no longer its digest
	corrupt := writeLayout(t, bad, []descriptor{m})

	tests := []struct {
		name  string
		setup func(*fakeRegistry)
		args  func(host string) []string
		want  string
	}{
		{"registry wants a login", func(f *fakeRegistry) { f.auth = true },
			func(h string) []string { return []string{singleImage(t).path, h + "/x:1"} }, "UNAUTHORIZED"},
		{"manifest refused", func(f *fakeRegistry) { f.rejectPut = "MANIFEST_INVALID" },
			func(h string) []string { return []string{singleImage(t).path, h + "/x:1"} }, "MANIFEST_INVALID: fake says no"},
		{"several images, none chosen", nil,
			func(h string) []string { return []string{twoImages, h + "/x:1"} }, "-image"},
		{"corrupt manifest blob", nil,
			func(h string) []string { return []string{corrupt, h + "/x:1"} }, "digest"},
		{"not a layout", nil,
			func(h string) []string { return []string{t.TempDir(), h + "/x:1"} }, "not an OCI image layout"},
		{"no registry host", nil,
			func(string) []string { return []string{singleImage(t).path, "wharf-test:1"} }, "HOST:PORT"},
		{"upper-case repository", nil,
			func(h string) []string { return []string{singleImage(t).path, h + "/Wharf:1"} }, "repository name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeRegistry(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			_, err := push(t, tt.args(strings.TrimPrefix(srv.URL, "http://"))...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		in   string
		want reference
	}{
		{"127.0.0.1:5000/wharf-test:pulled", reference{"127.0.0.1:5000", "wharf-test", "pulled"}},
		{"localhost/a/b", reference{"localhost", "a/b", "latest"}},
		{"registry.local:5000/team/app:v1.2", reference{"registry.local:5000", "team/app", "v1.2"}},
	}
	for _, tt := range tests {
		got, err := parseReference(tt.in)
		if err != nil {
			t.Errorf("parseReference(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(reference{})); diff != "" {
			t.Errorf("parseReference(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func keys(m map[string]stored) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
