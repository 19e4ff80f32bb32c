// Package podnet gives each pod on a node its own network: a network
// namespace that all of the pod's containers join, with an address from the
// node's pod CIDR, reachable from the host and from other pods on the node.
// This is what lets a pod bind its ports without colliding with other pods
// and be addressed by its pod IP, as Kubernetes promises.
//
// Setup creates, per pod:
//   - a network namespace, kept alive without any process by a bind mount on
//     StateDir/netns/<podUID>, so the runtime can create the sandbox before
//     any container and a restarted agent can find it again (List);
//   - through libcni and the standard plugins (bridge, host-local; lo is
//     brought up when the namespace is made):
//     the node's bridge (BridgeName, created by the first pod, holding the
//     CIDR's first address as the pods' gateway), a veth pair whose pod end
//     is eth0 with a default route via the bridge, lo up, and a host-local
//     lease under StateDir/ipam.
//
// ipMasq is off: NAT for Services and egress is the proxy's job. The bridge
// plugin turns on net.ipv4.ip_forward (isGateway) and nothing here turns it
// off again, because other software on the host (container engines, VPNs)
// may rely on it; an operator who needs it off must do so after `make down`.
//
// Teardown runs CNI DEL (the veth goes, the lease is released), then
// unmounts and removes the namespace file; it is idempotent, so a pod
// deleted while the agent was down can be torn down from List alone.
// Close, called at `make down`, tears down every pod left, deletes the
// bridge (the bridge plugin never deletes it) and removes the netns, ipam
// and cache directories under StateDir.
package podnet
