package batch

import "github.com/wharf/wharf/api/scheme"

// Resources returns the batch/v1 resources.
func Resources() []*scheme.Resource {
	return []*scheme.Resource{JobResource()}
}
