// Package plugins holds the scheduler's filter and score plugins and the
// registry that names them. Each plugin is a small value type; the ones
// that read a pod's constraints (taints, affinity) implement both a filter
// and a scorer, as in kube-scheduler. Every plugin's user-facing rejection
// reasons are typed constants declared beside it.
package plugins
