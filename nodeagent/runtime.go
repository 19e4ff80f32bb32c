package nodeagent

import (
	"context"
	"io"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent/volume"
)

// Runtime runs the sandboxes and containers of one node's pods: what the
// agent needs of containerd through CRI, and what the simulated runtime
// pretends to do. A sandbox holds a pod's network namespace and IP; its
// containers run inside it. Every ID is the runtime's own.
//
// The runtime outlives the agent (containerd keeps running when the agent
// restarts), so a new agent lists what runs and adopts it. Implementations
// are safe for concurrent use.
type Runtime interface {
	// Version names the runtime for the node's status and for
	// containerIDs ("containerd", "2.1.0").
	Version(ctx context.Context) (RuntimeVersion, error)
	// UpdatePodCIDR sets the range sandbox IPs come from. IPs already held
	// by sandboxes stay theirs.
	UpdatePodCIDR(ctx context.Context, cidr string) error

	// RunPodSandbox creates and starts the sandbox of pod; attempt counts
	// the pod's sandboxes before this one. pod is read, never changed.
	RunPodSandbox(ctx context.Context, pod *core.Pod, attempt uint32) (*Sandbox, error)
	// StopPodSandbox kills whatever still runs in the sandbox and releases
	// its IP. Stopping a stopped sandbox is not an error.
	StopPodSandbox(ctx context.Context, sandboxID string) error
	// RemovePodSandbox removes a sandbox and its containers, stopping
	// them first if need be. A missing sandbox is not an error.
	RemovePodSandbox(ctx context.Context, sandboxID string) error
	// ListSandboxes returns the sandboxes of the pod with UID podUID, or
	// of every pod when podUID is "".
	ListSandboxes(ctx context.Context, podUID string) ([]Sandbox, error)

	// StartContainer creates and starts a container in the sandbox and
	// returns its ID.
	StartContainer(ctx context.Context, sandboxID string, cfg ContainerConfig) (string, error)
	// StopContainer asks the container to stop (SIGTERM) and kills it
	// once grace has passed; it returns when the container has exited or
	// ctx ends. Stopping an exited container is not an error.
	StopContainer(ctx context.Context, containerID string, grace time.Duration) error
	// RemoveContainer forgets an exited container. A missing container is
	// not an error.
	RemoveContainer(ctx context.Context, containerID string) error
	// ListContainers returns the containers of the sandbox.
	ListContainers(ctx context.Context, sandboxID string) ([]Container, error)

	// ImagePresent reports whether image (a reference as a pod spec
	// names it) is in the runtime's image store.
	ImagePresent(ctx context.Context, image string) (bool, error)
	// PullImage fetches image from its registry into the image store.
	PullImage(ctx context.Context, image string) error

	// Exec runs a command in a running container with opts' streams and
	// returns its exit code. The error is non-nil only when the command
	// could not be run or ctx ended, not when the command failed.
	Exec(ctx context.Context, containerID string, opts ExecOptions) (exitCode int, err error)
	// ContainerLogs writes the container's log to w as opts asks. With
	// Follow it returns once the container has exited and its log is
	// read, or when ctx ends. It works on exited containers until they are
	// removed.
	ContainerLogs(ctx context.Context, containerID string, opts LogOptions, w io.Writer) error

	// Events streams what happens to containers, so that the agent need
	// not poll. It never blocks the runtime: events wait, in order, until
	// read. The channel is closed when ctx ends.
	Events(ctx context.Context) (<-chan Event, error)
}

// RuntimeVersion names a runtime.
type RuntimeVersion struct {
	// Name is the scheme of containerIDs and of the node's
	// containerRuntimeVersion: "containerd", "simulated".
	Name    string
	Version string
}

// String is the form node status shows: "containerd://2.1.0".
func (v RuntimeVersion) String() string { return v.Name + "://" + v.Version }

// Sandbox is a pod's sandbox as the runtime reports it.
type Sandbox struct {
	ID           string
	PodUID       string
	PodNamespace string
	PodName      string
	Attempt      uint32
	// IP is the pod's address; "" for host-network pods.
	IP        string
	Ready     bool
	CreatedAt time.Time
}

// ContainerConfig is what to run in a sandbox.
type ContainerConfig struct {
	// Container is the spec, read and never changed.
	Container *core.Container
	// Init says it is an init container, which runs to completion.
	Init bool
	// Attempt counts the earlier runs of this container in the pod: its
	// restartCount.
	Attempt uint32
	// Env is the container's whole environment, "NAME=value", resolved by
	// the agent (valueFrom, envFrom, $(VAR)) against the API and the
	// sandbox; a runtime that needs it expands command and args with it.
	// Nil when the agent does not resolve environments (simulated nodes).
	Env []string
	// Mounts are the container's volumeMounts as host paths to bind, in
	// the spec's order. Nil when the agent does not lay out volumes.
	Mounts []volume.Mount
}

// ContainerState is where a container is in its life.
type ContainerState int

// Container states.
const (
	ContainerCreated ContainerState = iota
	ContainerRunning
	ContainerExited
	ContainerUnknown
)

func (s ContainerState) String() string {
	switch s {
	case ContainerCreated:
		return "Created"
	case ContainerRunning:
		return "Running"
	case ContainerExited:
		return "Exited"
	}
	return "Unknown"
}

// Container is a container as the runtime reports it.
type Container struct {
	ID        string
	SandboxID string
	PodUID    string
	// Name is the container's name in the pod spec.
	Name    string
	Init    bool
	Attempt uint32
	Image   string
	// ImageRef is the resolved image (name@digest).
	ImageRef   string
	State      ContainerState
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	// ExitCode, Reason ("Completed", "Error", "OOMKilled") and Message
	// describe an exited container.
	ExitCode int32
	Reason   string
	Message  string
}

// EventType says what happened to a container.
type EventType int

// Event types.
const (
	EventContainerStarted EventType = iota
	EventContainerExited
	EventSandboxStopped
)

// Event is one change in the runtime. PodUID is enough for the agent: it
// looks again at the whole pod.
type Event struct {
	Type        EventType
	PodUID      string
	SandboxID   string
	ContainerID string
}

// ExecOptions is a command to run in a container and the streams wired to
// it. A nil stream is not attached; with TTY, Stderr is unused (a terminal
// has one output).
type ExecOptions struct {
	Cmd    []string
	TTY    bool
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Resize delivers the client terminal's size changes (TTY only).
	Resize <-chan TerminalSize
}

// TerminalSize is a terminal's size in characters.
type TerminalSize struct {
	Width  uint16
	Height uint16
}

// LogOptions says which part of a container's log to write, as the pods'
// log subresource does.
type LogOptions struct {
	// Follow keeps writing what the container logs until it exits.
	Follow bool
	// TailLines, when >= 0, starts that many lines before the end; < 0
	// means the whole log.
	TailLines int64
	// Since, when not zero, skips lines logged before it.
	Since time.Time
	// Timestamps prefixes each line with the RFC 3339 time (nanoseconds)
	// it was logged at.
	Timestamps bool
	// LimitBytes, when > 0, stops after that many bytes.
	LimitBytes int64
}
