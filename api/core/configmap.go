package core

import (
	"regexp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// ConfigMap holds configuration for pods to read as files or environment.
type ConfigMap struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	// Immutable, once true, freezes the data until the object is deleted,
	// which lets nodes stop watching it.
	Immutable  *bool             `json:"immutable,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
}

// MaxConfigSize bounds the data of a ConfigMap or Secret, which etcd stores
// in one value.
const MaxConfigSize = 1 << 20

var configKeyRE = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// IsConfigKey returns why key cannot name an item of a ConfigMap or Secret
// (it becomes a file name), or nothing.
func IsConfigKey(key string) []string {
	var errs []string
	if len(key) > 253 {
		errs = append(errs, "must be no more than 253 characters")
	}
	if !configKeyRE.MatchString(key) {
		errs = append(errs, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name')")
	}
	switch {
	case key == ".":
		errs = append(errs, "must not be '.'")
	case key == "..":
		errs = append(errs, "must not be '..'")
	case len(key) > 2 && key[:2] == "..":
		errs = append(errs, "must not start with '..'")
	}
	return errs
}

// ValidateConfigMap validates a config map's keys and size.
func ValidateConfigMap(cm *ConfigMap) validate.ErrorList {
	var errs validate.ErrorList
	size := 0
	dataPath, binaryPath := validate.NewPath("data"), validate.NewPath("binaryData")
	for k, v := range cm.Data {
		for _, msg := range IsConfigKey(k) {
			errs = append(errs, validate.Invalid(dataPath.Key(k), k, msg))
		}
		size += len(v)
	}
	for k, v := range cm.BinaryData {
		for _, msg := range IsConfigKey(k) {
			errs = append(errs, validate.Invalid(binaryPath.Key(k), k, msg))
		}
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, validate.Invalid(binaryPath.Key(k), k, "duplicate of key present in data"))
		}
		size += len(v)
	}
	if size > MaxConfigSize {
		errs = append(errs, validate.TooLong(dataPath, MaxConfigSize))
	}
	return errs
}

// ValidateConfigMapUpdate refuses to change an immutable config map.
func ValidateConfigMapUpdate(cm, old *ConfigMap) validate.ErrorList {
	if !configImmutable(old.Immutable) {
		return nil
	}
	var errs validate.ErrorList
	if !configImmutable(cm.Immutable) {
		errs = append(errs, validate.Forbidden(validate.NewPath("immutable"), immutableSet))
	}
	if !sameConfigData(cm.Data, old.Data) {
		errs = append(errs, validate.Forbidden(validate.NewPath("data"), immutableSet))
	}
	if !sameConfigData(cm.BinaryData, old.BinaryData) {
		errs = append(errs, validate.Forbidden(validate.NewPath("binaryData"), immutableSet))
	}
	return errs
}

const immutableSet = "field is immutable when `immutable` is set"

func configImmutable(b *bool) bool { return b != nil && *b }

// sameConfigData compares data maps; nil and empty are the same, as they
// are on the wire.
func sameConfigData[V string | []byte](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || string(v) != string(w) {
			return false
		}
	}
	return true
}

// ConfigMapResource describes config maps.
func ConfigMapResource() *scheme.Resource {
	return &scheme.Resource{
		Version:    "v1",
		Kind:       "ConfigMap",
		Plural:     "configmaps",
		Singular:   "configmap",
		ShortNames: []string{"cm"},
		Namespaced: true,
		New:        func() meta.Object { return &ConfigMap{} },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateConfigMap(obj.(*ConfigMap)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateConfigMapUpdate(obj.(*ConfigMap), old.(*ConfigMap))
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Data", table.TypeInteger, "Number of keys in the config map."),
			table.AgeColumn(),
		},
		Row: func(obj meta.Object) []any {
			cm := obj.(*ConfigMap)
			return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), table.Age(cm.CreationTimestamp)}
		},
	}
}
