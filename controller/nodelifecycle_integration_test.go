package controller

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// boundPod is a running, ready pod on node tolerating unreachable for
// tolerate seconds (nil: for ever).
func boundPod(t *testing.T, c *client.Client, name, node string, tolerate *int64) *core.Pod {
	t.Helper()
	ctx := context.Background()
	grace := int64(1)
	p := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name},
		Spec: core.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []core.Container{{Name: "c", Image: "busybox"}},
			Tolerations: []core.Toleration{
				{Key: TaintNodeUnreachable, Operator: core.TolerationOpExists, Effect: core.TaintEffectNoExecute, TolerationSeconds: tolerate},
			},
		},
	}
	pods := client.For[core.Pod](c)
	p, err := pods.Create(ctx, "default", p)
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = core.PodRunning
	p.Status.Conditions = []core.PodCondition{{Type: core.PodReady, Status: core.ConditionTrue}}
	if p, err = pods.UpdateStatus(ctx, p); err != nil {
		t.Fatal(err)
	}
	if !p.IsReady() {
		t.Fatalf("pods/status write of Ready=True to %s: got %+v back; the API server drops pod status writes", name, p.Status.Conditions)
	}
	return p
}

// TestNodeLifecycleAgainstServer: a node whose agent stops renewing its
// Lease goes Ready=Unknown and gets the unreachable taint; its pods are
// marked not ready and evicted once their toleration runs out; when the
// agent comes back the taint goes.
func TestNodeLifecycleAgainstServer(t *testing.T) {
	r := newControllerRig(t)
	cfg := NewNodeLifecycleConfig()
	cfg.MonitorGracePeriod, cfg.MonitorPeriod = time.Second, 50*time.Millisecond
	nl := NewNodeLifecycle(r.c, r.f, r.rec, r.log, cfg)
	ctx := context.Background()
	nodes := client.For[core.Node](r.c)
	leases := client.For[coordination.Lease](r.c)

	now := meta.Now()
	node, err := nodes.Create(ctx, "", &core.Node{
		ObjectMeta: meta.ObjectMeta{Name: "n1"},
		Status: core.NodeStatus{Conditions: []core.NodeCondition{
			{Type: core.NodeReady, Status: core.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	holder, dur := "n1", int32(40)
	renew := meta.NowMicro()
	lease, err := leases.Create(ctx, NodeLeaseNamespace, &coordination.Lease{
		ObjectMeta: meta.ObjectMeta{Namespace: NodeLeaseNamespace, Name: "n1"},
		Spec:       coordination.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur, RenewTime: &renew},
	})
	if err != nil {
		t.Fatal(err)
	}
	short := boundPod(t, r.c, "short", "n1", secs(1))
	boundPod(t, r.c, "forever", "n1", nil)

	started := time.Now()
	r.start(t, nl.Run)

	apiservertest.Eventually(t, 15*time.Second, func() string {
		n, err := nodes.Get(ctx, "", "n1")
		if err != nil {
			return err.Error()
		}
		c := n.Condition(core.NodeReady)
		if c.Status != core.ConditionUnknown || c.Reason != "NodeStatusUnknown" {
			return fmt.Sprintf("Ready %s %s, want Unknown NodeStatusUnknown", c.Status, c.Reason)
		}
		for _, tn := range n.Spec.Taints {
			if tn.Key == TaintNodeUnreachable && tn.Effect == core.TaintEffectNoExecute && tn.TimeAdded != nil {
				return ""
			}
		}
		return fmt.Sprintf("taints %+v, want %s:NoExecute with timeAdded", n.Spec.Taints, TaintNodeUnreachable)
	})
	if waited := time.Since(started); waited < cfg.MonitorGracePeriod {
		t.Fatalf("node marked Unknown after %v, before its %v grace period", waited, cfg.MonitorGracePeriod)
	}

	// The pod tolerating for a second is evicted, and, its agent being
	// gone, force-deleted once its grace period has passed.
	apiservertest.Eventually(t, 15*time.Second, func() string {
		_, err := client.For[core.Pod](r.c).Get(ctx, "default", short.Name)
		if errors.Is(err, errdefs.ErrNotFound) {
			return ""
		}
		return fmt.Sprintf("pod %s still there (err %v)", short.Name, err)
	})
	p, err := client.For[core.Pod](r.c).Get(ctx, "default", "forever")
	if err != nil {
		t.Fatalf("pod tolerating the taint for ever: %v", err)
	}
	if p.DeletionTimestamp != nil {
		t.Fatal("pod tolerating the taint for ever was evicted")
	}
	if c := p.Status.Condition(core.PodReady); c == nil || c.Status != core.ConditionFalse {
		t.Fatalf("pod of an unreachable node: got Ready %+v, want False", c)
	}

	// The agent comes back: renews its lease and reports Ready.
	renew = meta.NowMicro()
	lease.Spec.RenewTime = &renew
	if _, err := leases.Update(ctx, lease); err != nil {
		t.Fatal(err)
	}
	node, err = nodes.Get(ctx, "", node.Name)
	if err != nil {
		t.Fatal(err)
	}
	node.Status.Conditions = []core.NodeCondition{{Type: core.NodeReady, Status: core.ConditionTrue, LastHeartbeatTime: meta.Now(), LastTransitionTime: meta.Now()}}
	if _, err := nodes.UpdateStatus(ctx, node); err != nil {
		t.Fatal(err)
	}
	apiservertest.Eventually(t, 15*time.Second, func() string {
		n, err := nodes.Get(ctx, "", "n1")
		if err != nil {
			return err.Error()
		}
		if !n.Ready() || len(n.Spec.Taints) != 0 {
			return fmt.Sprintf("ready=%v taints %+v, want Ready and no taints", n.Ready(), n.Spec.Taints)
		}
		return ""
	})
}
