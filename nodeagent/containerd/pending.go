package containerd

import (
	"context"
	"errors"

	"github.com/wharf/wharf/nodeagent"
)

// Being built: pulls, exec and logs.
var errPending = errors.New("containerd runtime: not implemented yet")

// ImagePresent implements nodeagent.Runtime.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	_, err := r.localImage(ctx, image)
	return err == nil, nil
}

// PullImage implements nodeagent.Runtime.
func (r *Runtime) PullImage(context.Context, string) error { return errPending }

// Exec implements nodeagent.Runtime.
func (r *Runtime) Exec(context.Context, string, nodeagent.ExecOptions) (int, error) {
	return 0, errPending
}
