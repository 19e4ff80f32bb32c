package core

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/wharf/wharf/api/validate"
)

// The pod fields a container's environment may take through the downward
// API, besides single labels and annotations.
var envFieldPaths = []string{
	"metadata.name", "metadata.namespace", "metadata.uid",
	"spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
}

// The pod fields a downward API volume may hold as files.
var volumeFieldPaths = []string{
	"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
}

// The container resources the downward API exposes.
var resourceFieldPaths = []string{
	"limits.cpu", "limits.ephemeral-storage", "limits.memory",
	"requests.cpu", "requests.ephemeral-storage", "requests.memory",
}

// subscriptedFieldRE matches metadata.labels['key'] and its annotation twin.
var subscriptedFieldRE = regexp.MustCompile(`^(metadata\.labels|metadata\.annotations)\['(.*)'\]$`)

func validateEnv(vars []EnvVar, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, v := range vars {
		ip := p.Index(i)
		if v.Name == "" {
			errs = append(errs, validate.Required(ip.Child("name"), ""))
		} else {
			errs = append(errs, messagesAt(ip.Child("name"), v.Name, validate.EnvVarName)...)
		}
		errs = append(errs, validateEnvVarSource(v, ip.Child("valueFrom"))...)
	}
	return errs
}

func validateEnvVarSource(v EnvVar, p *validate.Path) validate.ErrorList {
	from := v.ValueFrom
	if from == nil {
		return nil
	}
	var errs validate.ErrorList
	n := 0
	if from.FieldRef != nil {
		n++
		errs = append(errs, validateFieldSelector(from.FieldRef, envFieldPaths, p.Child("fieldRef"))...)
	}
	if from.ResourceFieldRef != nil {
		n++
		errs = append(errs, validateResourceFieldSelector(from.ResourceFieldRef, false, p.Child("resourceFieldRef"))...)
	}
	if from.ConfigMapKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key, p.Child("configMapKeyRef"))...)
	}
	if from.SecretKeyRef != nil {
		n++
		errs = append(errs, validateKeySelector(from.SecretKeyRef.Name, from.SecretKeyRef.Key, p.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, validate.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case v.Value != "":
		errs = append(errs, validate.Invalid(p, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, validate.Invalid(p, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// validateFieldSelector checks a downward API field against the paths
// allowed where it is used.
func validateFieldSelector(f *ObjectFieldSelector, allowed []string, p *validate.Path) validate.ErrorList {
	switch {
	case f.APIVersion == "":
		return validate.ErrorList{validate.Required(p.Child("apiVersion"), "")}
	case f.FieldPath == "":
		return validate.ErrorList{validate.Required(p.Child("fieldPath"), "")}
	case f.APIVersion != "v1":
		return validate.ErrorList{validate.Invalid(p.Child("fieldPath"), f.FieldPath,
			fmt.Sprintf("error converting fieldPath: unsupported pod version: %s", f.APIVersion))}
	}
	if m := subscriptedFieldRE.FindStringSubmatch(f.FieldPath); m != nil {
		return messagesAt(p, m[2], validate.QualifiedName)
	}
	if !slices.Contains(allowed, f.FieldPath) {
		return validate.ErrorList{validate.NotSupported(p.Child("fieldPath"), f.FieldPath, allowed)}
	}
	return nil
}

// Divisors the downward API accepts, by resource.
var (
	cpuDivisors    = []string{"1m", "1"}
	memoryDivisors = []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)

// validateResourceFieldSelector checks a downward API resource reference;
// in a volume the container must be named, in an env var it defaults to the
// container itself.
func validateResourceFieldSelector(f *ResourceFieldSelector, inVolume bool, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	switch {
	case inVolume && f.ContainerName == "":
		errs = append(errs, validate.Required(p.Child("containerName"), ""))
	case f.Resource == "":
		errs = append(errs, validate.Required(p.Child("resource"), ""))
	case !slices.Contains(resourceFieldPaths, f.Resource):
		errs = append(errs, validate.NotSupported(p.Child("resource"), f.Resource, resourceFieldPaths))
	}
	if f.Divisor.IsZero() {
		return errs
	}
	d := f.Divisor.String()
	switch f.Resource {
	case "limits.cpu", "requests.cpu":
		if !slices.Contains(cpuDivisors, d) {
			errs = append(errs, validate.Invalid(p.Child("divisor"), f.Resource, "only divisor's values 1m and 1 are supported with the cpu resource"))
		}
	case "limits.memory", "requests.memory":
		if !slices.Contains(memoryDivisors, d) {
			errs = append(errs, validate.Invalid(p.Child("divisor"), f.Resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"))
		}
	case "limits.ephemeral-storage", "requests.ephemeral-storage":
		if !slices.Contains(memoryDivisors, d) {
			errs = append(errs, validate.Invalid(p.Child("divisor"), f.Resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"))
		}
	}
	return errs
}

// validateKeySelector checks a reference to one key of a config map or
// secret.
func validateKeySelector(name, key string, p *validate.Path) validate.ErrorList {
	errs := messagesAt(p.Child("name"), name, validate.DNS1123Subdomain)
	if key == "" {
		return append(errs, validate.Required(p.Child("key"), ""))
	}
	return append(errs, messagesAt(p.Child("key"), key, IsConfigKey)...)
}

func validateEnvFrom(sources []EnvFromSource, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, s := range sources {
		ip := p.Index(i)
		if s.Prefix != "" {
			errs = append(errs, messagesAt(ip.Child("prefix"), s.Prefix, validate.EnvVarName)...)
		}
		n := 0
		if s.ConfigMapRef != nil {
			n++
			errs = append(errs, requiredName(s.ConfigMapRef.Name, ip.Child("configMapRef", "name"))...)
		}
		if s.SecretRef != nil {
			n++
			errs = append(errs, requiredName(s.SecretRef.Name, ip.Child("secretRef", "name"))...)
		}
		switch {
		case n == 0:
			errs = append(errs, validate.Invalid(ip, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, validate.Invalid(ip, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// requiredName checks the name of a referenced config map or secret.
func requiredName(name string, p *validate.Path) validate.ErrorList {
	if name == "" {
		return validate.ErrorList{validate.Required(p, "")}
	}
	return messagesAt(p, name, validate.DNS1123Subdomain)
}
