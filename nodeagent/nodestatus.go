package nodeagent

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// runNodeStatus keeps the Node's status right until ctx ends: at once when
// the Node changes and differs from what the agent reports (the node
// lifecycle controller set Ready=Unknown while the agent was cut off),
// and every status update interval to move the heartbeat. A Node deleted
// under the agent is registered again.
func (a *Agent) runNodeStatus(ctx context.Context) {
	if !a.nodeCache.WaitForSync(ctx) {
		return
	}
	// The first heartbeat comes at a random point of the interval, so that
	// a fleet's writes spread out.
	due := a.clock.Now().Add(rand.N(a.cfg.StatusUpdateInterval) + 1)
	retry := leaseRetryMin
	for {
		wait := due.Sub(a.clock.Now())
		timer := make(chan struct{})
		stop := a.clock.AfterFunc(max(wait, 0), func() { close(timer) })
		select {
		case <-ctx.Done():
			stop()
			return
		case <-a.nodeWake:
		case <-timer:
		}
		stop()
		heartbeat := !a.clock.Now().Before(due)
		if err := a.syncNodeStatus(ctx, heartbeat); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("updating the node status failed; will retry", "err", err, "retryIn", retry)
			due = a.clock.Now().Add(retry)
			retry = min(2*retry, a.cfg.StatusUpdateInterval)
			continue
		}
		retry = leaseRetryMin
		if heartbeat {
			due = a.clock.Now().Add(a.cfg.StatusUpdateInterval)
		}
	}
}

// syncNodeStatus writes the node's status if it differs from what the agent
// reports, or always when heartbeat is set.
func (a *Agent) syncNodeStatus(ctx context.Context, heartbeat bool) error {
	cur, ok := a.nodeCache.Get("", a.cfg.NodeName)
	if !ok {
		a.log.Info("the node was deleted; registering it again")
		_, err := a.register(ctx)
		return err
	}
	want := a.nodeStatus(cur.Status, a.clock.Now())
	if !heartbeat && sameNodeStatus(want, cur.Status) {
		return nil
	}
	next := *cur // shallow: only Status differs, and the copy is only encoded
	next.Status = want
	_, err := a.nodes.UpdateStatus(ctx, &next)
	return err
}

// sameNodeStatus compares two node statuses leaving out the heartbeats.
func sameNodeStatus(a, b core.NodeStatus) bool {
	strip := func(s core.NodeStatus) []byte {
		s = meta.DeepCopy(s)
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = meta.Time{}
		}
		j, _ := json.Marshal(s)
		return j
	}
	return bytes.Equal(strip(a), strip(b))
}
