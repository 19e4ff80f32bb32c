// Package ctl is the `wharf` command tree: the kubectl-style client verbs
// (apply, get, describe, delete, create, version) and the daemon commands
// (server). Main is the whole program; cmd/wharf only calls it.
//
// The client verbs speak to the API through api/client and print what kubectl
// prints, so that people and scripts used to kubectl feel at home: the same
// table layout (rendered by the server as meta.k8s.io Tables), the same
// `kind.group/name` names and the same success and error lines.
package ctl
