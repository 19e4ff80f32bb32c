package ctl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// wharfLogs runs `wharf logs args` in a root of its own (the real root
// registers the command in main.go), printing errors as run does.
func wharfLogs(ctx context.Context, kubeconfig string, out, errOut io.Writer, args ...string) int {
	s := streams{in: strings.NewReader(""), out: out, errOut: errOut}
	g := &globalOptions{}
	root := &cobra.Command{Use: "wharf", SilenceErrors: true, SilenceUsage: true}
	g.addFlags(root.PersistentFlags())
	root.AddCommand(newLogsCommand(g, s))
	root.SetArgs(append([]string{"--kubeconfig", kubeconfig, "logs"}, args...))
	if err := root.ExecuteContext(ctx); err != nil {
		for _, e := range flatten(err) {
			fmt.Fprintln(errOut, errorLine(e))
		}
		return 1
	}
	return 0
}

// logsAgent is a node agent's log server on loopback, registered as node
// n1: it answers "NS/POD/CONTAINER QUERY" for every log, and serves the
// pod "follower" a line, then another once release is closed.
func logsAgent(t *testing.T, srv *apiservertest.Server, release <-chan struct{}) {
	t.Helper()
	cfg, _, err := client.ConfigFromKubeconfig(srv.Kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	agent := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+cfg.Token {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		if parts[1] == "follower" {
			fmt.Fprintln(w, "first")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			fmt.Fprintln(w, "second")
			return
		}
		fmt.Fprintf(w, "%s %s\n", strings.Join(parts, "/"), r.URL.RawQuery)
	}))
	agent.StartTLS()
	t.Cleanup(agent.Close)
	_, port, _ := net.SplitHostPort(agent.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	node := &core.Node{}
	node.Name = "n1"
	node.Status.Addresses = []core.NodeAddress{{Type: core.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(p)
	if _, err := client.For[core.Node](srv.Client).Create(context.Background(), "", node); err != nil {
		t.Fatal(err)
	}
}

// logsPod is a pod fixture: its containers, init containers after "|".
type logsPod struct {
	name       string
	node       string
	containers string // "app,side|setup"
	labels     map[string]string
	annotation string // the default container
	running    bool
}

func (lp logsPod) create(t *testing.T, cl *client.Client) {
	t.Helper()
	p := &core.Pod{}
	p.Name, p.Namespace, p.Labels = lp.name, "default", lp.labels
	if lp.annotation != "" {
		p.Annotations = map[string]string{core.DefaultContainerAnnotation: lp.annotation}
	}
	p.Spec.NodeName = lp.node
	main, init, _ := strings.Cut(lp.containers, "|")
	for _, n := range strings.Split(main, ",") {
		p.Spec.Containers = append(p.Spec.Containers, core.Container{Name: n, Image: "img"})
	}
	if init != "" {
		for _, n := range strings.Split(init, ",") {
			p.Spec.InitContainers = append(p.Spec.InitContainers, core.Container{Name: n, Image: "img"})
		}
	}
	pods := client.For[core.Pod](cl)
	created, err := pods.Create(context.Background(), "default", p)
	if err != nil {
		t.Fatalf("creating pod %s: %v", lp.name, err)
	}
	if lp.running {
		created.Status.Phase = core.PodRunning
		created.Status.Conditions = []core.PodCondition{{Type: core.PodReady, Status: core.ConditionTrue, LastTransitionTime: meta.NewTime(time.Now())}}
		if _, err := pods.UpdateStatus(context.Background(), created); err != nil {
			t.Fatalf("pod %s status: %v", lp.name, err)
		}
	}
}

func TestLogs(t *testing.T) {
	srv := apiservertest.Start(t)
	logsAgent(t, srv, nil)
	cl := srv.Client
	logsPod{name: "solo", node: "n1", containers: "app"}.create(t, cl)
	logsPod{name: "multi", node: "n1", containers: "app,side|setup"}.create(t, cl)
	logsPod{name: "annotated", node: "n1", containers: "app,side", annotation: "side"}.create(t, cl)
	logsPod{name: "web-a", containers: "app", labels: map[string]string{"app": "web"}}.create(t, cl)
	logsPod{name: "web-b", node: "n1", containers: "app", labels: map[string]string{"app": "web"}, running: true}.create(t, cl)
	createDeployment(t, cl, webDeployment(2, "app=img"))
	if _, err := client.For[core.ConfigMap](cl).Create(context.Background(), "default", &core.ConfigMap{ObjectMeta: meta.ObjectMeta{Name: "cm"}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{name: "a pod", args: []string{"solo"}, wantOut: "default/solo/app \n"},
		{name: "pod/NAME", args: []string{"pod/solo"}, wantOut: "default/solo/app \n"},
		{name: "every option", args: []string{"solo", "--tail", "5", "--timestamps", "--limit-bytes", "100", "-p", "--since", "90s"},
			wantOut: "default/solo/app limitBytes=100&previous=true&sinceSeconds=90&tailLines=5&timestamps=true\n"},
		{name: "since rounds up", args: []string{"solo", "--since=1500ms"}, wantOut: "default/solo/app sinceSeconds=2\n"},
		{name: "since a time", args: []string{"solo", "--since-time=2024-01-02T03:04:05Z"}, wantOut: "default/solo/app sinceTime=2024-01-02T03%3A04%3A05Z\n"},
		{name: "the first of several", args: []string{"multi"}, wantOut: "default/multi/app \n",
			wantErr: "Defaulted container \"app\" out of: app, side, setup (init)\n"},
		{name: "the annotated default", args: []string{"annotated"}, wantOut: "default/annotated/side \n"},
		{name: "-c", args: []string{"multi", "-c", "side"}, wantOut: "default/multi/side \n"},
		{name: "an inline container", args: []string{"multi", "setup"}, wantOut: "default/multi/setup \n"},
		{name: "all containers", args: []string{"multi", "--all-containers"},
			wantOut: "default/multi/setup \ndefault/multi/app \ndefault/multi/side \n"},
		{name: "all containers with prefixes", args: []string{"multi", "--all-containers", "--prefix", "--tail=1"},
			wantOut: "[pod/multi/setup] default/multi/setup tailLines=1\n[pod/multi/app] default/multi/app tailLines=1\n[pod/multi/side] default/multi/side tailLines=1\n"},
		{name: "a deployment's liveliest pod", args: []string{"deployment/web"}, wantOut: "default/web-b/app \n",
			wantErr: "Found 2 pods, using pod/web-b\n"},
		{name: "a pod that is missing", args: []string{"nope"}, wantErr: "Error from server (NotFound): pods \"nope\" not found\n"},
		{name: "a container that is missing", args: []string{"solo", "-c", "nope"}, wantErr: "Error from server (BadRequest): container nope is not valid for pod solo\n"},
		{name: "a pod on no node", args: []string{"web-a"}, wantErr: "Error from server (BadRequest): pod web-a does not have a host assigned\n"},
		{name: "a kind without pods", args: []string{"configmap/cm"}, wantErr: "error: a ConfigMap without a selector runs no pods\n"},
		{name: "no pod named", args: nil, wantErr: "error: " + logsUsage + "\n"},
		{name: "two containers named", args: []string{"multi", "app", "-c", "side"}, wantErr: "error: only one of -c or an inline [CONTAINER] arg is allowed\n"},
		{name: "all containers and one", args: []string{"multi", "--all-containers", "-c", "app"}, wantErr: "error: --all-containers=true should not be specified with container name app\n"},
		{name: "both since", args: []string{"solo", "--since=1m", "--since-time=2024-01-02T03:04:05Z"}, wantErr: "error: at most one of `sinceTime` or `sinceSeconds` may be specified\n"},
		{name: "tail below -1", args: []string{"solo", "--tail=-2"}, wantErr: "error: --tail must be greater than or equal to -1\n"},
		{name: "since-time not a time", args: []string{"solo", "--since-time=yesterday"}, wantErr: "error: --since-time \"yesterday\" is not an RFC 3339 time such as 2006-01-02T15:04:05Z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errOut bytes.Buffer
			code := wharfLogs(ctx, srv.Kubeconfig, &out, &errOut, tt.args...)
			wantCode := 0
			if strings.HasPrefix(tt.wantErr, "error:") || strings.HasPrefix(tt.wantErr, "Error from server") {
				wantCode = 1
			}
			if code != wantCode || out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out.String(), errOut.String(), wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// TestLogsFollow: -f prints each line as the agent writes it, and ends
// when the agent ends the log.
func TestLogsFollow(t *testing.T) {
	srv := apiservertest.Start(t)
	release := make(chan struct{})
	logsAgent(t, srv, release)
	logsPod{name: "follower", node: "n1", containers: "app"}.create(t, srv.Client)
	logsPod{name: "multi", node: "n1", containers: "app,side"}.create(t, srv.Client)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- wharfLogs(ctx, srv.Kubeconfig, &out, &errOut, "-f", "follower") }()
	// The agent holds the second line back until the first is printed.
	waitFor(t, "the first line", func() bool { return out.String() == "first\n" })
	close(release)
	select {
	case code := <-done:
		if code != 0 || out.String() != "first\nsecond\n" || errOut.String() != "" {
			t.Errorf("got exit %d, stdout %q, stderr %q; want exit 0, stdout %q", code, out.String(), errOut.String(), "first\nsecond\n")
		}
	case <-ctx.Done():
		t.Fatal("wharf logs -f did not end with the log")
	}

	t.Run("all containers at once", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := wharfLogs(ctx, srv.Kubeconfig, &out, &errOut, "-f", "--all-containers", "--prefix", "multi")
		lines := strings.SplitAfter(out.String(), "\n")
		slices.Sort(lines)
		want := []string{"", "[pod/multi/app] default/multi/app follow=true\n", "[pod/multi/side] default/multi/side follow=true\n"}
		if code != 0 || !slices.Equal(lines, want) {
			t.Errorf("got exit %d, lines %q, stderr %q; want exit 0, lines %q", code, lines, errOut.String(), want)
		}
	})
}
