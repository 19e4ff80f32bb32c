package scheduler

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/wharf/wharf/scheduler/framework"
)

// algorithm picks a node for a pod from a snapshot: Nomad's feasibility
// then ranking, kube-scheduler's filter then score.
type algorithm struct {
	profile     *framework.Profile
	parallelism int
	// percentage of nodes to search for feasible ones; 0 adapts it.
	percentage int
	// nextStart rotates where the search starts, so that the nodes beyond
	// the searched share get their turn.
	nextStart int
}

// Bounds of the adaptive share of nodes searched, from kube-scheduler.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// numFeasibleNodesToFind is how many feasible nodes are enough to choose
// from: every node of a small cluster, a shrinking share of a large one,
// since the best of 500 random feasible nodes is about as good as the
// best of 5,000 and ten times cheaper to find.
func (a *algorithm) numFeasibleNodesToFind(all int) int {
	if all < minFeasibleNodesToFind || a.percentage >= 100 {
		return all
	}
	pct := a.percentage
	if pct == 0 {
		pct = 50 - all/125
		pct = max(pct, minFeasibleNodesPercentageToFind)
	}
	return max(all*pct/100, minFeasibleNodesToFind)
}

// schedule returns the best node for pod among nodes, or a
// *framework.FitError saying why none fits.
func (a *algorithm) schedule(pod *framework.PodInfo, nodes []*framework.NodeInfo) (string, error) {
	if len(nodes) == 0 {
		return "", &framework.FitError{}
	}
	feasible, diag := a.findFeasible(pod, nodes)
	switch len(feasible) {
	case 0:
		return "", &framework.FitError{Diagnosis: diag}
	case 1:
		return feasible[0].Node.Name, nil
	}
	return feasible[a.selectBest(a.profile.Score(pod, feasible))].Node.Name, nil
}

// findFeasible runs the filters over the nodes, in parallel, starting at
// nextStart and stopping once enough feasible nodes are found. Without
// any, the diagnosis says why each node failed.
func (a *algorithm) findFeasible(pod *framework.PodInfo, nodes []*framework.NodeInfo) ([]*framework.NodeInfo, framework.Diagnosis) {
	n := len(nodes)
	want := int64(a.numFeasibleNodesToFind(n))
	start := a.nextStart % n
	feasible := make([]*framework.NodeInfo, want)
	var found atomic.Int64
	var mu sync.Mutex
	var failures []failure
	// check filters the i-th node from start, adds a rejection to
	// *rejected, and reports whether the search should go on.
	check := func(i int, rejected *[]failure) bool {
		node := nodes[(start+i)%n]
		if r := a.profile.Filter(pod, node); len(r) > 0 {
			*rejected = append(*rejected, failure{node.Node.Name, r})
			return true
		}
		k := found.Add(1)
		if k > want {
			found.Add(-1)
			return false
		}
		feasible[k-1] = node
		return k < want
	}
	chunk := chunkSize(n, a.parallelism)
	if workers := min(a.parallelism, (n+chunk-1)/chunk); workers <= 1 {
		for i := 0; i < n && check(i, &failures); i++ {
		}
	} else {
		var next atomic.Int64
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var local []failure
				defer func() {
					mu.Lock()
					failures = append(failures, local...)
					mu.Unlock()
				}()
				for !stop.Load() {
					lo := int(next.Add(int64(chunk))) - chunk
					for i := lo; i < min(lo+chunk, n); i++ {
						if stop.Load() {
							return
						}
						if !check(i, &local) {
							stop.Store(true)
							return
						}
					}
					if lo+chunk >= n {
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	nFound := int(found.Load())
	a.nextStart = (start + nFound + len(failures)) % n
	if nFound > 0 {
		return feasible[:nFound], framework.Diagnosis{}
	}
	diag := framework.Diagnosis{NumAllNodes: n, NodeReasons: make(map[string][]framework.Reason, len(failures))}
	for _, f := range failures {
		diag.NodeReasons[f.node] = f.reasons
	}
	return nil, diag
}

// failure is a node the filters rejected and why.
type failure struct {
	node    string
	reasons []framework.Reason
}

// chunkSize splits n nodes into pieces small enough to share among the
// workers and large enough that handing them out costs little.
func chunkSize(n, parallelism int) int {
	s := int(math.Sqrt(float64(n)))
	if r := n/parallelism + 1; s > r {
		s = r
	}
	return max(s, 1)
}

// selectBest returns the index of the highest score, choosing uniformly
// among ties so that equal nodes share the load.
func (a *algorithm) selectBest(scores []int64) int {
	best, ties := 0, 1
	for i := 1; i < len(scores); i++ {
		switch {
		case scores[i] > scores[best]:
			best, ties = i, 1
		case scores[i] == scores[best]:
			ties++
			if rand.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return best
}
