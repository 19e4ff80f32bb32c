package ctl

import (
	"testing"

	"github.com/wharf/wharf/api/scheme"
)

func TestNames(t *testing.T) {
	tests := []struct {
		res                      *scheme.Resource
		wantKind, wantObj, wantP string
	}{
		{&scheme.Resource{Version: "v1", Kind: "Pod", Plural: "pods"}, "pod", "pod/web", "pods"},
		{&scheme.Resource{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments"}, "deployment.apps", "deployment.apps/web", "deployments.apps"},
		{&scheme.Resource{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Plural: "leases"}, "lease.coordination.k8s.io", "lease.coordination.k8s.io/web", "leases.coordination.k8s.io"},
		{&scheme.Resource{Version: "v1", Kind: "ConfigMap", Plural: "configmaps"}, "configmap", "configmap/web", "configmaps"},
	}
	for _, tt := range tests {
		t.Run(tt.res.Kind, func(t *testing.T) {
			if got := kindName(tt.res); got != tt.wantKind {
				t.Errorf("kindName = %q, want %q", got, tt.wantKind)
			}
			if got := objectName(tt.res, "web"); got != tt.wantObj {
				t.Errorf("objectName = %q, want %q", got, tt.wantObj)
			}
			if got := pluralName(tt.res); got != tt.wantP {
				t.Errorf("pluralName = %q, want %q", got, tt.wantP)
			}
		})
	}
}
