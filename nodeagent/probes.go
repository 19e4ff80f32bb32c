package nodeagent

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent/probe"
)

// podProbes runs the liveness, readiness and startup probes of one pod's
// running containers, one probe.Worker per container instance and kind, as
// the kubelet's prober does. Results are kept by container ID, so that a
// restarted container starts afresh: not ready, not started. A change pokes
// the pod worker, which reads the results at its next sync. A nil
// *podProbes (simulated nodes) reports every container started and ready.
type podProbes struct {
	a    *Agent
	pod  func() *core.Pod
	poke func()

	mu     sync.Mutex
	probes map[probeKey]*probeRun
}

type probeKey struct {
	containerID string
	kind        probe.Kind
}

// probeRun is one running probe.Worker and its latest result.
type probeRun struct {
	cancel context.CancelFunc
	result probe.Result
}

func newPodProbes(a *Agent, pod func() *core.Pod, poke func()) *podProbes {
	return &podProbes{a: a, pod: pod, poke: poke, probes: map[probeKey]*probeRun{}}
}

// sync runs the probes the running containers of sandbox sb need, until
// ctx ends, and stops those of instances that no longer run. Liveness and
// readiness probes wait for a startup probe to succeed, as in Kubernetes.
func (p *podProbes) sync(ctx context.Context, pod *core.Pod, st *podState, sb *Sandbox) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	live := map[string]bool{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cur := st.latest(c.Name)
		if sb == nil || cur == nil || cur.State != ContainerRunning || cur.SandboxID != sb.ID {
			continue
		}
		live[cur.ID] = true
		target := probe.Target{PodIP: sb.IP, ContainerID: cur.ID, Ports: namedPorts(c)}
		if pod.Spec.HostNetwork || target.PodIP == "" {
			target.PodIP = p.a.hostIP
		}
		restarted := cur.Attempt > 0
		if c.StartupProbe != nil {
			p.ensureLocked(ctx, probe.Startup, c.StartupProbe, target, restarted)
			if p.resultLocked(cur.ID, probe.Startup) != probe.Success {
				continue
			}
		}
		if c.LivenessProbe != nil {
			p.ensureLocked(ctx, probe.Liveness, c.LivenessProbe, target, restarted)
		}
		if c.ReadinessProbe != nil {
			p.ensureLocked(ctx, probe.Readiness, c.ReadinessProbe, target, restarted)
		}
	}
	for k, r := range p.probes {
		if !live[k.containerID] {
			r.cancel()
			delete(p.probes, k)
		}
	}
}

// ensureLocked starts the probe of kind for the container instance of
// target unless it runs.
func (p *podProbes) ensureLocked(ctx context.Context, kind probe.Kind, spec *core.Probe, target probe.Target, restarted bool) {
	k := probeKey{target.ContainerID, kind}
	if _, ok := p.probes[k]; ok {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	run := &probeRun{cancel: cancel, result: kind.InitialResult()}
	p.probes[k] = run
	w := probe.NewWorker(kind, spec, target, runtimeExecer{p.a.rt}, p.a.clock)
	if restarted {
		w.AfterRestart()
	}
	go w.Run(ctx, func(r probe.Result, msg string) {
		p.mu.Lock()
		run.result = r // unread once the run is stopped
		p.mu.Unlock()
		if r == probe.Failure {
			p.a.event(p.pod(), core.EventTypeWarning, eventUnhealthy, "%s probe failed: %s", kind, msg)
		}
		p.poke()
	})
}

// resultLocked is the latest result of the instance's probe of kind.
func (p *podProbes) resultLocked(containerID string, kind probe.Kind) probe.Result {
	if r := p.probes[probeKey{containerID, kind}]; r != nil {
		return r.result
	}
	return probe.Unknown
}

// stop ends every probe of the pod.
func (p *podProbes) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, r := range p.probes {
		r.cancel()
		delete(p.probes, k)
	}
}

// status reports whether the container instance has started (its startup
// probe, if any, passed) and is ready (its readiness probe, if any, passed
// too).
func (p *podProbes) status(c *core.Container, containerID string) (started, ready bool) {
	if p == nil {
		return true, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	started = c.StartupProbe == nil || p.resultLocked(containerID, probe.Startup) == probe.Success
	ready = started && (c.ReadinessProbe == nil || p.resultLocked(containerID, probe.Readiness) == probe.Success)
	return started, ready
}

// failed names the probe ("Liveness", "Startup") whose failure means the
// container instance must be killed and restarted, or "".
func (p *podProbes) failed(containerID string) string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, kind := range []probe.Kind{probe.Liveness, probe.Startup} {
		if p.resultLocked(containerID, kind) == probe.Failure {
			return kind.String()
		}
	}
	return ""
}

// killUnhealthy stops a container whose liveness or startup probe failed;
// the restart policy then decides, at the next sync, whether it runs again.
func (w *podWorker) killUnhealthy(ctx context.Context, pod *core.Pod, c *core.Container, cur *Container) error {
	kind := w.probes.failed(cur.ID)
	grace := gracePeriod(pod)
	p := c.LivenessProbe
	if kind == probe.Startup.String() {
		p = c.StartupProbe
	}
	if p != nil && p.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(max(*p.TerminationGracePeriodSeconds, 0)) * time.Second
	}
	w.a.event(pod, core.EventTypeNormal, eventKilling, "Container %s failed %s probe, will be restarted", c.Name, strings.ToLower(kind))
	if err := w.a.rt.StopContainer(ctx, cur.ID, grace); err != nil {
		return fmt.Errorf("stopping unhealthy container %s: %w", c.Name, err)
	}
	w.poke() // look again: the container has exited
	return nil
}

// namedPorts maps the container's named ports to their numbers, for probes
// that name a port.
func namedPorts(c *core.Container) map[string]int32 {
	var m map[string]int32
	for _, p := range c.Ports {
		if p.Name != "" {
			if m == nil {
				m = map[string]int32{}
			}
			m[p.Name] = p.ContainerPort
		}
	}
	return m
}

// runtimeExecer runs exec probes through the runtime.
type runtimeExecer struct{ rt Runtime }

func (e runtimeExecer) Exec(ctx context.Context, containerID string, cmd []string) (int, []byte, error) {
	// Separate writers: one writer for both streams of an exec loses
	// output. Capped, so that a chatty probe cannot fill the agent's memory.
	stdout, stderr := &cappedBuffer{max: maxProbeOutput}, &cappedBuffer{max: maxProbeOutput}
	code, err := e.rt.Exec(ctx, containerID, ExecOptions{Cmd: cmd, Stdout: stdout, Stderr: stderr})
	return code, append(stdout.Bytes(), stderr.Bytes()...), err
}

// maxProbeOutput is how much of each stream of an exec probe is kept.
const maxProbeOutput = 10 << 10

// cappedBuffer keeps the first max bytes written to it and discards the
// rest, without failing the writer.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
