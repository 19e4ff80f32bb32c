// Package apps is the apps/v1 API group: Deployments and the ReplicaSets
// they roll out, DaemonSets, with Kubernetes' wire format, defaults and
// validation, and the autoscaling/v1 Scale that the /scale subresource of
// Deployments and ReplicaSets speaks.
package apps
