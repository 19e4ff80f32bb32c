package ctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolveKubeconfig(t *testing.T) {
	dir := t.TempDir()
	touch := func(p string) string {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return full
	}
	flagFile := touch("flag.kubeconfig")
	envFile := touch("env.kubeconfig")
	home := filepath.Join(dir, "home")
	local := touch("home/.wharf/admin.kubeconfig")
	missing := filepath.Join(dir, "missing.kubeconfig")
	emptyHome := filepath.Join(dir, "empty-home")

	tests := []struct {
		name    string
		flag    string
		env     string
		home    string
		want    string
		wantErr string
	}{
		{name: "the flag wins", flag: flagFile, env: envFile, home: home, want: flagFile},
		{name: "the flag is taken even when missing, to fail loudly", flag: missing, env: envFile, home: home, want: missing},
		{name: "then KUBECONFIG", env: envFile, home: home, want: envFile},
		{name: "the first existing file of KUBECONFIG", env: missing + string(os.PathListSeparator) + envFile, home: home, want: envFile},
		{name: "then the local cluster's admin kubeconfig", env: missing, home: home, want: local},
		{name: "nothing found names where it looked", env: missing, home: emptyHome, wantErr: `"` + missing + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			t.Setenv("HOME", tt.home)
			got, err := resolveKubeconfig(tt.flag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %s", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolveNamespace(t *testing.T) {
	tests := []struct {
		flag, context, want string
	}{
		{"team", "ctx-ns", "team"},
		{"", "ctx-ns", "ctx-ns"},
		{"", "", "default"},
	}
	for _, tt := range tests {
		if got := resolveNamespace(tt.flag, tt.context); got != tt.want {
			t.Errorf("resolveNamespace(%q, %q) = %q, want %q", tt.flag, tt.context, got, tt.want)
		}
	}
}

func TestParseRequestTimeout(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"0", 0, false},
		{"5", 5 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"-1s", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := parseRequestTimeout(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseRequestTimeout(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
