package nodeagent

import (
	"context"
	"errors"
	"io"
)

// errNoProcess is what simulated containers answer to exec and logs: they
// run no process, so there is nothing to exec in and nothing logged.
var errNoProcess = errors.New("simulated containers run no process: exec and logs need a real node")

// ImagePresent implements Runtime: a simulated node has every image.
func (s *Simulated) ImagePresent(context.Context, string) (bool, error) { return true, nil }

// PullImage implements Runtime; it is never needed, every image being
// present.
func (s *Simulated) PullImage(context.Context, string) error { return nil }

// Exec implements Runtime.
func (s *Simulated) Exec(context.Context, string, ExecOptions) (int, error) { return 0, errNoProcess }

// ContainerLogs implements Runtime.
func (s *Simulated) ContainerLogs(context.Context, string, LogOptions, io.Writer) error {
	return errNoProcess
}
