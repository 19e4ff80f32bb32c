package nodeagent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// SimulatedRuntimeName is the runtime name simulated nodes report, and the
// scheme of their containerIDs ("simulated://<id>").
const SimulatedRuntimeName = "simulated"

const simulatedVersion = "0.1.0"

// Simulated is a Runtime that runs nothing: containers start at once and
// run (and pass their readiness probes) until they are stopped or their
// pod's annotations (AnnotationFail, AnnotationExitCode,
// AnnotationRunSeconds) or restart policy make them exit. Pod IPs come
// from the pod CIDR, never one in use twice. One Simulated is one node's
// runtime; it keeps its state in memory for as long as the value lives, so
// an agent restarted over the same value adopts what runs.
type Simulated struct {
	clock       Clock
	runDuration time.Duration

	mu         sync.Mutex
	ipam       *ipam
	cidr       string
	sandboxes  map[string]*simSandbox
	containers map[string]*simContainer
	subs       map[*eventQueue]struct{}
}

var _ Runtime = (*Simulated)(nil)

type simSandbox struct {
	Sandbox
	ip            netip.Addr // valid while the sandbox holds an address
	annotations   map[string]string
	restartPolicy core.RestartPolicy
	containers    []string // IDs, in creation order
}

type simContainer struct {
	Container
	program program
	// cancelExit cancels the pending exit (the program's end, or the
	// SIGKILL after a grace period); nil when none is pending.
	cancelExit func() bool
	killAt     time.Time // when a pending SIGKILL is due
	exited     chan struct{}
}

// NewSimulated returns a node's simulated runtime. Containers of
// run-to-completion pods exit after runDuration; clock may be nil for the
// wall clock.
func NewSimulated(runDuration time.Duration, clock Clock) *Simulated {
	if clock == nil {
		clock = RealClock{}
	}
	return &Simulated{
		clock:       clock,
		runDuration: runDuration,
		sandboxes:   map[string]*simSandbox{},
		containers:  map[string]*simContainer{},
		subs:        map[*eventQueue]struct{}{},
	}
}

// Close cancels every pending exit; the runtime must not be used after.
func (s *Simulated) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.containers {
		if c.cancelExit != nil {
			c.cancelExit()
			c.cancelExit = nil
		}
	}
}

// Version implements Runtime.
func (s *Simulated) Version(context.Context) (RuntimeVersion, error) {
	return RuntimeVersion{Name: SimulatedRuntimeName, Version: simulatedVersion}, nil
}

// UpdatePodCIDR implements Runtime.
func (s *Simulated) UpdatePodCIDR(_ context.Context, cidr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cidr == s.cidr {
		return nil
	}
	m, err := newIPAM(cidr)
	if err != nil {
		return err
	}
	for _, sb := range s.sandboxes {
		if sb.ip.IsValid() {
			m.reserve(sb.ip)
		}
	}
	s.ipam, s.cidr = m, cidr
	return nil
}

// RunPodSandbox implements Runtime.
func (s *Simulated) RunPodSandbox(_ context.Context, pod *core.Pod, attempt uint32) (*Sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb := &simSandbox{
		Sandbox: Sandbox{
			ID:           newID(),
			PodUID:       pod.UID,
			PodNamespace: pod.Namespace,
			PodName:      pod.Name,
			Attempt:      attempt,
			Ready:        true,
			CreatedAt:    s.clock.Now(),
		},
		annotations:   meta.DeepCopy(pod.Annotations),
		restartPolicy: pod.Spec.RestartPolicy,
	}
	if !pod.Spec.HostNetwork {
		if s.ipam == nil {
			return nil, fmt.Errorf("sandbox of pod %s/%s: the node has no pod CIDR yet", pod.Namespace, pod.Name)
		}
		ip, err := s.ipam.allocate()
		if err != nil {
			return nil, fmt.Errorf("sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		sb.ip, sb.IP = ip, ip.String()
	}
	s.sandboxes[sb.ID] = sb
	out := sb.Sandbox
	return &out, nil
}

// StopPodSandbox implements Runtime.
func (s *Simulated) StopPodSandbox(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[id]
	if !ok {
		return errdefs.NotFound(errdefs.Resource{Resource: "sandboxes"}, id)
	}
	s.stopSandboxLocked(sb)
	return nil
}

func (s *Simulated) stopSandboxLocked(sb *simSandbox) {
	for _, cid := range sb.containers {
		if c := s.containers[cid]; c != nil {
			s.exitLocked(c, exitCodeKilled, reasonError, "")
		}
	}
	if sb.ip.IsValid() && s.ipam != nil {
		s.ipam.release(sb.ip)
	}
	sb.ip = netip.Addr{}
	if sb.Ready {
		sb.Ready = false
		s.publishLocked(Event{Type: EventSandboxStopped, PodUID: sb.PodUID, SandboxID: sb.ID})
	}
}

// RemovePodSandbox implements Runtime.
func (s *Simulated) RemovePodSandbox(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[id]
	if !ok {
		return nil
	}
	s.stopSandboxLocked(sb)
	for _, cid := range sb.containers {
		delete(s.containers, cid)
	}
	delete(s.sandboxes, id)
	return nil
}

// ListSandboxes implements Runtime.
func (s *Simulated) ListSandboxes(_ context.Context, podUID string) ([]Sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sandbox
	for _, sb := range s.sandboxes {
		if podUID == "" || sb.PodUID == podUID {
			out = append(out, sb.Sandbox)
		}
	}
	return out, nil
}

// StartContainer implements Runtime.
func (s *Simulated) StartContainer(_ context.Context, sandboxID string, cfg ContainerConfig) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[sandboxID]
	if !ok {
		return "", errdefs.NotFound(errdefs.Resource{Resource: "sandboxes"}, sandboxID)
	}
	if !sb.Ready {
		return "", fmt.Errorf("sandbox %s of pod %s/%s is stopped", sandboxID, sb.PodNamespace, sb.PodName)
	}
	now := s.clock.Now()
	c := &simContainer{
		Container: Container{
			ID:        newID(),
			SandboxID: sandboxID,
			PodUID:    sb.PodUID,
			Name:      cfg.Container.Name,
			Init:      cfg.Init,
			Attempt:   cfg.Attempt,
			Image:     cfg.Container.Image,
			ImageRef:  imageRef(cfg.Container.Image),
			State:     ContainerRunning,
			CreatedAt: now,
			StartedAt: now,
		},
		program: programFor(sb.annotations, sb.restartPolicy, cfg.Init, s.runDuration),
		exited:  make(chan struct{}),
	}
	s.containers[c.ID] = c
	sb.containers = append(sb.containers, c.ID)
	s.publishLocked(Event{Type: EventContainerStarted, PodUID: c.PodUID, SandboxID: sandboxID, ContainerID: c.ID})
	if p := c.program; p.exits {
		// The exit is reported after the start, even when it is immediate.
		c.cancelExit = s.clock.AfterFunc(p.runFor, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.exitLocked(c, p.exitCode, exitReason(p.exitCode), p.message)
		})
	}
	return c.ID, nil
}

// StopContainer implements Runtime. A container that ignores SIGTERM is
// killed when grace has passed; any other exits at once, with 0.
func (s *Simulated) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	s.mu.Lock()
	c, ok := s.containers[id]
	if !ok {
		s.mu.Unlock()
		return errdefs.NotFound(errdefs.Resource{Resource: "containers"}, id)
	}
	if c.State != ContainerRunning {
		s.mu.Unlock()
		return nil
	}
	switch due := s.clock.Now().Add(grace); {
	case !c.program.ignoreSIGTERM:
		s.exitLocked(c, 0, reasonCompleted, "")
	case grace <= 0:
		s.exitLocked(c, exitCodeKilled, reasonError, "")
	case c.killAt.IsZero() || due.Before(c.killAt):
		// A shorter grace period overrides a pending longer one.
		if c.cancelExit != nil {
			c.cancelExit()
		}
		c.killAt = due
		c.cancelExit = s.clock.AfterFunc(grace, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.exitLocked(c, exitCodeKilled, reasonError, "")
		})
	}
	exited := c.exited
	s.mu.Unlock()
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exitLocked ends a running container.
func (s *Simulated) exitLocked(c *simContainer, code int32, reason, message string) {
	if c.State != ContainerRunning {
		return
	}
	if c.cancelExit != nil {
		c.cancelExit()
		c.cancelExit = nil
	}
	c.State = ContainerExited
	c.FinishedAt = s.clock.Now()
	c.ExitCode, c.Reason, c.Message = code, reason, message
	close(c.exited)
	s.publishLocked(Event{Type: EventContainerExited, PodUID: c.PodUID, SandboxID: c.SandboxID, ContainerID: c.ID})
}

// RemoveContainer implements Runtime.
func (s *Simulated) RemoveContainer(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.containers[id]
	if !ok {
		return nil
	}
	if c.State == ContainerRunning {
		return fmt.Errorf("container %s is running: stop it first", id)
	}
	delete(s.containers, id)
	if sb := s.sandboxes[c.SandboxID]; sb != nil {
		sb.containers = slices.DeleteFunc(sb.containers, func(x string) bool { return x == id })
	}
	return nil
}

// ListContainers implements Runtime.
func (s *Simulated) ListContainers(_ context.Context, sandboxID string) ([]Container, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.sandboxes[sandboxID]
	if !ok {
		return nil, errdefs.NotFound(errdefs.Resource{Resource: "sandboxes"}, sandboxID)
	}
	out := make([]Container, 0, len(sb.containers))
	for _, cid := range sb.containers {
		out = append(out, s.containers[cid].Container)
	}
	return out, nil
}

// Events implements Runtime.
func (s *Simulated) Events(ctx context.Context) (<-chan Event, error) {
	q := &eventQueue{signal: make(chan struct{}, 1)}
	s.mu.Lock()
	s.subs[q] = struct{}{}
	s.mu.Unlock()
	out := make(chan Event)
	go func() {
		defer close(out)
		defer func() {
			s.mu.Lock()
			delete(s.subs, q)
			s.mu.Unlock()
		}()
		q.forward(ctx, out)
	}()
	return out, nil
}

func (s *Simulated) publishLocked(ev Event) {
	for q := range s.subs {
		q.push(ev)
	}
}

// eventQueue is one subscriber's unbounded queue, so that a slow reader
// never holds up the runtime.
type eventQueue struct {
	mu     sync.Mutex
	items  []Event
	signal chan struct{} // capacity 1: there is something to take
}

func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// forward sends the queued events to out, in order, until ctx ends.
func (q *eventQueue) forward(ctx context.Context, out chan<- Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.signal:
		}
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		for _, ev := range items {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}

// newID returns a container or sandbox ID, 64 hex digits like
// containerd's.
func newID() string {
	return fmt.Sprintf("%016x%016x%016x%016x", rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64())
}

// imageRef makes up the resolved reference of an image: its name with a
// digest derived from it, unless it names a digest already.
func imageRef(image string) string {
	if strings.Contains(image, "@") {
		return image
	}
	sum := sha256.Sum256([]byte(image))
	name := image
	// Drop a tag, as a digest reference does not carry one.
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name + "@sha256:" + hex.EncodeToString(sum[:])
}
