// Package controller holds Wharf's controllers: reconcile loops that watch
// objects through informers, queue the keys of what changed, and drive the
// cluster toward what the objects declare. Each controller's files are named
// after it (deployment*.go, job*.go, ...); the work queue they share is in
// queue.go and the shared informers in informers.go.
package controller
