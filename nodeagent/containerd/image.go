package containerd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/remotes/docker"
	remoteerrors "github.com/containerd/containerd/v2/core/remotes/errors"
	cerrdefs "github.com/containerd/errdefs"
)

// ImagePresent implements nodeagent.Runtime: the image is in containerd's
// store. It is asked at every container start, so it leaves unpacking an
// imported image to StartContainer (localImage), which must make sure of it
// anyway.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	name := normalizeImage(image)
	_, err := r.client.GetImage(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("image %s: %w", name, err)
	}
	return true, nil
}

// PullImage implements nodeagent.Runtime: it fetches image for this
// node's platform through the registry's HTTP API (the client's Pull: the
// Transfer service is missing from containerd 1.6) and unpacks it for the
// snapshotter. Pulls of the same image at the same time are one pull.
func (r *Runtime) PullImage(ctx context.Context, image string) error {
	name := normalizeImage(image)
	for attempt := 1; ; attempt++ {
		ch := r.pulls.DoChan(name, func() (any, error) {
			return nil, r.pull(ctx, name)
		})
		select {
		case res := <-ch:
			// A pull joined whose caller went away is tried again.
			if res.Shared && attempt < 3 && ctx.Err() == nil && (errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded)) {
				continue
			}
			return res.Err
		case <-ctx.Done():
			return fmt.Errorf("pull image %s: %w", name, ctx.Err())
		}
	}
}

func (r *Runtime) pull(ctx context.Context, name string) error {
	resolver := docker.NewResolver(docker.ResolverOptions{Hosts: r.registries})
	_, err := r.client.Pull(ctx, name,
		client.WithResolver(resolver),
		client.WithPullUnpack,
		client.WithPullSnapshotter(snapshotter),
	)
	if err != nil {
		return pullError(name, err)
	}
	return nil
}

// registryHosts says how to reach registries: over HTTPS, except the
// insecure ones over plain HTTP, with anonymous bearer tokens as Docker
// Hub hands out (image pull secrets are not supported yet).
func registryHosts(insecure []string, hc *http.Client) docker.RegistryHosts {
	return docker.ConfigureDefaultRegistries(
		docker.WithClient(hc),
		docker.WithAuthorizer(docker.NewDockerAuthorizer(docker.WithAuthClient(hc))),
		docker.WithPlainHTTP(func(host string) (bool, error) {
			return slices.Contains(insecure, host), nil
		}),
	)
}

// pullError says why a pull failed in words a pod's status can carry
// (ErrImagePull), keeping the cause for errors.Is.
func pullError(name string, err error) error {
	registry, _, _ := strings.Cut(name, "/")
	var status remoteerrors.ErrUnexpectedStatus
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("pull image %s: %w", name, err)
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("pull image %s: not found: registry %s has no such repository or tag: %w", name, registry, err)
	case errors.Is(err, docker.ErrInvalidAuthorization),
		errors.As(err, &status) && (status.StatusCode == http.StatusUnauthorized || status.StatusCode == http.StatusForbidden):
		return fmt.Errorf("pull image %s: unauthorized: registry %s refuses anonymous access (image pull secrets are not supported yet), or the repository does not exist: %w", name, registry, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("pull image %s: connection refused: nothing listens at registry %s: %w", name, registry, err)
	case errors.Is(err, http.ErrSchemeMismatch):
		return fmt.Errorf("pull image %s: registry %s answers plain HTTP: list it with --insecure-registry %s: %w", name, registry, registry, err)
	}
	return fmt.Errorf("pull image %s: %w", name, err)
}

// localImage finds image in containerd's store and makes sure it is
// unpacked into the snapshotter: an imported image is not. An image
// missing from the store is a not-found error.
func (r *Runtime) localImage(ctx context.Context, image string) (client.Image, error) {
	name := normalizeImage(image)
	img, err := r.client.GetImage(ctx, name)
	if cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("image %s is not present on the node: %w", name, err)
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
// "nginx" is "docker.io/library/nginx:latest", "docker.io/nginx" is
// "docker.io/library/nginx:latest".
func normalizeImage(ref string) string {
	domain, rest, ok := strings.Cut(ref, "/")
	if !ok || !strings.ContainsAny(domain, ".:") && domain != "localhost" {
		domain, rest = "docker.io", ref
	}
	if domain == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
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
