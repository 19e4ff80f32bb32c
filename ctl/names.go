package ctl

import (
	"strings"

	"github.com/wharf/wharf/api/scheme"
)

// kindName is how kubectl names a kind in its output: the lower-case kind,
// qualified by group outside the core group ("pod", "deployment.apps",
// "lease.coordination.k8s.io").
func kindName(res *scheme.Resource) string {
	k := strings.ToLower(res.Kind)
	if res.Group != "" {
		k += "." + res.Group
	}
	return k
}

// objectName is an object's name as `-o name`, apply and create print it:
// "pod/web", "deployment.apps/web".
func objectName(res *scheme.Resource, name string) string {
	return kindName(res) + "/" + name
}

// pluralName names the resource in messages about a whole collection:
// "pods", "deployments.apps".
func pluralName(res *scheme.Resource) string {
	return res.GroupResource().String()
}
