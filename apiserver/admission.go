package apiserver

import (
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Taints the node lifecycle controller puts on nodes that stop reporting.
const (
	taintNotReady    = "node.kubernetes.io/not-ready"
	taintUnreachable = "node.kubernetes.io/unreachable"
	// defaultTolerationSeconds is how long a pod stays on a node that went
	// not-ready or unreachable before it is evicted (Kubernetes' default).
	defaultTolerationSeconds int64 = 300
)

// defaultTolerations is Kubernetes' DefaultTolerationSeconds admission: a
// new pod that does not say otherwise tolerates a not-ready or unreachable
// node for five minutes, then is evicted and replaced elsewhere.
func defaultTolerations(obj meta.Object) {
	pod, ok := obj.(*core.Pod)
	if !ok {
		return
	}
	has := map[string]bool{}
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == core.TaintEffectNoExecute || t.Effect == "" {
			has[t.Key] = true
		}
		if t.Key == "" && t.Operator == core.TolerationOpExists {
			// Tolerates everything already.
			return
		}
	}
	for _, key := range []string{taintNotReady, taintUnreachable} {
		if has[key] {
			continue
		}
		secs := defaultTolerationSeconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, core.Toleration{
			Key: key, Operator: core.TolerationOpExists, Effect: core.TaintEffectNoExecute, TolerationSeconds: &secs,
		})
	}
}
