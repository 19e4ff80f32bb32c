package nodeagent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	goruntime "runtime"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

// Well-known node labels the agent always sets.
const (
	LabelHostname = "kubernetes.io/hostname"
	LabelOS       = "kubernetes.io/os"
	LabelArch     = "kubernetes.io/arch"
)

// Node conditions' reasons, as the kubelet words them, and messages.
const (
	reasonKubeletReady      = "KubeletReady"
	reasonKubeletNotReady   = "KubeletNotReady"
	reasonSufficientMemory  = "KubeletHasSufficientMemory"
	reasonNoDiskPressure    = "KubeletHasNoDiskPressure"
	reasonSufficientPID     = "KubeletHasSufficientPID"
	readyMessage            = "wharf agent is posting ready status"
	sufficientMemoryMessage = "wharf agent has sufficient memory available"
	noDiskPressureMessage   = "wharf agent has no disk pressure"
	sufficientPIDMessage    = "wharf agent has sufficient PID available"
)

// What a node reports about itself.
const (
	osLinux                = "linux"
	simulatedOSImage       = "Wharf simulated node"
	simulatedKernelVersion = "simulated"
)

// Registration retries, doubling from min to max.
const (
	registerRetryMin = 200 * time.Millisecond
	registerRetryMax = 30 * time.Second
)

// register creates the agent's Node, or brings an existing one up to date,
// retrying with back-off until it succeeds; it returns nil, nil when ctx
// ends first.
func (a *Agent) register(ctx context.Context) (*core.Node, error) {
	if a.registerGate != nil {
		select {
		case a.registerGate <- struct{}{}:
			defer func() { <-a.registerGate }()
		case <-ctx.Done():
			return nil, nil
		}
	}
	retry := registerRetryMin
	for {
		n, err := a.registerOnce(ctx)
		if err == nil {
			uid := n.UID
			a.nodeUID.Store(&uid)
			a.log.Debug("node registered", "uid", n.UID, "podCIDR", n.Spec.PodCIDR)
			return n, nil
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		a.log.Warn("registering the node failed; will retry", "err", err, "retryIn", retry)
		if !a.sleep(ctx, retry) {
			return nil, nil
		}
		retry = min(2*retry, registerRetryMax)
	}
}

func (a *Agent) registerOnce(ctx context.Context) (*core.Node, error) {
	now := a.clock.Now()
	want := &core.Node{
		ObjectMeta: meta.ObjectMeta{Name: a.cfg.NodeName, Labels: a.nodeLabels()},
		Status:     a.nodeStatus(core.NodeStatus{}, now),
	}
	if a.cfg.PodCIDR != "" {
		want.Spec.PodCIDR, want.Spec.PodCIDRs = a.cfg.PodCIDR, []string{a.cfg.PodCIDR}
	}
	// Create first, as the kubelet does: on a fresh cluster that is one
	// request, and a fleet registers thousands of nodes.
	created, err := a.nodes.Create(ctx, "", want)
	switch {
	case err == nil:
		return created, nil
	case !errors.Is(err, errdefs.ErrAlreadyExists):
		return nil, fmt.Errorf("creating node %s: %w", a.cfg.NodeName, err)
	}
	cur, err := a.nodes.Get(ctx, "", a.cfg.NodeName)
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", a.cfg.NodeName, err)
	}
	// It exists: add our labels and pod CIDR, keep everything else.
	next := meta.DeepCopy(cur)
	if next.Labels == nil {
		next.Labels = map[string]string{}
	}
	maps.Copy(next.Labels, want.Labels)
	if next.Spec.PodCIDR == "" && want.Spec.PodCIDR != "" {
		next.Spec.PodCIDR, next.Spec.PodCIDRs = want.Spec.PodCIDR, want.Spec.PodCIDRs
	}
	if !maps.Equal(next.Labels, cur.Labels) || next.Spec.PodCIDR != cur.Spec.PodCIDR {
		if cur, err = a.nodes.Update(ctx, next); err != nil {
			return nil, fmt.Errorf("updating node %s: %w", a.cfg.NodeName, err)
		}
		next = meta.DeepCopy(cur)
	}
	next.Status = a.nodeStatus(cur.Status, now)
	updated, err := a.nodes.UpdateStatus(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("updating the status of node %s: %w", a.cfg.NodeName, err)
	}
	return updated, nil
}

// nodeLabels are the labels the agent puts on its Node.
func (a *Agent) nodeLabels() map[string]string {
	l := map[string]string{
		LabelHostname: a.cfg.NodeName,
		LabelOS:       osLinux,
		LabelArch:     goruntime.GOARCH,
	}
	maps.Copy(l, a.cfg.NodeLabels)
	return l
}

// nodeStatus is the status the agent reports, over old: conditions keep
// their transition times while their status holds, and every heartbeat
// is now.
func (a *Agent) nodeStatus(old core.NodeStatus, now time.Time) core.NodeStatus {
	capacity := core.ResourceList{
		core.ResourceCPU:    a.cfg.CPU,
		core.ResourceMemory: a.cfg.Memory,
		core.ResourcePods:   *resource.NewQuantity(int64(a.cfg.Pods), resource.DecimalSI),
	}
	s := meta.DeepCopy(old)
	s.Capacity = capacity
	s.Allocatable = meta.DeepCopy(capacity)
	s.Addresses = nil
	if a.cfg.NodeIP != "" {
		s.Addresses = append(s.Addresses, core.NodeAddress{Type: core.NodeInternalIP, Address: a.cfg.NodeIP})
	}
	s.Addresses = append(s.Addresses, core.NodeAddress{Type: core.NodeHostName, Address: a.cfg.NodeName})
	// Port 0 (simulated nodes) tells the API server there are no logs
	// or exec to proxy to, rather than sending it to a made-up address.
	s.DaemonEndpoints = core.NodeDaemonEndpoints{KubeletEndpoint: core.DaemonEndpoint{Port: int32(a.serverPort)}}
	s.NodeInfo = a.systemInfo()
	s.Conditions = nodeConditions(old.Conditions, meta.NewTime(now), a.runtimeProblem())
	return s
}

// nodeConditions are the conditions of a healthy node.
func nodeConditions(old []core.NodeCondition, now meta.Time, runtimeDown string) []core.NodeCondition {
	ready := core.NodeCondition{Type: core.NodeReady, Status: core.ConditionTrue, Reason: reasonKubeletReady, Message: readyMessage}
	if runtimeDown != "" {
		ready = core.NodeCondition{Type: core.NodeReady, Status: core.ConditionFalse, Reason: reasonKubeletNotReady, Message: runtimeDown}
	}
	want := []core.NodeCondition{
		{Type: core.NodeMemoryPressure, Status: core.ConditionFalse, Reason: reasonSufficientMemory, Message: sufficientMemoryMessage},
		{Type: core.NodeDiskPressure, Status: core.ConditionFalse, Reason: reasonNoDiskPressure, Message: noDiskPressureMessage},
		{Type: core.NodePIDPressure, Status: core.ConditionFalse, Reason: reasonSufficientPID, Message: sufficientPIDMessage},
		ready,
	}
	for i := range want {
		want[i].LastHeartbeatTime = now
		want[i].LastTransitionTime = now
		for _, o := range old {
			if o.Type == want[i].Type && o.Status == want[i].Status && !o.LastTransitionTime.IsZero() {
				want[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return want
}

// systemInfo describes the machine: the host's for a real node; for a
// simulated one, IDs derived from its name, so that they stay put across
// restarts.
func (a *Agent) systemInfo() core.NodeSystemInfo {
	if a.realHost {
		info := hostInfo()
		info.ContainerRuntimeVersion = a.runtimeVersion.String()
		info.KubeletVersion = a.cfg.AgentVersion
		info.OperatingSystem = osLinux
		info.Architecture = goruntime.GOARCH
		return info
	}
	sum := sha256.Sum256([]byte(a.cfg.NodeName))
	id := hex.EncodeToString(sum[:16])
	return core.NodeSystemInfo{
		MachineID:               id,
		SystemUUID:              id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:],
		BootID:                  id,
		KernelVersion:           simulatedKernelVersion,
		OSImage:                 simulatedOSImage,
		ContainerRuntimeVersion: a.runtimeVersion.String(),
		KubeletVersion:          a.cfg.AgentVersion,
		OperatingSystem:         osLinux,
		Architecture:            goruntime.GOARCH,
	}
}
