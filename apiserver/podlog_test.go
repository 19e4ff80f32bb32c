package apiserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
)

// logRequest is what the fake agent was asked.
type logRequest struct {
	Path  string
	Query url.Values
	Auth  string
}

func TestPodLogReachesAgent(t *testing.T) {
	ts := startServer(t)
	var mu sync.Mutex
	var last logRequest
	fakeAgent(t, ts, "n1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = logRequest{Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization")}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "log of %s\n", r.URL.Path)
	}))
	testPod{name: "one", node: "n1", containers: []string{"app"}}.create(t, ts)
	testPod{name: "two", node: "n1", init: []string{"setup"}, containers: []string{"app", "side"},
		annotations: map[string]string{core.DefaultContainerAnnotation: "side"}}.create(t, ts)

	tests := []struct {
		name      string
		pod       string
		query     string
		wantPath  string
		wantQuery url.Values
	}{
		{name: "the only container", pod: "one", wantPath: "/containerLogs/default/one/app", wantQuery: url.Values{}},
		{name: "every option", pod: "one", query: "container=app&follow=true&previous=1&timestamps=true&tailLines=5&sinceSeconds=30&limitBytes=100",
			wantPath: "/containerLogs/default/one/app",
			wantQuery: url.Values{"follow": {"true"}, "previous": {"true"}, "timestamps": {"true"},
				"tailLines": {"5"}, "sinceSeconds": {"30"}, "limitBytes": {"100"}}},
		{name: "false flags are left out", pod: "one", query: "follow=false&previous=0&tailLines=0",
			wantPath: "/containerLogs/default/one/app", wantQuery: url.Values{"tailLines": {"0"}}},
		{name: "since a time", pod: "one", query: "sinceTime=2024-01-02T03:04:05Z",
			wantPath: "/containerLogs/default/one/app", wantQuery: url.Values{"sinceTime": {"2024-01-02T03:04:05Z"}}},
		{name: "the annotated default", pod: "two", wantPath: "/containerLogs/default/two/side", wantQuery: url.Values{}},
		{name: "a named container", pod: "two", query: "container=app", wantPath: "/containerLogs/default/two/app", wantQuery: url.Values{}},
		{name: "an init container", pod: "two", query: "container=setup", wantPath: "/containerLogs/default/two/setup", wantQuery: url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.must(http.StatusOK, "GET", "/api/v1/namespaces/default/pods/"+tt.pod+"/log?"+tt.query, nil)
			if got, want := string(r.body), "log of "+tt.wantPath+"\n"; got != want {
				t.Errorf("body: got %q, want %q", got, want)
			}
			if got := r.header.Get("Content-Type"); got != "text/plain" {
				t.Errorf("Content-Type: got %q, want text/plain", got)
			}
			mu.Lock()
			got := last
			mu.Unlock()
			want := logRequest{Path: tt.wantPath, Query: tt.wantQuery, Auth: "Bearer " + ts.token}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("agent request: got %+v, want %+v (-want +got):\n%s", got, want, diff)
			}
		})
	}
}

// TestPodLogFollowStreams: a followed log reaches the client line by line,
// and outlives the request timeout.
func TestPodLogFollowStreams(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ts := startServerIn(t, shortTempDir(t), func(c *Config) { c.RequestTimeout = timeout })
	release := make(chan struct{})
	fakeAgent(t, ts, "n1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") != "true" {
			http.Error(w, "not followed", http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "first")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintln(w, "second")
	}))
	testPod{name: "p", node: "n1", containers: []string{"app"}}.create(t, ts)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"/api/v1/namespaces/default/pods/p/log?follow=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ts.token)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	// The agent holds the second line back until the first has arrived.
	if line, err := br.ReadString('\n'); line != "first\n" {
		t.Fatalf("first line: got %q (%v), want %q", line, err, "first\n")
	}
	// Longer than the request timeout, which must not end a followed log.
	<-time.After(2 * timeout)
	close(release)
	if line, err := br.ReadString('\n'); line != "second\n" {
		t.Fatalf("second line: got %q (%v), want %q", line, err, "second\n")
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the agent ended: got %q, %v; want the end of the stream", rest, err)
	}
}

func TestPodLogErrors(t *testing.T) {
	ts := startServer(t)
	fakeAgent(t, ts, "n1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/gone"):
			writeStatus(w, http.StatusNotFound, "NotFound", `container "gone" is not running`)
		case strings.HasSuffix(r.URL.Path, "/broken"):
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			fmt.Fprintln(w, "ok")
		}
	}))
	createNode(t, ts, "quiet", "127.0.0.1", 0)
	createNode(t, ts, "down", "127.0.0.1", closedPort(t))
	testPod{name: "one", node: "n1", containers: []string{"app", "gone", "broken"}, annotations: map[string]string{core.DefaultContainerAnnotation: "app"}}.create(t, ts)
	testPod{name: "two", node: "n1", init: []string{"setup"}, containers: []string{"a", "b"}}.create(t, ts)
	testPod{name: "pending", containers: []string{"app"}}.create(t, ts)
	testPod{name: "onquiet", node: "quiet", containers: []string{"app"}}.create(t, ts)
	testPod{name: "ondown", node: "down", containers: []string{"app"}}.create(t, ts)
	testPod{name: "onghost", node: "ghost", containers: []string{"app"}}.create(t, ts)

	pods := "/api/v1/namespaces/default/pods/"
	tests := []struct {
		name     string
		method   string
		path     string
		wantCode int
		wantMsg  string
	}{
		{name: "negative tailLines", path: pods + "one/log?tailLines=-1", wantCode: 422,
			wantMsg: `PodLogOptions "one" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{name: "zero sinceSeconds", path: pods + "one/log?sinceSeconds=0", wantCode: 422,
			wantMsg: `PodLogOptions "one" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0`},
		{name: "zero limitBytes", path: pods + "one/log?limitBytes=0", wantCode: 422,
			wantMsg: `PodLogOptions "one" is invalid: limitBytes: Invalid value: 0: must be greater than 0`},
		{name: "both since", path: pods + "one/log?sinceSeconds=5&sinceTime=2024-01-02T03:04:05Z", wantCode: 422,
			wantMsg: "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{name: "tailLines not a number", path: pods + "one/log?tailLines=ten", wantCode: 400, wantMsg: `tailLines "ten" is not an integer`},
		{name: "sinceTime not a time", path: pods + "one/log?sinceTime=yesterday", wantCode: 400, wantMsg: `sinceTime "yesterday" is not an RFC 3339 time`},
		{name: "container needed", path: pods + "two/log", wantCode: 400,
			wantMsg: "a container name must be specified for pod two, choose one of: [setup a b]"},
		{name: "unknown container", path: pods + "one/log?container=nope", wantCode: 400, wantMsg: "container nope is not valid for pod one"},
		{name: "no host", path: pods + "pending/log", wantCode: 400, wantMsg: "pod pending does not have a host assigned"},
		{name: "node without agent port", path: pods + "onquiet/log", wantCode: 503, wantMsg: "node quiet does not serve logs"},
		{name: "agent down", path: pods + "ondown/log", wantCode: 503, wantMsg: "error dialing the agent of node down"},
		{name: "node missing", path: pods + "onghost/log", wantCode: 404, wantMsg: `nodes "ghost" not found`},
		{name: "pod missing", path: pods + "nope/log", wantCode: 404, wantMsg: `pods "nope" not found`},
		{name: "agent Status", path: pods + "one/log?container=gone", wantCode: 404, wantMsg: `container "gone" is not running`},
		{name: "agent plain error", path: pods + "one/log?container=broken", wantCode: 500, wantMsg: "the agent of node n1 answered 500: boom"},
		{name: "not a pod", path: "/apis/apps/v1/namespaces/default/deployments/d/log", wantCode: 404},
		{name: "POST", method: "POST", path: pods + "one/log", wantCode: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			r := ts.do(method, tt.path, nil)
			if r.code != tt.wantCode {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tt.wantCode)
			}
			r.reason(t) // a Status
			var st struct{ Message string }
			r.decode(t, &st)
			if !strings.Contains(st.Message, tt.wantMsg) {
				t.Errorf("message: got %q, want it to contain %q", st.Message, tt.wantMsg)
			}
		})
	}
}
