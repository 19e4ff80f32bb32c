//go:build e2e

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRealImagePull: an image that is not on the node is pulled from the
// local registry (plain HTTP, --insecure-registry) and runs.
func TestRealImagePull(t *testing.T) {
	n := realNodeFor(t)
	if n.registry == "" {
		t.Skip("no local registry: needs hack/registry.sh and docker-registry (make test installs it)")
	}
	t.Parallel()
	ns := n.newNamespace(t, "pull")
	// A tag of the test's own: -count=N must pull again.
	image := n.pushImage(t, strings.TrimPrefix(ns, nsPrefix))
	if out, _ := n.ctr("images", "ls", "-q"); slices.Contains(strings.Fields(out), image) {
		t.Fatalf("%s is on the node before the test: the pull would prove nothing", image)
	}
	n.apply(t, podManifest(ns, "pulled", image, ""))
	p := n.waitPod(t, ns, "pulled", 90*time.Second, running)
	if info := getInfo(t, p.Status.PodIP); info.Version != "1" || info.Hostname != "pulled" {
		t.Errorf("GET / of the pulled image: version %q hostname %q, want 1 and pulled", info.Version, info.Hostname)
	}
	cs := containerStatus(p, "web")
	if cs.ImageID == "" || !strings.Contains(cs.ImageID, "sha256:") {
		t.Errorf("imageID: got %q, want a digest", cs.ImageID)
	}
	if out, _ := n.ctr("images", "ls", "-q"); !slices.Contains(strings.Fields(out), image) {
		t.Errorf("images on the node after the pull lack %s:\n%s", image, out)
	}
}
