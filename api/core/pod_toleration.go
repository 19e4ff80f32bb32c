package core

import (
	"slices"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

// Toleration lets a pod be scheduled onto (or stay on) nodes with matching
// taints.
type Toleration struct {
	// Key is the taint key; empty with operator Exists matches every taint.
	Key      string             `json:"key,omitempty"`
	Operator TolerationOperator `json:"operator,omitempty"`
	Value    string             `json:"value,omitempty"`
	// Effect is the taint effect to match; empty matches all effects.
	Effect TaintEffect `json:"effect,omitempty"`
	// TolerationSeconds bounds how long a pod stays on a node after a
	// NoExecute taint appears; nil is forever.
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// TolerationOperator relates a toleration's key to its value.
type TolerationOperator string

// Toleration operators; empty means Equal.
const (
	TolerationOpExists TolerationOperator = "Exists"
	TolerationOpEqual  TolerationOperator = "Equal"
)

// ValidateTolerations checks a pod's tolerations as Kubernetes does.
func ValidateTolerations(tolerations []Toleration, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, t := range tolerations {
		ip := p.Index(i)
		if t.Key != "" {
			errs = append(errs, messagesAt(ip.Child("key"), t.Key, validate.QualifiedName)...)
		}
		// An empty key with Exists matches every taint; with Equal it
		// would match nothing.
		if t.Key == "" && t.Operator != TolerationOpExists {
			errs = append(errs, validate.Invalid(ip.Child("operator"), string(t.Operator),
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != TaintEffectNoExecute {
			errs = append(errs, validate.Invalid(ip.Child("effect"), string(t.Effect),
				"effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case TolerationOpEqual, "":
			if msgs := validate.LabelValue(t.Value); len(msgs) > 0 {
				errs = append(errs, validate.Invalid(ip.Child("operator"), t.Value, strings.Join(msgs, ";")))
			}
		case TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, validate.Invalid(ip.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, validate.NotSupported(ip.Child("operator"), string(t.Operator),
				[]string{string(TolerationOpEqual), string(TolerationOpExists)}))
		}
		if t.Effect != "" && !slices.Contains(taintEffects, string(t.Effect)) {
			errs = append(errs, validate.NotSupported(ip.Child("effect"), string(t.Effect), taintEffects))
		}
	}
	return errs
}
