// Command ocipack packs a directory tree into a single-layer OCI image and
// writes it as an OCI image layout tarball, the format `ctr images import`
// and other OCI tools read, without Docker or a registry.
//
//	ocipack -root DIR -ref wharf.local/wharf-test:1 -entrypoint /testimage \
//	    -env VERSION=1 -port 8080/tcp -out wharf-test-1.tar
//
// The output depends only on the inputs: file times are fixed, owners are
// root, and every listing is sorted, so packing the same tree twice gives the
// same bytes and the same digests.
package main
