package containerd

import (
	"context"
	"io"

	"github.com/wharf/wharf/nodeagent"
)

// ContainerLogs implements nodeagent.Runtime.
func (r *Runtime) ContainerLogs(context.Context, string, nodeagent.LogOptions, io.Writer) error {
	return errPending
}
