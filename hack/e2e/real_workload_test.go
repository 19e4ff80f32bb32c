//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

// testInfo is what the test program answers on GET /.
type testInfo struct {
	Hostname string            `json:"hostname"`
	PodIP    string            `json:"podIP"`
	Version  string            `json:"version"`
	Env      map[string]string `json:"env"`
}

func getInfo(t *testing.T, ip string) testInfo {
	t.Helper()
	var info testInfo
	body := podGet(t, ip, "/")
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("GET %s/: %v in %q", ip, err, body)
	}
	return info
}

// deploymentManifest is a Deployment "web" of the test image.
func deploymentManifest(ns string, replicas int, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %s
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: web
        image: %s
        ports:
        - containerPort: 8080
`, ns, replicas, image)
}

// livePods are the pods of app=web in ns that are not being deleted.
func (n *realNode) livePods(t *testing.T, ns string) []core.Pod {
	t.Helper()
	list, err := n.pods().List(context.Background(), ns, apiclient.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	var live []core.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// rolloutStatus runs `wharf rollout status` on deployment web; when the
// rollout does not finish it fails t with the pods' state.
func (n *realNode) rolloutStatus(t *testing.T, ns string) {
	t.Helper()
	out, errOut, err := n.cli(t).run("", n.bin, "rollout", "status", "deployment/web", "-n", ns, "--timeout", "50s")
	if err == nil && strings.Contains(out, `deployment "web" successfully rolled out`) {
		return
	}
	var pods []string
	if list, lerr := n.pods().List(context.Background(), ns, apiclient.ListOptions{}); lerr == nil {
		for _, p := range list.Items {
			pods = append(pods, p.Name+": "+statusSummary(&p))
		}
	}
	t.Fatalf("wharf rollout status: %v\nstdout:\n%s\nstderr:\n%s\npods:\n%s\nwharf up's log:\n%s", err, out, errOut, strings.Join(pods, "\n"), n.logTail(40))
}

// TestRealDeploymentServes: a 3-replica Deployment of the test image rolls
// out, every pod is Running and Ready with an IP from the node's pod CIDR,
// and each answers HTTP at its pod IP with its own hostname.
func TestRealDeploymentServes(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "deploy")
	c := n.cli(t)
	n.apply(t, deploymentManifest(ns, 3, testImage1))
	n.rolloutStatus(t, ns)

	out := c.must("", n.bin, "get", "pods", "-n", ns, "-o", "wide")
	if got := strings.Count(out, "Running"); got != 3 {
		t.Errorf("wharf get pods -o wide: got %d Running, want 3:\n%s", got, out)
	}
	_, cidr, _ := net.ParseCIDR(n.podCIDR)
	pods := n.livePods(t, ns)
	if len(pods) != 3 {
		t.Fatalf("pods of app=web: got %d, want 3", len(pods))
	}
	seen := map[string]string{}
	for _, p := range pods {
		if msg := runningAndReady(&p); msg != "" {
			t.Errorf("pod %s: %s", p.Name, msg)
			continue
		}
		ip := p.Status.PodIP
		if !cidr.Contains(net.ParseIP(ip)) {
			t.Errorf("pod %s: podIP %s, want one in %s", p.Name, ip, n.podCIDR)
		}
		if other, dup := seen[ip]; dup {
			t.Errorf("pods %s and %s share podIP %s", other, p.Name, ip)
		}
		seen[ip] = p.Name
		if !strings.Contains(out, ip) {
			t.Errorf("wharf get pods -o wide lacks %s's IP %s:\n%s", p.Name, ip, out)
		}
		info := getInfo(t, ip)
		if info.Hostname != p.Name || info.PodIP != ip || info.Version != "1" {
			t.Errorf("GET %s/: got hostname %q podIP %q version %q, want %q %q %q", ip, info.Hostname, info.PodIP, info.Version, p.Name, ip, "1")
		}
	}
	if kubectl, err := lookKubectl(); err == nil {
		out := c.must("", kubectl, "get", "deployment", "web", "-n", ns)
		if msg := contains(out, "3/3"); msg != "" {
			t.Errorf("kubectl get deployment: %s", msg)
		}
	}
}

// TestRealRollingUpdate: `wharf set image` to the second tag rolls out,
// and afterwards every pod runs and answers with version 2.
func TestRealRollingUpdate(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "rollout")
	c := n.cli(t)
	n.apply(t, deploymentManifest(ns, 3, testImage1))
	n.rolloutStatus(t, ns)

	c.must("", n.bin, "set", "image", "deployment/web", "web="+testImage2, "-n", ns)
	if kubectl, err := lookKubectl(); err == nil {
		out := c.must("", kubectl, "rollout", "status", "deployment/web", "-n", ns, "--timeout=50s")
		if msg := contains(out, `deployment "web" successfully rolled out`); msg != "" {
			t.Error(msg)
		}
	}
	n.rolloutStatus(t, ns)
	pods := n.livePods(t, ns)
	if len(pods) != 3 {
		t.Fatalf("live pods after the update: got %d, want 3", len(pods))
	}
	for _, p := range pods {
		if got := p.Spec.Containers[0].Image; got != testImage2 {
			t.Errorf("pod %s: image %s, want %s", p.Name, got, testImage2)
		}
		if msg := runningAndReady(&p); msg != "" {
			t.Errorf("pod %s: %s", p.Name, msg)
			continue
		}
		if info := getInfo(t, p.Status.PodIP); info.Version != "2" || info.Hostname != p.Name {
			t.Errorf("GET %s/ of pod %s: version %q hostname %q, want 2 and %s", p.Status.PodIP, p.Name, info.Version, info.Hostname, p.Name)
		}
	}
	// The old pods finish terminating: only the three new ones remain.
	if err := poll(60*time.Second, func() string {
		list, err := n.pods().List(context.Background(), ns, apiclient.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err.Error()
		}
		if len(list.Items) != 3 {
			return fmt.Sprintf("%d pods, want 3", len(list.Items))
		}
		return ""
	}); err != nil {
		t.Errorf("old pods: %v", err)
	}
}
