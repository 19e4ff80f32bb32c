// Package containerenv computes the environment a container starts with,
// following the kubelet so that manifests written for Kubernetes see the
// same variables on Wharf.
//
// Resolve walks envFrom first and then env, in order. A name defined twice
// keeps its last value; the list holds each name once, at the position of
// its first definition. (The kubelet builds a map and so hands the runtime
// its names in no particular order; only the set of names and their values
// is observable there, and a stable order keeps container specs comparable
// between restarts.)
//
// What Kubernetes does and this package copies:
//   - envFrom reads a config map's data (not binaryData) or a secret's data,
//     in sorted key order, prefixing each key; a prefixed key that is not a
//     valid variable name is skipped and reported as a warning, the
//     kubelet's InvalidEnvironmentVariableNames event;
//   - value expands $(VAR) against the variables defined before it, "$$" is
//     a literal "$" (so "$$(VAR)" yields "$(VAR)"), and a reference to an
//     unknown variable, or one left unclosed, stays as written;
//   - configMapKeyRef and secretKeyRef, when optional, skip a missing object
//     or key (an earlier definition of the name then stands); when required
//     they fail with a ConfigError naming the object and key, which the
//     agent shows as the container's CreateContainerConfigError;
//   - fieldRef exposes the pod's name, namespace, uid, single labels and
//     annotations, node name, service account, and host and pod IPs;
//   - resourceFieldRef divides a request or limit by its divisor (1 when
//     unset) rounding up, cpu in millicores and memory and
//     ephemeral-storage in bytes; an unset limit falls back to the node's
//     allocatable amount when Options carries it, and is 0 otherwise.
//
// Left out on purpose: the Kubernetes service variables (FOO_SERVICE_HOST
// and the like, enableServiceLinks), since Wharf pods find services through
// cluster DNS.
package containerenv
