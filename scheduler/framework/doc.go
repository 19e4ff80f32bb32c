// Package framework is the vocabulary shared by the scheduler's core and
// its plugins: what the scheduler knows about a node (NodeInfo) and about
// the pod being placed (PodInfo), one small interface per plugin stage
// (FilterPlugin, ScorePlugin, ScoreNormalizer), the Reason a filter gives
// for rejecting a node, and the Diagnosis that turns those reasons into the
// message users read ("0/5 nodes are available: 3 Insufficient cpu.").
//
// It follows the shape of kube-scheduler's framework package and of
// Nomad's feasibility checkers and rank iterators, reduced to the stages
// Wharf uses: filters decide feasibility, scorers rank the feasible nodes.
package framework
