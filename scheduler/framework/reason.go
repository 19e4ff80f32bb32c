package framework

// Reason is one reason a filter rejected a node, worded for users as
// kube-scheduler words it ("Insufficient cpu", "node(s) didn't match Pod's
// node affinity/selector"): identical reasons from many nodes are counted
// into one line of the FailedScheduling message. Plugins declare theirs as
// constants.
type Reason string
