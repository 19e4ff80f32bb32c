// Package scheduler binds pending pods to nodes, as kube-scheduler does.
//
// Pods whose spec.nodeName is empty and whose spec.schedulerName is this
// scheduler's wait in a priority queue (higher spec.priority first, then
// older first). One loop takes them one at a time, filters the nodes of a
// read-only snapshot of the cluster through the filter plugins, ranks the
// feasible ones with the score plugins, assumes the pod onto the best node
// in its cache (so that the next pod already sees the room it takes) and
// posts the binding asynchronously. A pod that fits nowhere gets a
// FailedScheduling event and a PodScheduled=False condition, and waits
// with exponential back-off until the cluster changes.
//
// With leader election on, only the replica holding the lease runs the
// loop; the others keep their caches warm.
package scheduler
