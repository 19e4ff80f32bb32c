package core

import (
	"strconv"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/validate"
)

// PodResource describes pods.
func PodResource() *scheme.Resource {
	return &scheme.Resource{
		Version:    "v1",
		Kind:       "Pod",
		Plural:     "pods",
		Singular:   "pod",
		ShortNames: []string{"po"},
		Categories: []string{"all"},
		Namespaced: true,
		HasStatus:  true,
		New:        func() meta.Object { return &Pod{} },
		Default:    func(obj meta.Object) { DefaultPod(obj.(*Pod)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidatePod(obj.(*Pod)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidatePodUpdate(obj.(*Pod), old.(*Pod))
		},
		PrepareForCreate: func(obj meta.Object) { preparePodForCreate(obj.(*Pod)) },
		PrepareForUpdate: func(obj, old meta.Object) { obj.(*Pod).Status = old.(*Pod).Status },
		DeleteGracePeriod: func(obj meta.Object, requested *int64) int64 {
			return podDeleteGracePeriod(obj.(*Pod), requested)
		},
		Fields:  func(obj meta.Object) map[string]string { return podFields(obj.(*Pod)) },
		Columns: podColumns(),
		Row:     func(obj meta.Object) []any { return podRow(obj.(*Pod)) },
	}
}

// preparePodForCreate discards any status the client sent: a new pod is
// Pending, with the QoS class its resources give it.
func preparePodForCreate(p *Pod) {
	p.Status = PodStatus{Phase: PodPending, QOSClass: ComputePodQOS(&p.Spec)}
}

// podDeleteGracePeriod is how long a deleted pod's containers get to stop:
// the period the request asks for, else the pod's own. A pod that never
// reached a node, or has already finished, has nothing to stop and goes at
// once; a negative period means the shortest graceful one, a second.
func podDeleteGracePeriod(p *Pod, requested *int64) int64 {
	var period int64
	switch {
	case requested != nil:
		period = *requested
	case p.Spec.TerminationGracePeriodSeconds != nil:
		period = *p.Spec.TerminationGracePeriodSeconds
	}
	if p.Spec.NodeName == "" || p.IsTerminal() {
		return 0
	}
	if period < 0 {
		return 1
	}
	return period
}

func podFields(p *Pod) map[string]string {
	ip := p.Status.PodIP
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	}
	return map[string]string{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             ip,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}
