// Package apiserver is Wharf's API server: the only component that talks to
// etcd. It serves the Kubernetes REST conventions over HTTPS with bearer
// tokens: CRUD, list and watch with selectors and pages, the three PATCH
// types, status subresources, discovery and tables, so that kubectl and
// every Wharf component are its clients.
package apiserver
