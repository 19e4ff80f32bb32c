// Package kubeconfig reads and writes the kubeconfig file format, so that
// the wharf CLI and kubectl share one credentials file.
package kubeconfig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// Config is the part of the kubeconfig format Wharf reads and writes.
type Config struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Clusters       []NamedCluster `json:"clusters"`
	Users          []NamedUser    `json:"users"`
	Contexts       []NamedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
	Preferences    map[string]any `json:"preferences,omitempty"`
}

// NamedCluster is a cluster entry.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster says where the API server is and how to trust it.
type Cluster struct {
	Server                   string `json:"server"`
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData string `json:"certificate-authority-data,omitempty"`
	InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify,omitempty"`
	TLSServerName            string `json:"tls-server-name,omitempty"`
}

// NamedUser is a user entry.
type NamedUser struct {
	Name string   `json:"name"`
	User AuthInfo `json:"user"`
}

// AuthInfo holds the credentials; Wharf uses bearer tokens.
type AuthInfo struct {
	Token     string `json:"token,omitempty"`
	TokenFile string `json:"tokenFile,omitempty"`
}

// NamedContext is a context entry.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context ties a cluster to a user and a default namespace.
type Context struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
}

// New returns a one-cluster, one-user config.
func New(name, server string, caPEM []byte, token string) *Config {
	return &Config{
		APIVersion:     "v1",
		Kind:           "Config",
		Clusters:       []NamedCluster{{Name: name, Cluster: Cluster{Server: server, CertificateAuthorityData: base64.StdEncoding.EncodeToString(caPEM)}}},
		Users:          []NamedUser{{Name: name + "-admin", User: AuthInfo{Token: token}}},
		Contexts:       []NamedContext{{Name: name, Context: Context{Cluster: name, User: name + "-admin"}}},
		CurrentContext: name,
	}
}

// Load reads a kubeconfig file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return &c, nil
}

// Write writes c to path with owner-only permissions, atomically.
func (c *Config) Write(path string) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kubeconfig-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Resolved is what a client needs from the current context.
type Resolved struct {
	Server    string
	CAPEM     []byte // nil: system roots
	Insecure  bool
	Token     string
	Namespace string // "" means "default"
	TLSName   string
}

// Resolve picks the current context (or the one named) and returns its
// server, trust and credentials, reading referenced files relative to base.
func (c *Config) Resolve(contextName, base string) (*Resolved, error) {
	if contextName == "" {
		contextName = c.CurrentContext
	}
	var ctx *Context
	for i := range c.Contexts {
		if c.Contexts[i].Name == contextName {
			ctx = &c.Contexts[i].Context
		}
	}
	if ctx == nil {
		if contextName == "" {
			return nil, errors.New("kubeconfig has no current context")
		}
		return nil, fmt.Errorf("kubeconfig has no context %q", contextName)
	}
	r := &Resolved{Namespace: ctx.Namespace}
	found := false
	for _, cl := range c.Clusters {
		if cl.Name != ctx.Cluster {
			continue
		}
		found = true
		r.Server, r.Insecure, r.TLSName = cl.Cluster.Server, cl.Cluster.InsecureSkipTLSVerify, cl.Cluster.TLSServerName
		switch {
		case cl.Cluster.CertificateAuthorityData != "":
			ca, err := base64.StdEncoding.DecodeString(cl.Cluster.CertificateAuthorityData)
			if err != nil {
				return nil, fmt.Errorf("cluster %q: certificate-authority-data: %w", cl.Name, err)
			}
			r.CAPEM = ca
		case cl.Cluster.CertificateAuthority != "":
			ca, err := os.ReadFile(resolvePath(base, cl.Cluster.CertificateAuthority))
			if err != nil {
				return nil, fmt.Errorf("cluster %q: %w", cl.Name, err)
			}
			r.CAPEM = ca
		}
	}
	if !found {
		return nil, fmt.Errorf("kubeconfig context %q names unknown cluster %q", contextName, ctx.Cluster)
	}
	for _, u := range c.Users {
		if u.Name != ctx.User {
			continue
		}
		r.Token = u.User.Token
		if r.Token == "" && u.User.TokenFile != "" {
			b, err := os.ReadFile(resolvePath(base, u.User.TokenFile))
			if err != nil {
				return nil, fmt.Errorf("user %q: %w", u.Name, err)
			}
			r.Token = string(trimNewline(b))
		}
	}
	return r, nil
}

func resolvePath(base, p string) string {
	if filepath.IsAbs(p) || base == "" {
		return p
	}
	return filepath.Join(base, p)
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
