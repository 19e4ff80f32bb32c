// Package coordination is the coordination.k8s.io/v1 API group: Leases,
// which node agents renew as heartbeats and controllers hold for leader
// election.
package coordination
