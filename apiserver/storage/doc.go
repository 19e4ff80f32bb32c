// Package storage is the only code in Wharf that talks to etcd.
//
// It has three layers. [StartEmbedded] and [Connect] give a *clientv3.Client,
// either to a single-member etcd running inside the process or to an external
// cluster. [Store] works in keys and bytes over that client: transactional
// create, compare-and-swap update and delete on the mod revision, paginated
// lists at a fixed revision, raw watches, and a compactor that always keeps
// one interval of history. [Cacher] keeps one etcd watch per resource prefix
// and serves lists, gets and thousands of watchers from memory, so that the
// number of watchers does not multiply the load on etcd.
//
// Errors are mapped to the sentinels [ErrNotFound], [ErrKeyExists],
// [ErrConflict], [ErrCompacted] and [ErrTooLarge] with %w wrapping; the API
// server turns them into Status objects that name the resource.
package storage
