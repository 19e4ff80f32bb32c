// Package apps is the apps/v1 API group: Deployments and the ReplicaSets
// they roll out, with Kubernetes' wire format, defaults and validation, and
// the autoscaling/v1 Scale that their /scale subresource speaks.
package apps
