package core

import (
	"encoding/json"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Secret holds sensitive data: passwords, tokens, keys.
type Secret struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	// Immutable, once true, freezes the data until the object is deleted.
	Immutable *bool `json:"immutable,omitempty"`
	// Data values are base64 on the wire.
	Data map[string][]byte `json:"data,omitempty"`
	// StringData is a write-only convenience: the server merges it into
	// Data (winning over it) and never stores or returns it.
	StringData map[string]string `json:"stringData,omitempty"`
	Type       SecretType        `json:"type,omitempty"`
}

// SecretType says what a secret holds and so which keys it must have.
type SecretType string

// Secret types.
const (
	SecretTypeOpaque              SecretType = "Opaque"
	SecretTypeServiceAccountToken SecretType = "kubernetes.io/service-account-token"
	SecretTypeDockercfg           SecretType = "kubernetes.io/dockercfg"
	SecretTypeDockerConfigJSON    SecretType = "kubernetes.io/dockerconfigjson"
	SecretTypeBasicAuth           SecretType = "kubernetes.io/basic-auth"
	SecretTypeSSHAuth             SecretType = "kubernetes.io/ssh-auth"
	SecretTypeTLS                 SecretType = "kubernetes.io/tls"
)

// The keys that typed secrets must (or may) have.
const (
	ServiceAccountNameKey = "kubernetes.io/service-account.name"
	DockerConfigKey       = ".dockercfg"
	DockerConfigJSONKey   = ".dockerconfigjson"
	BasicAuthUsernameKey  = "username"
	BasicAuthPasswordKey  = "password"
	SSHAuthPrivateKey     = "ssh-privatekey"
	TLSCertKey            = "tls.crt"
	TLSPrivateKeyKey      = "tls.key"
)

// DefaultSecret makes an untyped secret Opaque.
func DefaultSecret(s *Secret) {
	if s.Type == "" {
		s.Type = SecretTypeOpaque
	}
}

// mergeStringData folds stringData into data, as every write does.
func mergeStringData(s *Secret) {
	if len(s.StringData) == 0 {
		s.StringData = nil
		return
	}
	if s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

// ValidateSecret validates a secret's keys, size, and the keys its type
// requires.
func ValidateSecret(s *Secret) validate.ErrorList {
	var errs validate.ErrorList
	dataPath := validate.NewPath("data")
	size := 0
	for k, v := range s.Data {
		for _, msg := range IsConfigKey(k) {
			errs = append(errs, validate.Invalid(dataPath.Key(k), k, msg))
		}
		size += len(v)
	}
	for k, v := range s.StringData {
		for _, msg := range IsConfigKey(k) {
			errs = append(errs, validate.Invalid(validate.NewPath("stringData").Key(k), k, msg))
		}
		size += len(v)
	}
	if size > MaxConfigSize {
		errs = append(errs, validate.TooLong(dataPath, MaxConfigSize))
	}
	has := func(k string) bool {
		_, ok := s.Data[k]
		return ok
	}
	require := func(keys ...string) {
		for _, k := range keys {
			if !has(k) {
				errs = append(errs, validate.Required(dataPath.Key(k), ""))
			}
		}
	}
	switch s.Type {
	case "":
		errs = append(errs, validate.Required(validate.NewPath("type"), ""))
	case SecretTypeServiceAccountToken:
		if s.Annotations[ServiceAccountNameKey] == "" {
			errs = append(errs, validate.Required(validate.NewPath("metadata", "annotations").Key(ServiceAccountNameKey), ""))
		}
	case SecretTypeDockercfg, SecretTypeDockerConfigJSON:
		key := DockerConfigKey
		if s.Type == SecretTypeDockerConfigJSON {
			key = DockerConfigJSONKey
		}
		if !has(key) {
			require(key)
			break
		}
		var cfg map[string]any
		if err := json.Unmarshal(s.Data[key], &cfg); err != nil {
			errs = append(errs, validate.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error()))
		}
	case SecretTypeBasicAuth:
		if !has(BasicAuthUsernameKey) && !has(BasicAuthPasswordKey) {
			require(BasicAuthUsernameKey, BasicAuthPasswordKey)
		}
	case SecretTypeSSHAuth:
		require(SSHAuthPrivateKey)
	case SecretTypeTLS:
		require(TLSPrivateKeyKey, TLSCertKey)
	}
	return errs
}

// ValidateSecretUpdate keeps a secret's type, and an immutable secret's data.
func ValidateSecretUpdate(s, old *Secret) validate.ErrorList {
	errs := validate.Immutable(s.Type, old.Type, validate.NewPath("type"))
	if !configImmutable(old.Immutable) {
		return errs
	}
	if !configImmutable(s.Immutable) {
		errs = append(errs, validate.Forbidden(validate.NewPath("immutable"), immutableSet))
	}
	if !sameConfigData(s.Data, old.Data) {
		errs = append(errs, validate.Forbidden(validate.NewPath("data"), immutableSet))
	}
	return errs
}

// SecretResource describes secrets.
func SecretResource() *scheme.Resource {
	return &scheme.Resource{
		Version:          "v1",
		Kind:             "Secret",
		Plural:           "secrets",
		Singular:         "secret",
		Namespaced:       true,
		New:              func() meta.Object { return &Secret{} },
		Default:          func(obj meta.Object) { DefaultSecret(obj.(*Secret)) },
		Validate:         func(obj meta.Object) validate.ErrorList { return ValidateSecret(obj.(*Secret)) },
		PrepareForCreate: func(obj meta.Object) { mergeStringData(obj.(*Secret)) },
		PrepareForUpdate: func(obj, _ meta.Object) { mergeStringData(obj.(*Secret)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateSecretUpdate(obj.(*Secret), old.(*Secret))
		},
		Fields: func(obj meta.Object) map[string]string {
			return map[string]string{"type": string(obj.(*Secret).Type)}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Type", table.TypeString, "The type of the secret."),
			table.Column("Data", table.TypeInteger, "Number of keys in the secret."),
			table.AgeColumn(),
		},
		Row: func(obj meta.Object) []any {
			s := obj.(*Secret)
			return []any{s.Name, string(s.Type), int64(len(s.Data)), table.Age(s.CreationTimestamp)}
		},
	}
}
