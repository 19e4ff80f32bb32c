//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRealConfigMapAndSecret: a pod sees a ConfigMap and a Secret as env
// (single keys, envFrom with a prefix, a fieldRef) and as volumes (items
// and plain), with the right values.
func TestRealConfigMapAndSecret(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "config")
	n.apply(t, fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: %[1]s}
data:
  color: blue
  size: large
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: %[1]s}
stringData:
  password: hunter2
  user: admin
---
apiVersion: v1
kind: Pod
metadata: {name: configured, namespace: %[1]s}
spec:
  containers:
  - name: web
    image: %[2]s
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: settings, key: color}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: MY_POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: GREETING
      value: hello-$(COLOR)
    envFrom:
    - prefix: CM_
      configMapRef: {name: settings}
    volumeMounts:
    - {name: config, mountPath: /etc/config, readOnly: true}
    - {name: secret, mountPath: /etc/secret, readOnly: true}
  volumes:
  - name: config
    configMap:
      name: settings
      items:
      - {key: size, path: dims/size}
  - name: secret
    secret: {secretName: creds, defaultMode: 0400}
`, ns, testImage1))
	p := n.waitPod(t, ns, "configured", 60*time.Second, running)
	ip := p.Status.PodIP

	env := getInfo(t, ip).Env
	for k, want := range map[string]string{
		"COLOR":    "blue",
		"PASSWORD": "hunter2",
		"MY_POD":   "configured",
		"GREETING": "hello-blue",
		"CM_color": "blue",
		"CM_size":  "large",
	} {
		if got, ok := env[k]; !ok || got != want {
			t.Errorf("env %s: got %q (set %t), want %q", k, got, ok, want)
		}
	}

	file := func(path string) string { return podGet(t, ip, "/files?path="+url.QueryEscape(path)) }
	if got := file("/etc/config/dims/size"); got != "large" {
		t.Errorf("/etc/config/dims/size: got %q, want large", got)
	}
	if names := strings.Fields(file("/etc/config")); slices.Contains(names, "color") || !slices.Contains(names, "dims") {
		t.Errorf("/etc/config entries: got %v, want dims and no color (items select size only)", names)
	}
	if got := file("/etc/secret/password"); got != "hunter2" {
		t.Errorf("/etc/secret/password: got %q, want hunter2", got)
	}
	if got := file("/etc/secret/user"); got != "admin" {
		t.Errorf("/etc/secret/user: got %q, want admin", got)
	}
}
