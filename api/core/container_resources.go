package core

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/api/validate"
)

// ValidateResourceRequirements checks a container's requests and limits:
// known resource names, amounts not negative, requests within limits, and
// extended resources (example.com/gpu) whole and never overcommitted.
func ValidateResourceRequirements(r *ResourceRequirements, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	lp, rp := p.Child("limits"), p.Child("requests")
	for _, name := range sortedResourceNames(r.Limits) {
		q := r.Limits[name]
		kp := lp.Key(string(name))
		errs = append(errs, validateContainerResourceName(name, kp)...)
		errs = append(errs, validateResourceQuantity(name, q, kp)...)
	}
	for _, name := range sortedResourceNames(r.Requests) {
		q := r.Requests[name]
		kp := rp.Key(string(name))
		errs = append(errs, validateContainerResourceName(name, kp)...)
		errs = append(errs, validateResourceQuantity(name, q, kp)...)
		limit, limited := r.Limits[name]
		switch {
		case limited && !overcommitAllowed(name) && q.Cmp(limit) != 0:
			errs = append(errs, validate.Invalid(rp, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case limited && q.Cmp(limit) > 0:
			errs = append(errs, validate.Invalid(rp, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !limited && !overcommitAllowed(name):
			errs = append(errs, validate.Required(lp, "Limit must be set for non overcommitable resources"))
		}
	}
	return errs
}

func sortedResourceNames(l ResourceList) []ResourceName {
	names := make([]ResourceName, 0, len(l))
	for n := range l {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

// isNativeResource reports whether name belongs to Kubernetes itself: no
// domain, or the kubernetes.io domain.
func isNativeResource(name ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), "kubernetes.io/")
}

func isHugePages(name ResourceName) bool { return strings.HasPrefix(string(name), "hugepages-") }

// overcommitAllowed says whether a request may be below its limit: true for
// CPU, memory and storage, false for huge pages and devices.
func overcommitAllowed(name ResourceName) bool { return isNativeResource(name) && !isHugePages(name) }

func validateContainerResourceName(name ResourceName, p *validate.Path) validate.ErrorList {
	if bad := messagesAt(p, string(name), validate.QualifiedName); len(bad) > 0 {
		return bad
	}
	if strings.Contains(string(name), "/") {
		return nil // an extended resource, such as example.com/gpu
	}
	switch name {
	case ResourceCPU, ResourceMemory, ResourceEphemeralStorage:
		return nil
	}
	if isHugePages(name) {
		return nil
	}
	return validate.ErrorList{validate.Invalid(p, string(name), "must be a standard resource for containers")}
}

func validateResourceQuantity(name ResourceName, q resource.Quantity, p *validate.Path) validate.ErrorList {
	if q.Sign() < 0 {
		return validate.ErrorList{validate.Invalid(p, q.String(), isNegativeMsg)}
	}
	// Devices are counted, never shared by fractions.
	if !isNativeResource(name) && q.MilliValue()%1000 != 0 {
		return validate.ErrorList{validate.Invalid(p, q.String(), "must be an integer")}
	}
	return nil
}
