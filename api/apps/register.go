package apps

import "github.com/wharf/wharf/api/scheme"

// Resources returns the apps/v1 resources.
func Resources() []*scheme.Resource {
	return []*scheme.Resource{DeploymentResource(), ReplicaSetResource(), DaemonSetResource()}
}
