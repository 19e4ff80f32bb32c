package validate

import (
	"fmt"
	"regexp"
	"strings"
)

const (
	dns1123LabelMax     = 63
	dns1123SubdomainMax = 253
	labelValueMax       = 63
	qualifiedNameMax    = 63
)

var (
	dns1123LabelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123SubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	qualifiedNameRE    = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	labelValueRE       = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	cIdentifierRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envVarNameRE       = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)
)

// DNS1123Label returns why s is not a DNS-1123 label (namespace, service and
// container names), or nothing.
func DNS1123Label(s string) []string {
	var errs []string
	if len(s) > dns1123LabelMax {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", dns1123LabelMax))
	}
	if !dns1123LabelRE.MatchString(s) {
		errs = append(errs, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')")
	}
	return errs
}

// DNS1123Subdomain returns why s is not a DNS-1123 subdomain (most object
// names), or nothing.
func DNS1123Subdomain(s string) []string {
	var errs []string
	if len(s) > dns1123SubdomainMax {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", dns1123SubdomainMax))
	}
	if !dns1123SubdomainRE.MatchString(s) {
		errs = append(errs, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")
	}
	return errs
}

// QualifiedName returns why s is not a qualified name such as a label key
// ("app", "example.com/tier"), or nothing.
func QualifiedName(s string) []string {
	var errs []string
	name := s
	if prefix, rest, ok := strings.Cut(s, "/"); ok {
		if prefix == "" {
			errs = append(errs, "prefix part must be non-empty")
		} else {
			for _, e := range DNS1123Subdomain(prefix) {
				errs = append(errs, "prefix part "+e)
			}
		}
		name = rest
	}
	switch {
	case name == "":
		errs = append(errs, "name part must be non-empty")
	case len(name) > qualifiedNameMax:
		errs = append(errs, fmt.Sprintf("name part must be no more than %d characters", qualifiedNameMax))
	}
	if name != "" && !qualifiedNameRE.MatchString(name) {
		errs = append(errs, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')")
	}
	return errs
}

// LabelValue returns why s is not a valid label value, or nothing.
func LabelValue(s string) []string {
	var errs []string
	if len(s) > labelValueMax {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", labelValueMax))
	}
	if !labelValueRE.MatchString(s) {
		errs = append(errs, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')")
	}
	return errs
}

// CIdentifier returns why s is not a C identifier, or nothing.
func CIdentifier(s string) []string {
	if !cIdentifierRE.MatchString(s) {
		return []string{"a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'"}
	}
	return nil
}

// EnvVarName returns why s is not a valid environment variable name, or nothing.
func EnvVarName(s string) []string {
	if !envVarNameRE.MatchString(s) {
		return []string{"a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"}
	}
	return nil
}

// Labels validates a label map at p.
func Labels(labels map[string]string, p *Path) ErrorList {
	var errs ErrorList
	for k, v := range labels {
		for _, msg := range QualifiedName(k) {
			errs = append(errs, Invalid(p, k, msg))
		}
		for _, msg := range LabelValue(v) {
			errs = append(errs, Invalid(p.Key(k), v, msg))
		}
	}
	return errs
}

// Annotations validates an annotation map at p: keys are qualified names and
// the total size is bounded as in Kubernetes (256 KiB).
func Annotations(annotations map[string]string, p *Path) ErrorList {
	const maxTotal = 256 * 1024
	var errs ErrorList
	total := 0
	for k, v := range annotations {
		for _, msg := range QualifiedName(strings.ToLower(k)) {
			errs = append(errs, Invalid(p, k, msg))
		}
		total += len(k) + len(v)
	}
	if total > maxTotal {
		errs = append(errs, TooLong(p, maxTotal))
	}
	return errs
}

// PortNumber validates a port in 1..65535.
func PortNumber(port int32, p *Path) ErrorList {
	if port < 1 || port > 65535 {
		return ErrorList{Invalid(p, port, "must be between 1 and 65535, inclusive")}
	}
	return nil
}
