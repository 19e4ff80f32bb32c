//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const kubectlManifest = `apiVersion: v1
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
  size: large
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  containers:
  - name: web
    image: wharf-test:1
    ports:
    - containerPort: 8080
    env:
    - name: COLOR
      valueFrom:
        configMapKeyRef: {name: settings, key: color}
`

// TestKubectl drives the machine's kubectl, with default flags, against a
// wharf server: apply, get (also -w), describe and delete of namespaces,
// configmaps, secrets and pods.
func TestKubectl(t *testing.T) {
	kubectl := kubectlBin(t)
	c := startCluster(t)

	out := c.must(kubectlManifest, kubectl, "apply", "-f", "-")
	if msg := contains(out, "namespace/shop created", "configmap/settings created", "secret/creds created", "pod/web created"); msg != "" {
		t.Fatal(msg)
	}
	// Applying the same manifest again changes nothing.
	out = c.must(kubectlManifest, kubectl, "apply", "-f", "-")
	if msg := contains(out, "configmap/settings unchanged", "pod/web unchanged"); msg != "" {
		t.Error(msg)
	}
	// Removing a key from the manifest removes it from the object.
	edited := strings.Replace(kubectlManifest, "  size: large\n", "", 1)
	out = c.must(edited, kubectl, "apply", "-f", "-")
	if msg := contains(out, "configmap/settings configured"); msg != "" {
		t.Error(msg)
	}
	data := c.must("", kubectl, "get", "configmap", "settings", "-n", "shop", "-o", "jsonpath={.data}")
	if strings.Contains(data, "size") || !strings.Contains(data, "blue") {
		t.Errorf("configmap data after apply without size: %s", data)
	}

	for _, args := range [][]string{
		{"get", "ns"},
		{"get", "configmaps", "-n", "shop"},
		{"get", "secrets", "-n", "shop"},
		{"get", "pods", "-n", "shop", "-o", "wide"},
		{"get", "pods", "-A"},
	} {
		out := c.must("", kubectl, args...)
		want := map[string]string{"ns": "shop", "configmaps": "settings", "secrets": "creds", "pods": "web"}[args[1]]
		if msg := contains(out, "NAME", want); msg != "" {
			t.Errorf("kubectl %v: %s", args, msg)
		}
	}
	out = c.must("", kubectl, "get", "pod", "web", "-n", "shop", "-o", "yaml")
	if msg := contains(out, "image: wharf-test:1", "uid:", "resourceVersion:"); msg != "" {
		t.Error(msg)
	}

	out = c.must("", kubectl, "describe", "pod", "web", "-n", "shop")
	if msg := contains(out, "Name:", "web", "Namespace:", "shop", "wharf-test:1"); msg != "" {
		t.Error(msg)
	}
	out = c.must("", kubectl, "describe", "configmap", "settings", "-n", "shop")
	if msg := contains(out, "color", "blue"); msg != "" {
		t.Error(msg)
	}
	c.must("", kubectl, "describe", "secret", "creds", "-n", "shop")
	c.must("", kubectl, "describe", "namespace", "shop")

	t.Run("get -w", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, kubectl, "get", "configmaps", "-n", "shop", "-w")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = cmd.Wait() }()
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		waitLine := func(sub string) {
			t.Helper()
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("kubectl get -w ended before a line with %q", sub)
					}
					if strings.Contains(l, sub) {
						return
					}
				case <-ctx.Done():
					t.Fatalf("no line with %q from kubectl get -w", sub)
				}
			}
		}
		waitLine("settings")
		c.must("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\n  namespace: shop\n", kubectl, "apply", "-f", "-")
		waitLine("later")
	})

	out = c.must("", kubectl, "delete", "pod", "web", "-n", "shop")
	if msg := contains(out, `pod "web" deleted`); msg != "" {
		t.Error(msg)
	}
	c.must("", kubectl, "delete", "configmap", "settings", "-n", "shop")
	c.must("", kubectl, "delete", "secret", "creds", "-n", "shop")
	out = c.must("", kubectl, "delete", "namespace", "shop")
	if msg := contains(out, `namespace "shop" deleted`); msg != "" {
		t.Error(msg)
	}
	_, errOut, err := c.run("", kubectl, "get", "namespace", "shop")
	if err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("namespace after delete: err %v, stderr %s; want NotFound", err, errOut)
	}
}
