// Package volume materialises a pod's volumes on the node so that the
// container runtime only has to bind-mount host paths into containers.
//
// Everything of a pod lives under Root/<podUID>/volumes/<kind>/<name>, so
// Teardown can remove a pod by its UID alone, even for a pod deleted while
// the agent was down. The kinds:
//
//   - emptyDir: a 0777 directory (containers may run as any user); with
//     medium Memory a tmpfs is mounted on it, bounded by sizeLimit.
//   - hostPath: the node's path itself, checked or created according to its
//     type as Kubernetes does. Nothing of it is ever removed.
//   - configMap and secret: the keys written as files the way Kubernetes'
//     atomic writer does (projection.go): the files of one version in a
//     hidden timestamped directory, a "..data" symlink to it and one
//     symlink per visible name through "..data". An update writes a new
//     directory and renames a new "..data" over the old one, so a reader in
//     a container sees either the old set of files or the new one, never a
//     mix. These volumes are always mounted read-only.
//
// A configMap or secret that is missing, or lacks a key named in items, is
// an error wrapping errdefs.ErrNotFound (the runtime's
// CreateContainerConfigError) unless the volume is optional; then the
// volume is empty, or the item is left out.
package volume
