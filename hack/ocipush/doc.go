// Command ocipush pushes an image from an OCI image layout (a tarball such
// as hack/build-test-image.sh and hack/ocipack write, or an unpacked layout
// directory) to a registry over plain HTTP, with the registry v2 API and
// only the standard library: no Docker, no skopeo. It is how the tests put
// the test image into a local registry (hack/registry.sh push).
//
//	ocipush bin/images/wharf-test-1.tar 127.0.0.1:5000/wharf-test:pulled
//
// Blobs the registry has already (HEAD) are skipped; the others go up as
// monolithic uploads (POST, then PUT with the digest). Then each manifest
// is PUT with its media type, an index's manifests before the index. The
// layout's index.json must name one image, or name the one to push by its
// tag (org.opencontainers.image.ref.name) or full name
// (io.containerd.image.name).
package main
