//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const wharfManifest = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: wharf-test:1
`

// TestWharfCLI is the new user's first run: apply a multi-document
// manifest, see it with wharf and kubectl, restart the server, lose nothing.
func TestWharfCLI(t *testing.T) {
	c := startCluster(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(file, []byte(wharfManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	out := c.must("", c.bin, "apply", "-f", file)
	if msg := contains(out, "namespace/shop created", "configmap/settings created", "deployment.apps/web created"); msg != "" {
		t.Fatal(msg)
	}
	out = c.must("", c.bin, "apply", "-f", file)
	if msg := contains(out, "deployment.apps/web unchanged"); msg != "" {
		t.Error(msg)
	}

	out = c.must("", c.bin, "get", "deploy,cm", "-n", "shop")
	if msg := contains(out, "web", "settings", "READY"); msg != "" {
		t.Error(msg)
	}
	out = c.must("", c.bin, "get", "configmaps", "-A", "-o", "name")
	if msg := contains(out, "configmap/settings"); msg != "" {
		t.Error(msg)
	}
	if kubectl, err := lookKubectl(); err == nil {
		out = c.must("", kubectl, "get", "deployments", "-n", "shop")
		if msg := contains(out, "web"); msg != "" {
			t.Error(msg)
		}
	}

	c.stop()
	c.start()
	out = c.must("", c.bin, "get", "configmap", "settings", "-n", "shop", "-o", "yaml")
	if msg := contains(out, "color: blue"); msg != "" {
		t.Errorf("after restart: %s", msg)
	}
	out = c.must("", c.bin, "get", "deployment", "web", "-n", "shop", "-o", "json")
	if msg := contains(out, `"replicas": 3`); msg != "" {
		t.Errorf("after restart: %s", msg)
	}

	// Errors are one line on stderr and a non-zero exit.
	_, errOut, err := c.run("", c.bin, "get", "pod", "nope", "-n", "shop")
	if err == nil {
		t.Fatal("get of a missing pod succeeded")
	}
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 1 || !strings.Contains(errOut, "NotFound") {
		t.Errorf("error output is not one line naming NotFound: %q", errOut)
	}
	// A manifest with an unknown field is refused and creates nothing.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: shop\ndatta:\n  a: b\n"), 0o644)
	_, errOut, err = c.run("", c.bin, "apply", "-f", bad)
	if err == nil || !strings.Contains(errOut, "datta") {
		t.Errorf("apply with unknown field: err %v, stderr %q; want an error naming datta", err, errOut)
	}
	if _, _, err := c.run("", c.bin, "get", "configmap", "bad", "-n", "shop"); err == nil {
		t.Error("the refused manifest created its object")
	}

	out = c.must("", c.bin, "delete", "-f", file)
	if msg := contains(out, `namespace "shop" deleted`); msg != "" {
		t.Error(msg)
	}
}
