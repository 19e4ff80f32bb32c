// Package registry turns the byte store of package storage into a store of
// objects with the Kubernetes semantics: names and generateName, uid and
// timestamps, resourceVersion as the etcd revision, generation, the split
// between spec and status, defaulting and validation, finalizers and
// graceful deletion. The HTTP layer above it only parses and renders.
package registry
