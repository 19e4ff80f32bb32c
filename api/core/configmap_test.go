package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestValidateConfigMap(t *testing.T) {
	tests := []struct {
		name   string
		data   map[string]string
		binary map[string][]byte
		want   []string
	}{
		{"valid", map[string]string{"app.properties": "a=b", "KEY_1": "x", ".hidden": ""}, map[string][]byte{"logo.png": {0x89}}, nil},
		{"bad data key", map[string]string{"a/b": "x"}, nil, []string{"FieldValueInvalid data[a/b]"}},
		{"dot dot", map[string]string{"..": "x"}, nil, []string{"FieldValueInvalid data[..]"}},
		{"starts with dot dot", map[string]string{"..a": "x"}, nil, []string{"FieldValueInvalid data[..a]"}},
		{"bad binary key", nil, map[string][]byte{"a b": nil}, []string{"FieldValueInvalid binaryData[a b]"}},
		{"key in both", map[string]string{"k": "x"}, map[string][]byte{"k": {1}}, []string{"FieldValueInvalid binaryData[k]"}},
		{"too big", map[string]string{"a": strings.Repeat("x", MaxConfigSize)}, map[string][]byte{"b": {1}},
			[]string{"FieldValueTooLong data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm := ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "c", Namespace: "default"}, Data: tt.data, BinaryData: tt.binary}
			if diff := cmp.Diff(tt.want, causesOf(ValidateConfigMap(&cm))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateConfigMapUpdate(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name     string
		old, new ConfigMap
		want     []string
	}{
		{"mutable", ConfigMap{Data: map[string]string{"a": "1"}}, ConfigMap{Data: map[string]string{"a": "2"}}, nil},
		{"make immutable", ConfigMap{Data: map[string]string{"a": "1"}}, ConfigMap{Immutable: &yes, Data: map[string]string{"a": "2"}}, nil},
		{"immutable unchanged", ConfigMap{Immutable: &yes, Data: map[string]string{}}, ConfigMap{Immutable: &yes}, nil},
		{"immutable changed", ConfigMap{Immutable: &yes, Data: map[string]string{"a": "1"}, BinaryData: map[string][]byte{"b": {1}}},
			ConfigMap{Data: map[string]string{"a": "2"}, BinaryData: map[string][]byte{"b": {2}}},
			[]string{"FieldValueForbidden immutable", "FieldValueForbidden data", "FieldValueForbidden binaryData"}},
		{"unset immutable", ConfigMap{Immutable: &yes}, ConfigMap{Immutable: &no}, []string{"FieldValueForbidden immutable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, causesOf(ValidateConfigMapUpdate(&tt.new, &tt.old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigMapRow(t *testing.T) {
	cm := &ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "c"}, Data: map[string]string{"a": "", "b": ""}, BinaryData: map[string][]byte{"c": nil}}
	want := []any{"c", int64(3), "<unknown>"}
	if diff := cmp.Diff(want, ConfigMapResource().Row(cm)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
}
