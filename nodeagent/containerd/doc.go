// Package containerd is the node agent's runtime on a containerd daemon
// (driven through the containerd v2 Go client, which speaks to Debian's
// containerd 1.6 as long as the Transfer and Sandbox services are not used).
//
// Every Wharf container is a containerd container in one namespace
// ("wharf"), labelled with its pod's namespace, name and UID, its name in
// the pod spec and its sandbox, so that a restarted agent finds and adopts
// what runs. A sandbox has no pause container: it is a small record under
// StateDir plus, when a podnet.Network is configured, the pod's network
// namespace, which every container of the pod joins (host-network pods join
// the node's), and the pod's /etc/hosts, /etc/hostname and /etc/resolv.conf,
// written as the kubelet writes them and bind-mounted into every container.
//
// Images are pulled with the client's Pull over the registries' HTTP API
// (plain HTTP for Config.InsecureRegistries) and unpacked for overlayfs.
// Exec runs a process in a container with the container's own process
// spec, its streams through FIFOs under StateDir. An OOM kill is read from
// containerd's /tasks/oom event (a label on the container) or the
// container's memory cgroup, and reported as the reason OOMKilled.
//
// Containers write stdout and stderr through the shim into a log file under
// StateDir, never into pipes held by the agent: a container must not block
// when the agent is down.
//
// The environment and volume mounts come resolved from the agent
// (nodeagent.ContainerConfig Env and Mounts): volumes are bind mounts of host
// paths, read-only or read-write. RunNode runs a whole real node on this
// runtime.
package containerd
