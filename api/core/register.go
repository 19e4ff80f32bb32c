package core

import "github.com/wharf/wharf/api/scheme"

// Resources returns every core/v1 resource.
func Resources() []*scheme.Resource {
	return []*scheme.Resource{
		PodResource(),
		NamespaceResource(),
		NodeResource(),
		ServiceResource(),
		EndpointsResource(),
		ConfigMapResource(),
		SecretResource(),
		EventResource(),
	}
}
