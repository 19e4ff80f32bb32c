package nodeagent

import (
	"sync"

	"github.com/wharf/wharf/api/core"
)

// inbox carries pod changes from the informer's handlers to the agent's
// dispatcher without ever blocking the informer: changes to one pod
// collapse into the newest, and the informer keeps filling it while the
// agent is still registering its node.
type inbox struct {
	mu      sync.Mutex
	pending map[string]podUpdate // by pod UID
	order   []string
	signal  chan struct{} // capacity 1: there is something to take
}

type podUpdate struct {
	uid  string
	pod  *core.Pod
	gone bool
}

func newInbox() *inbox {
	return &inbox{pending: map[string]podUpdate{}, signal: make(chan struct{}, 1)}
}

// put records the newest state of the pod with UID uid.
func (b *inbox) put(uid string, pod *core.Pod, gone bool) {
	b.mu.Lock()
	prev, ok := b.pending[uid]
	if !ok {
		b.order = append(b.order, uid)
	}
	b.pending[uid] = podUpdate{uid: uid, pod: pod, gone: gone || prev.gone}
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// take returns the pending changes in the order their pods first changed.
func (b *inbox) take() []podUpdate {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]podUpdate, 0, len(b.order))
	for _, uid := range b.order {
		out = append(out, b.pending[uid])
	}
	b.pending, b.order = map[string]podUpdate{}, nil
	return out
}
