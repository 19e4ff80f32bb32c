package core

import "github.com/wharf/wharf/api/resource"

// ComputePodQOS returns the QoS class of a pod spec from its containers'
// CPU and memory: BestEffort with no requests or limits at all, Guaranteed
// when every container limits both and requests exactly its limits, and
// Burstable otherwise. A request left unset counts as its limit, as
// defaulting will make it, so the answer is the same before and after
// DefaultPod.
func ComputePodQOS(s *PodSpec) PodQOSClass {
	requests, limits := ResourceList{}, ResourceList{}
	guaranteed := true
	for _, c := range s.AllContainers() {
		limited := 0
		for _, name := range []ResourceName{ResourceCPU, ResourceMemory} {
			limit, hasLimit := c.Resources.Limits[name]
			request, hasRequest := c.Resources.Requests[name]
			if !hasRequest && hasLimit {
				request, hasRequest = limit, true
			}
			if hasRequest && request.Sign() > 0 {
				addTo(requests, name, request)
			}
			if hasLimit && limit.Sign() > 0 {
				addTo(limits, name, limit)
				limited++
			}
		}
		if limited < 2 {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return PodQOSBestEffort
	}
	if guaranteed && len(requests) == len(limits) {
		for name, r := range requests {
			if l, ok := limits[name]; !ok || l.Cmp(r) != 0 {
				return PodQOSBurstable
			}
		}
		return PodQOSGuaranteed
	}
	return PodQOSBurstable
}

func addTo(l ResourceList, name ResourceName, q resource.Quantity) {
	sum := l[name]
	sum.Add(q)
	l[name] = sum
}
