package framework

import (
	"fmt"
	"sort"
	"strings"
)

// NoNodesAvailable is the message of a pod scheduled while the cluster has
// no nodes at all.
const NoNodesAvailable = "no nodes available to schedule pods"

// Diagnosis records why a pod fits on none of the cluster's nodes.
type Diagnosis struct {
	// NumAllNodes is how many nodes the scheduler considered.
	NumAllNodes int
	// NodeReasons holds the reasons each rejected node gave.
	NodeReasons map[string][]Reason
}

// Message is the FailedScheduling message, worded and ordered as
// kube-scheduler's: every reason with the number of nodes that gave it,
// sorted as strings, after "0/N nodes are available:".
//
//	0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.
func (d *Diagnosis) Message() string {
	if d.NumAllNodes == 0 {
		return NoNodesAvailable
	}
	counts := map[Reason]int{}
	for _, reasons := range d.NodeReasons {
		for _, r := range reasons {
			counts[r]++
		}
	}
	lines := make([]string, 0, len(counts))
	for r, n := range counts {
		lines = append(lines, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(lines)
	msg := fmt.Sprintf("0/%d nodes are available", d.NumAllNodes)
	if len(lines) == 0 {
		return msg + "."
	}
	return msg + ": " + strings.Join(lines, ", ") + "."
}

// FitError is the error of a scheduling attempt that found no node.
type FitError struct {
	Diagnosis Diagnosis
}

func (e *FitError) Error() string { return e.Diagnosis.Message() }
