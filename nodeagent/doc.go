// Package nodeagent is Wharf's node agent, its kubelet: it registers a
// Node, keeps the node's Lease in kube-node-lease renewed, watches the pods
// bound to the node and drives a container runtime toward their specs, and
// reports what runs in pod.status.
//
// The runtime is an interface (Runtime) so that a containerd implementation
// and the simulated one shipped here drive the same agent. RunSimulated
// runs thousands of simulated nodes in one process over one client and one
// pod watch, the way kwok stands in for kubelets in Kubernetes scale tests.
package nodeagent
