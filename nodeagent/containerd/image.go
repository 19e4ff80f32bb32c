package containerd

import (
	"context"
	"fmt"
	"strings"

	"github.com/containerd/containerd/v2/client"
	cerrdefs "github.com/containerd/errdefs"
)

// localImage finds image in containerd's store and makes sure it is
// unpacked into the snapshotter: an imported image is not.
func (r *Runtime) localImage(ctx context.Context, image string) (client.Image, error) {
	name := normalizeImage(image)
	img, err := r.client.GetImage(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("image %s is not present on the node (pulling is not implemented): %w", name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	unpacked, err := img.IsUnpacked(ctx, snapshotter)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	if !unpacked {
		if err := img.Unpack(ctx, snapshotter); err != nil {
			return nil, fmt.Errorf("unpack image %s: %w", name, err)
		}
	}
	return img, nil
}

// normalizeImage completes a reference as Docker and Kubernetes do:
// "nginx" is "docker.io/library/nginx:latest".
func normalizeImage(ref string) string {
	domain, rest, ok := strings.Cut(ref, "/")
	if !ok || !strings.ContainsAny(domain, ".:") && domain != "localhost" {
		if !ok {
			rest = "library/" + ref
		} else {
			rest = ref
		}
		domain = "docker.io"
	}
	name := domain + "/" + rest
	if strings.Contains(rest, "@") {
		return name
	}
	if i := strings.LastIndex(rest, ":"); i < 0 {
		name += ":latest"
	}
	return name
}

// imageRef is the resolved reference of an image: its name without tag,
// at its digest.
func imageRef(name, digest string) string {
	if i := strings.Index(name, "@"); i >= 0 {
		return name
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name + "@" + digest
}
