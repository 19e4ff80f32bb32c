package core

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestSecretWrite(t *testing.T) {
	r := SecretResource()
	s := &Secret{
		ObjectMeta: meta.ObjectMeta{Name: "s", Namespace: "default"},
		Data:       map[string][]byte{"a": []byte("old"), "b": []byte("kept")},
		StringData: map[string]string{"a": "new", "c": "added"},
	}
	r.PrepareForCreate(s)
	r.Default(s)
	want := map[string][]byte{"a": []byte("new"), "b": []byte("kept"), "c": []byte("added")}
	if diff := cmp.Diff(want, s.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if s.StringData != nil {
		t.Errorf("got stringData %v, want it cleared", s.StringData)
	}
	if s.Type != SecretTypeOpaque {
		t.Errorf("got type %q, want Opaque", s.Type)
	}

	update := &Secret{ObjectMeta: s.ObjectMeta, Type: SecretTypeOpaque, StringData: map[string]string{"d": "x"}}
	r.PrepareForUpdate(update, s)
	if diff := cmp.Diff(map[string][]byte{"d": []byte("x")}, update.Data); diff != "" {
		t.Errorf("updated data (-want +got):\n%s", diff)
	}
}

func TestSecretWireFormat(t *testing.T) {
	var s Secret
	if err := json.Unmarshal([]byte(`{"data":{"password":"aHVudGVyMg=="},"type":"Opaque"}`), &s); err != nil {
		t.Fatal(err)
	}
	if got := string(s.Data["password"]); got != "hunter2" {
		t.Errorf("got %q, want hunter2 decoded from base64", got)
	}
}

func TestValidateSecret(t *testing.T) {
	tests := []struct {
		name   string
		typ    SecretType
		data   map[string]string
		annots map[string]string
		want   []string
	}{
		{"opaque", SecretTypeOpaque, map[string]string{"a": "1"}, nil, nil},
		{"custom type", "example.com/thing", nil, nil, nil},
		{"bad key", SecretTypeOpaque, map[string]string{"a:b": "1"}, nil, []string{"FieldValueInvalid data[a:b]"}},
		{"no type", "", nil, nil, []string{"FieldValueRequired type"}},
		{"tls", SecretTypeTLS, map[string]string{TLSCertKey: "c", TLSPrivateKeyKey: "k"}, nil, nil},
		{"tls without key", SecretTypeTLS, map[string]string{TLSCertKey: "c"}, nil, []string{"FieldValueRequired data[tls.key]"}},
		{"basic auth with a user", SecretTypeBasicAuth, map[string]string{"username": "u"}, nil, nil},
		{"basic auth empty", SecretTypeBasicAuth, nil, nil,
			[]string{"FieldValueRequired data[username]", "FieldValueRequired data[password]"}},
		{"ssh", SecretTypeSSHAuth, nil, nil, []string{"FieldValueRequired data[ssh-privatekey]"}},
		{"docker config", SecretTypeDockerConfigJSON, map[string]string{DockerConfigJSONKey: `{"auths":{}}`}, nil, nil},
		{"docker config not JSON", SecretTypeDockerConfigJSON, map[string]string{DockerConfigJSONKey: `{`}, nil,
			[]string{"FieldValueInvalid data[.dockerconfigjson]"}},
		{"docker config missing", SecretTypeDockercfg, nil, nil, []string{"FieldValueRequired data[.dockercfg]"}},
		{"service account token", SecretTypeServiceAccountToken, nil, map[string]string{ServiceAccountNameKey: "default"}, nil},
		{"service account token without account", SecretTypeServiceAccountToken, nil, nil,
			[]string{"FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Secret{ObjectMeta: meta.ObjectMeta{Name: "s", Annotations: tt.annots}, Type: tt.typ}
			for k, v := range tt.data {
				if s.Data == nil {
					s.Data = map[string][]byte{}
				}
				s.Data[k] = []byte(v)
			}
			if diff := cmp.Diff(tt.want, causesOf(ValidateSecret(&s))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSecretUpdate(t *testing.T) {
	yes := true
	tests := []struct {
		name     string
		old, new Secret
		want     []string
	}{
		{"data may change", Secret{Type: SecretTypeOpaque, Data: map[string][]byte{"a": {1}}},
			Secret{Type: SecretTypeOpaque, Data: map[string][]byte{"a": {2}}}, nil},
		{"type may not", Secret{Type: SecretTypeOpaque}, Secret{Type: SecretTypeTLS}, []string{"FieldValueInvalid type"}},
		{"immutable data", Secret{Type: SecretTypeOpaque, Immutable: &yes, Data: map[string][]byte{"a": {1}}},
			Secret{Type: SecretTypeOpaque, Data: map[string][]byte{"a": {2}}},
			[]string{"FieldValueForbidden immutable", "FieldValueForbidden data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, causesOf(ValidateSecretUpdate(&tt.new, &tt.old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretTable(t *testing.T) {
	r := SecretResource()
	s := &Secret{ObjectMeta: meta.ObjectMeta{Name: "tls"}, Type: SecretTypeTLS, Data: map[string][]byte{TLSCertKey: nil, TLSPrivateKeyKey: nil}}
	want := []any{"tls", "kubernetes.io/tls", int64(2), "<unknown>"}
	if diff := cmp.Diff(want, r.Row(s)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
	if got := r.FieldSet(s)["type"]; got != "kubernetes.io/tls" {
		t.Errorf("type field = %q, want kubernetes.io/tls", got)
	}
}
