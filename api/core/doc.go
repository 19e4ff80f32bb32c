// Package core is the core/v1 API group: pods and the kinds that serve
// them (namespaces, nodes, services, endpoints, config maps, secrets,
// events). Each kind has its Kubernetes wire format, defaulting as the
// Kubernetes API server defaults, validation that names the bad field, and
// the scheme.Resource that registers it.
//
// Strategic-merge-patch tags (patchStrategy, patchMergeKey) sit exactly
// where Kubernetes has them, because `kubectl apply` relies on them to merge
// lists such as containers by name instead of replacing them.
package core
