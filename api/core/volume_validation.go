package core

import (
	"path"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

var (
	hostPathTypes = []string{string(HostPathUnset), string(HostPathDirectoryOrCreate), string(HostPathDirectory),
		string(HostPathFileOrCreate), string(HostPathFile), string(HostPathSocket), string(HostPathCharDev), string(HostPathBlockDev)}
	mountPropagations = []string{string(MountPropagationBidirectional), string(MountPropagationHostToContainer), string(MountPropagationNone)}
)

const fileModeMsg = "must be a number between 0 and 0777 (octal), both inclusive"

// Bounds of a projected service account token's lifetime.
const (
	minTokenExpirationSeconds = 10 * 60
	maxTokenExpirationSeconds = 1 << 32
)

// validatePodVolumes checks a pod's volumes and returns the set of their
// names for the containers' mounts.
func validatePodVolumes(volumes []Volume, p *validate.Path) (map[string]bool, validate.ErrorList) {
	var errs validate.ErrorList
	names := map[string]bool{}
	for i := range volumes {
		v := &volumes[i]
		ip := p.Index(i)
		errs = append(errs, validateVolumeSource(&v.VolumeSource, ip)...)
		np := ip.Child("name")
		switch {
		case v.Name == "":
			errs = append(errs, validate.Required(np, ""))
		case names[v.Name]:
			errs = append(errs, validate.Duplicate(np, v.Name))
		default:
			errs = append(errs, messagesAt(np, v.Name, validate.DNS1123Label)...)
		}
		names[v.Name] = true
	}
	return names, errs
}

// validateVolumeSource requires exactly one kind of volume at p and checks it.
func validateVolumeSource(s *VolumeSource, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	n := 0
	one := func(name string) bool {
		n++
		if n > 1 {
			errs = append(errs, validate.Forbidden(p.Child(name), "may not specify more than 1 volume type"))
			return false
		}
		return true
	}
	if d := s.EmptyDir; d != nil && one("emptyDir") {
		if d.SizeLimit != nil && d.SizeLimit.Sign() < 0 {
			errs = append(errs, validate.Forbidden(p.Child("emptyDir", "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
		}
	}
	if h := s.HostPath; h != nil && one("hostPath") {
		hp := p.Child("hostPath")
		if h.Path == "" {
			errs = append(errs, validate.Required(hp.Child("path"), ""))
		} else {
			errs = append(errs, noBacksteps(h.Path, hp.Child("path"))...)
		}
		if h.Type != nil && !slices.Contains(hostPathTypes, string(*h.Type)) {
			errs = append(errs, validate.NotSupported(hp.Child("type"), string(*h.Type), hostPathTypes))
		}
	}
	if sec := s.Secret; sec != nil && one("secret") {
		sp := p.Child("secret")
		if sec.SecretName == "" {
			errs = append(errs, validate.Required(sp.Child("secretName"), ""))
		}
		errs = append(errs, fileMode(sec.DefaultMode, sp.Child("defaultMode"))...)
		errs = append(errs, validateKeysToPaths(sec.Items, sp.Child("items"), nil)...)
	}
	if c := s.PersistentVolumeClaim; c != nil && one("persistentVolumeClaim") && c.ClaimName == "" {
		errs = append(errs, validate.Required(p.Child("persistentVolumeClaim", "claimName"), ""))
	}
	if d := s.DownwardAPI; d != nil && one("downwardAPI") {
		dp := p.Child("downwardAPI")
		errs = append(errs, fileMode(d.DefaultMode, dp.Child("defaultMode"))...)
		errs = append(errs, validateDownwardAPIFiles(d.Items, dp.Child("items"), nil)...)
	}
	if pr := s.Projected; pr != nil && one("projected") {
		errs = append(errs, validateProjection(pr, p.Child("projected"))...)
	}
	if c := s.ConfigMap; c != nil && one("configMap") {
		cp := p.Child("configMap")
		if c.Name == "" {
			errs = append(errs, validate.Required(cp.Child("name"), ""))
		}
		errs = append(errs, fileMode(c.DefaultMode, cp.Child("defaultMode"))...)
		errs = append(errs, validateKeysToPaths(c.Items, cp.Child("items"), nil)...)
	}
	if n == 0 {
		errs = append(errs, validate.Required(p, "must specify a volume type"))
	}
	return errs
}

func fileMode(mode *int32, p *validate.Path) validate.ErrorList {
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		return validate.ErrorList{validate.Invalid(p, *mode, fileModeMsg)}
	}
	return nil
}

// validateKeysToPaths checks the items of a secret or config map; paths,
// when not nil, collects the file paths of a projected volume, which must
// not collide.
func validateKeysToPaths(items []KeyToPath, p *validate.Path, paths map[string]bool) validate.ErrorList {
	var errs validate.ErrorList
	for i, kp := range items {
		ip := p.Index(i)
		if kp.Key == "" {
			errs = append(errs, validate.Required(ip.Child("key"), ""))
		}
		errs = append(errs, volumeFilePath(kp.Path, ip.Child("path"), paths)...)
		errs = append(errs, fileMode(kp.Mode, ip.Child("mode"))...)
	}
	return errs
}

func validateDownwardAPIFiles(items []DownwardAPIVolumeFile, p *validate.Path, paths map[string]bool) validate.ErrorList {
	var errs validate.ErrorList
	for i, f := range items {
		ip := p.Index(i)
		errs = append(errs, volumeFilePath(f.Path, ip.Child("path"), paths)...)
		switch {
		case f.FieldRef != nil && f.ResourceFieldRef != nil:
			errs = append(errs, validate.Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case f.FieldRef != nil:
			errs = append(errs, validateFieldSelector(f.FieldRef, volumeFieldPaths, ip.Child("fieldRef"))...)
		case f.ResourceFieldRef != nil:
			errs = append(errs, validateResourceFieldSelector(f.ResourceFieldRef, true, ip.Child("resourceFieldRef"))...)
		default:
			errs = append(errs, validate.Required(ip, "one of fieldRef and resourceFieldRef is required"))
		}
		errs = append(errs, fileMode(f.Mode, ip.Child("mode"))...)
	}
	return errs
}

// volumeFilePath checks the relative path of a file inside a volume.
func volumeFilePath(file string, p *validate.Path, paths map[string]bool) validate.ErrorList {
	if file == "" {
		return validate.ErrorList{validate.Required(p, "")}
	}
	errs := relativeDescendingPath(file, p)
	if strings.HasPrefix(file, "..") && !strings.HasPrefix(file, "../") {
		errs = append(errs, validate.Invalid(p, file, "must not start with '..'"))
	}
	if paths != nil {
		if paths[file] {
			errs = append(errs, validate.Invalid(p, file, "conflicting duplicate paths"))
		}
		paths[file] = true
	}
	return errs
}

// relativeDescendingPath refuses a path that could leave the directory it
// is relative to.
func relativeDescendingPath(file string, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if path.IsAbs(file) {
		errs = append(errs, validate.Invalid(p, file, "must be a relative path"))
	}
	return append(errs, noBacksteps(file, p)...)
}

func noBacksteps(file string, p *validate.Path) validate.ErrorList {
	if slices.Contains(strings.Split(file, "/"), "..") {
		return validate.ErrorList{validate.Invalid(p, file, "must not contain '..'")}
	}
	return nil
}

func validateProjection(pr *ProjectedVolumeSource, p *validate.Path) validate.ErrorList {
	errs := fileMode(pr.DefaultMode, p.Child("defaultMode"))
	paths := map[string]bool{}
	for i, src := range pr.Sources {
		sp := p.Child("sources").Index(i)
		n := 0
		if s := src.Secret; s != nil {
			n++
			if s.Name == "" {
				errs = append(errs, validate.Required(sp.Child("secret", "name"), ""))
			}
			errs = append(errs, validateKeysToPaths(s.Items, sp.Child("secret", "items"), paths)...)
		}
		if c := src.ConfigMap; c != nil {
			n++
			if c.Name == "" {
				errs = append(errs, validate.Required(sp.Child("configMap", "name"), ""))
			}
			errs = append(errs, validateKeysToPaths(c.Items, sp.Child("configMap", "items"), paths)...)
		}
		if d := src.DownwardAPI; d != nil {
			n++
			errs = append(errs, validateDownwardAPIFiles(d.Items, sp.Child("downwardAPI", "items"), paths)...)
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			tp := sp.Child("serviceAccountToken")
			if e := t.ExpirationSeconds; e != nil && *e < minTokenExpirationSeconds {
				errs = append(errs, validate.Invalid(tp.Child("expirationSeconds"), *e, "may not specify a duration less than 10 minutes"))
			} else if e != nil && *e > maxTokenExpirationSeconds {
				errs = append(errs, validate.Invalid(tp.Child("expirationSeconds"), *e, "may not specify a duration larger than 2^32 seconds"))
			}
			errs = append(errs, volumeFilePath(t.Path, tp.Child("path"), paths)...)
		}
		if n > 1 {
			errs = append(errs, validate.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

// validateVolumeMounts checks c's mounts against the pod's volume names.
func validateVolumeMounts(c *Container, volumes map[string]bool, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	mountPoints := map[string]bool{}
	for i, m := range c.VolumeMounts {
		ip := p.Index(i)
		switch {
		case m.Name == "":
			errs = append(errs, validate.Required(ip.Child("name"), ""))
		case !volumes[m.Name]:
			errs = append(errs, validate.Invalid(ip.Child("name"), m.Name, "must match the name of a volume in spec.volumes"))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, validate.Required(ip.Child("mountPath"), ""))
		case !path.IsAbs(m.MountPath):
			errs = append(errs, validate.Invalid(ip.Child("mountPath"), m.MountPath, "must be an absolute path"))
		case mountPoints[path.Clean(m.MountPath)]:
			errs = append(errs, validate.Invalid(ip.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPoints[path.Clean(m.MountPath)] = true
		if m.SubPath != "" {
			errs = append(errs, relativeDescendingPath(m.SubPath, ip.Child("subPath"))...)
		}
		if mp := m.MountPropagation; mp != nil {
			pp := ip.Child("mountPropagation")
			switch {
			case !slices.Contains(mountPropagations, string(*mp)):
				errs = append(errs, validate.NotSupported(pp, string(*mp), mountPropagations))
			case *mp == MountPropagationBidirectional && !c.IsPrivileged():
				errs = append(errs, validate.Forbidden(pp, "Bidirectional mount propagation is available only to privileged containers"))
			}
		}
	}
	return errs
}
