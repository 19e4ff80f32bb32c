package apiserver

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeAgent is a node agent's streaming server on loopback, serving
// handler, registered as node name with the server under test.
func fakeAgent(t *testing.T, ts *testServer, name string, handler http.Handler) *httptest.Server {
	t.Helper()
	agent := httptest.NewUnstartedServer(handler)
	agent.StartTLS()
	t.Cleanup(agent.Close)
	_, port, err := net.SplitHostPort(agent.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	createNode(t, ts, name, "127.0.0.1", p)
	return agent
}

// createNode registers a node whose agent listens on addr:port (0: none).
func createNode(t *testing.T, ts *testServer, name, addr string, port int) {
	t.Helper()
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": name},
		"status": map[string]any{
			"addresses":       []map[string]string{{"type": "Hostname", "address": name}, {"type": "InternalIP", "address": addr}},
			"daemonEndpoints": map[string]any{"kubeletEndpoint": map[string]int{"Port": port}},
		},
	}
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", node)
}

// testPod is a pod fixture: containers by name, on a node or not.
type testPod struct {
	name, node  string
	containers  []string
	init        []string
	annotations map[string]string
}

func (p testPod) create(t *testing.T, ts *testServer) {
	t.Helper()
	list := func(names []string) []map[string]string {
		var out []map[string]string
		for _, n := range names {
			out = append(out, map[string]string{"name": n, "image": "img"})
		}
		return out
	}
	spec := map[string]any{"containers": list(p.containers)}
	if p.node != "" {
		spec["nodeName"] = p.node
	}
	if len(p.init) > 0 {
		spec["initContainers"] = list(p.init)
	}
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/pods", map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": p.name, "annotations": p.annotations},
		"spec":     spec,
	})
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// h1TLS is the test server's TLS configuration without HTTP/2, as a
// websocket client dials.
func (ts *testServer) h1TLS() *tls.Config {
	c := ts.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	c.NextProtos = nil
	return c
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": msg, "code": code})
}

func TestPodLogAndExecDiscovery(t *testing.T) {
	ts := startServer(t)
	var list struct {
		Resources []apiResource `json:"resources"`
	}
	ts.must(http.StatusOK, "GET", "/api/v1", nil).decode(t, &list)
	got := map[string]apiResource{}
	for _, r := range list.Resources {
		got[r.Name] = r
	}
	for name, want := range map[string]apiResource{
		"pods/log":  {Name: "pods/log", Namespaced: true, Kind: "Pod", Verbs: []string{"get"}},
		"pods/exec": {Name: "pods/exec", Namespaced: true, Kind: "PodExecOptions", Verbs: []string{"create", "get"}},
	} {
		if diff := cmp.Diff(want, got[name]); diff != "" {
			t.Errorf("discovery of %s: got %+v, want %+v (-want +got):\n%s", name, got[name], want, diff)
		}
	}
}
