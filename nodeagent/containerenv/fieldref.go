package containerenv

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/wharf/wharf/api/core"
)

// subscriptRE matches metadata.labels['key'] and metadata.annotations['key'].
var subscriptRE = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.*)'\]$`)

// fieldValue reads a downward API field of the pod. The IPs come from opts
// when the agent knows them (the sandbox's address exists before the pod's
// status says so), else from the pod's status.
func fieldValue(pod *core.Pod, sel *core.ObjectFieldSelector, opts Options) (string, error) {
	if sel.APIVersion != "" && sel.APIVersion != "v1" {
		return "", configError(nil, fmt.Sprintf("unsupported pod version %q for fieldPath %q", sel.APIVersion, sel.FieldPath))
	}
	switch sel.FieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return first(hostIPs(pod, opts)), nil
	case "status.hostIPs":
		return strings.Join(hostIPs(pod, opts), ","), nil
	case "status.podIP":
		return first(podIPs(pod, opts)), nil
	case "status.podIPs":
		return strings.Join(podIPs(pod, opts), ","), nil
	}
	if m := subscriptRE.FindStringSubmatch(sel.FieldPath); m != nil {
		// An absent key is an empty value, not an error, as in Kubernetes.
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", configError(nil, fmt.Sprintf("unsupported fieldPath: %s", sel.FieldPath))
}

func podIPs(pod *core.Pod, opts Options) []string {
	if len(opts.PodIPs) > 0 {
		return opts.PodIPs
	}
	ips := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = append(ips, pod.Status.PodIP)
	}
	return ips
}

func hostIPs(pod *core.Pod, opts Options) []string {
	if len(opts.HostIPs) > 0 {
		return opts.HostIPs
	}
	ips := make([]string, 0, len(pod.Status.HostIPs))
	for _, ip := range pod.Status.HostIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.HostIP != "" {
		ips = append(ips, pod.Status.HostIP)
	}
	return ips
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
