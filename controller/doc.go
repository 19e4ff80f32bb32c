// Package controller holds Wharf's controllers: reconcile loops that watch
// objects through informers, queue the keys of what changed, and drive the
// cluster toward what the objects declare. Each controller is one file; the
// work queue they share is in queue.go.
package controller
