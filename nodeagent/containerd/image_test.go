package containerd

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/core/images"
	cerrdefs "github.com/containerd/errdefs"

	"github.com/wharf/wharf/nodeagent"
)

// testRegistry is the smallest OCI distribution server a pull needs,
// serving the test image's OCI layout as repository repo, tag tag. The
// repository "private/app" asks for credentials nobody has.
type testRegistry struct {
	repo, tag string
	// manifest is the image manifest's digest, mediaType its type.
	manifest, mediaType string
	blobs               map[string][]byte
}

const privateRepo = "private/app"

// startRegistry serves the test image on 127.0.0.1 over plain HTTP and
// returns its host:port.
func startRegistry(t *testing.T, repo, tag string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(env.dir, "img", "wharf-test-1.tar"))
	if err != nil {
		t.Fatalf("test image layout: %v", err)
	}
	defer f.Close()
	reg := &testRegistry{repo: repo, tag: tag, blobs: map[string][]byte{}}
	var index struct {
		Manifests []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"manifests"`
	}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("test image layout: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("test image layout: %v", err)
		}
		switch {
		case hdr.Name == "index.json":
			if err := json.Unmarshal(b, &index); err != nil {
				t.Fatalf("index.json: %v", err)
			}
		case strings.HasPrefix(hdr.Name, "blobs/sha256/") && hdr.Typeflag == tar.TypeReg:
			reg.blobs["sha256:"+strings.TrimPrefix(hdr.Name, "blobs/sha256/")] = b
		}
	}
	if len(index.Manifests) != 1 {
		t.Fatalf("index.json: got %d manifests, want 1", len(index.Manifests))
	}
	reg.manifest, reg.mediaType = index.Manifests[0].Digest, index.Manifests[0].MediaType
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func (reg *testRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only registry", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/v2/" || r.URL.Path == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, ref, kind := "", "", ""
	for _, k := range []string{"manifests", "blobs"} {
		if i := strings.LastIndex(rest, "/"+k+"/"); i > 0 {
			name, ref, kind = rest[:i], rest[i+len(k)+2:], k
			break
		}
	}
	switch {
	case name == privateRepo:
		w.Header().Set("WWW-Authenticate", `Basic realm="wharf-test"`)
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	case name != reg.repo:
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	mediaType := "application/octet-stream"
	if kind == "manifests" {
		if ref == reg.tag {
			ref = reg.manifest
		}
		if ref != reg.manifest {
			registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		mediaType = reg.mediaType
	}
	b, ok := reg.blobs[ref]
	if !ok {
		registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Docker-Content-Digest", ref)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	if r.Method == http.MethodGet {
		w.Write(b)
	}
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, msg)
}

// newPullRuntime returns a Runtime on the private daemon that reaches the
// insecure registries over plain HTTP.
func newPullRuntime(t *testing.T, insecure ...string) *Runtime {
	t.Helper()
	if env == nil {
		t.Skip("no containerd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := New(ctx, Config{Address: env.address, Namespace: testNamespace, StateDir: t.TempDir(), Logger: testLogger(t), InsecureRegistries: insecure})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// deleteImage removes a pulled image and its content.
func deleteImage(t *testing.T, r *Runtime, name string) {
	t.Helper()
	if err := r.Client().ImageService().Delete(context.Background(), normalizeImage(name), images.SynchronousDelete()); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("delete image %s: %v", name, err)
	}
}

func TestPullImage(t *testing.T) {
	host := startRegistry(t, "wharf/pulled", "1")
	r := newPullRuntime(t, host)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	image := host + "/wharf/pulled:1"
	t.Cleanup(func() { deleteImage(t, r, image) })
	if present, err := r.ImagePresent(ctx, image); err != nil || present {
		t.Fatalf("ImagePresent before the pull: got %t, %v, want false, nil", present, err)
	}
	// Pulls of one image at once are one pull, and all succeed.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = r.PullImage(ctx, image) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("PullImage: %v", err)
		}
	}
	if present, err := r.ImagePresent(ctx, image); err != nil || !present {
		t.Fatalf("ImagePresent after the pull: got %t, %v, want true, nil", present, err)
	}
	img, err := r.Client().GetImage(ctx, image)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if unpacked, err := img.IsUnpacked(ctx, snapshotter); err != nil || !unpacked {
		t.Errorf("IsUnpacked(%s): got %t, %v, want true", snapshotter, unpacked, err)
	}

	sb := runSandbox(t, r, "pulled")
	cfg := testContainer("app", "--echo", "from the registry")
	cfg.Container.Image = image
	id, err := r.StartContainer(ctx, sb.ID, cfg)
	if err != nil {
		t.Fatalf("StartContainer from the pulled image: %v", err)
	}
	c := waitState(t, r, sb.ID, id, nodeagent.ContainerExited)
	if c.ExitCode != 0 || !strings.HasPrefix(c.ImageRef, host+"/wharf/pulled@sha256:") {
		t.Errorf("container: got exit %d image %q, want 0 and %s/wharf/pulled@sha256:...", c.ExitCode, c.ImageRef, host)
	}
	waitLog(t, r, id, "from the registry")
	assertRemoved(t, r, id)
}

func TestPullImageErrors(t *testing.T) {
	host := startRegistry(t, "wharf/pulled", "1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	r := newPullRuntime(t, host, closed)
	strict := newPullRuntime(t)
	tests := []struct {
		name     string
		r        *Runtime
		image    string
		want     string
		notFound bool
	}{
		{"unknown repository", r, host + "/wharf/absent:1", "not found", true},
		{"unknown tag", r, host + "/wharf/pulled:2", "not found", true},
		{"credentials required", r, host + "/" + privateRepo + ":1", "unauthorized", false},
		{"nothing listening", r, closed + "/wharf/pulled:1", "connection refused", false},
		{"plain HTTP registry not listed as insecure", strict, host + "/wharf/pulled:1", "--insecure-registry " + host, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tc.r.PullImage(ctx, tc.image)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("PullImage(%s): got %v, want an error saying %q", tc.image, err, tc.want)
			}
			if cerrdefs.IsNotFound(err) != tc.notFound {
				t.Errorf("PullImage(%s): got IsNotFound %t, want %t", tc.image, cerrdefs.IsNotFound(err), tc.notFound)
			}
			if present, err := tc.r.ImagePresent(ctx, tc.image); err != nil || present {
				t.Errorf("ImagePresent after a failed pull: got %t, %v, want false, nil", present, err)
			}
		})
	}
}
