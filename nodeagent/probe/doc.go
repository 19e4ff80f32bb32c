// Package probe runs the liveness, readiness and startup probes of a
// container as the kubelet does: Run makes one attempt of an httpGet,
// tcpSocket or exec probe, and a Worker repeats it every periodSeconds,
// turning single attempts into a result that only changes after
// failureThreshold failures or successThreshold successes in a row.
//
// The package knows nothing of containerd: exec probes go through the small
// Execer interface the runtime implements, and time comes from a Clock so
// that the state machine is tested without waiting.
package probe
