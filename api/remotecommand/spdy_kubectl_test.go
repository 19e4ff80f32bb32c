package remotecommand

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// kubectlDir holds kubectl binaries of several minor versions, named
// kubectl.1.27 and so on.
const kubectlDir = "/usr/lib/google-cloud-sdk/bin"

const kubectlToken = "kubectl-token"

// kubectlAPI mimics the API server as far as `kubectl exec` goes: the pod
// it reads first, and the exec subresource, served by ServeExec directly.
type kubectlAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	upgrades []string // the Upgrade header of each exec request
	others   []string // requests for anything else
}

func newKubectlAPI(t *testing.T) *kubectlAPI {
	t.Helper()
	a := &kubectlAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/ns/pods/p", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1"},`+
			`"spec":{"containers":[{"name":"c","image":"busybox"}]},`+
			`"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"image":"busybox","imageID":"","restartCount":0,"state":{"running":{}}}]}}`)
	})
	mux.HandleFunc("/api/v1/namespaces/ns/pods/p/exec", a.exec)
	// Discovery, which kubectl reads to map "pods" to its resource.
	serveJSON := func(pattern, body string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		})
	}
	serveJSON("GET /api", `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`)
	serveJSON("GET /apis", `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`)
	serveJSON("GET /api/v1", `{"kind":"APIResourceList","groupVersion":"v1","resources":[`+
		`{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},`+
		`{"name":"pods/exec","singularName":"","namespaced":true,"kind":"PodExecOptions","verbs":["create","get"]}]}`)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.others = append(a.others, r.Method+" "+r.URL.Path)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
	})
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *kubectlAPI) exec(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+kubectlToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a.mu.Lock()
	a.upgrades = append(a.upgrades, r.Header.Get("Upgrade"))
	a.mu.Unlock()
	q := r.URL.Query()
	opts, err := ParseOptions(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := q["command"]
	ServeExec(w, r, opts, func(ctx context.Context, s Streams) (int, error) { //nolint:errcheck // kubectl sees what matters
		switch cmd[0] {
		case "fail":
			fmt.Fprintln(s.Stdout, "out")
			fmt.Fprintln(s.Stderr, "err")
			return 3, nil
		case "cat":
			_, err := io.Copy(s.Stdout, s.Stdin)
			return 0, err
		}
		return 0, fmt.Errorf("%s: executable file not found in $PATH", cmd[0])
	})
}

func (a *kubectlAPI) lastUpgrade() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.upgrades) == 0 {
		return ""
	}
	return a.upgrades[len(a.upgrades)-1]
}

func (a *kubectlAPI) kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: test
  user:
    token: %s
contexts:
- name: test
  context:
    cluster: test
    user: test
    namespace: ns
current-context: test
`, a.srv.URL, kubectlToken)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runKubectl runs kubectl and returns its stdout, stderr and exit code.
func runKubectl(t *testing.T, bin, kubeconfig, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	// A home of its own: no cache or config of the machine's user.
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &ee) && ctx.Err() == nil:
		return out.String(), errOut.String(), ee.ExitCode()
	}
	t.Fatalf("running %s %q: %v (stderr %q)", bin, args, err, errOut.String())
	return "", "", 0
}

// TestRealKubectlExec drives ServeExec with kubectl binaries: those before
// 1.30 speak SPDY only, later ones WebSocket.
func TestRealKubectlExec(t *testing.T) {
	if _, err := os.Stat(filepath.Join(kubectlDir, "kubectl.1.27")); err != nil {
		t.Skipf("no old kubectl binaries in %s", kubectlDir)
	}
	if testing.Short() {
		t.Skip("runs kubectl binaries")
	}
	a := newKubectlAPI(t)
	kc := a.kubeconfig(t)
	for _, v := range []struct {
		version string
		upgrade string
	}{{"1.27", "SPDY/3.1"}, {"1.28", "SPDY/3.1"}, {"1.29", "SPDY/3.1"}, {"1.32", "websocket"}} {
		bin := filepath.Join(kubectlDir, "kubectl."+v.version)
		t.Run(v.version, func(t *testing.T) {
			if _, err := os.Stat(bin); err != nil {
				t.Skipf("no %s", bin)
			}
			t.Run("exit code and output", func(t *testing.T) {
				stdout, stderr, code := runKubectl(t, bin, kc, "", "exec", "p", "--", "fail")
				if code != 3 {
					t.Errorf("got exit code %d, want 3 (stderr %q)", code, stderr)
				}
				if stdout != "out\n" {
					t.Errorf("got stdout %q, want %q", stdout, "out\n")
				}
				if !strings.HasPrefix(stderr, "err\n") {
					t.Errorf("got stderr %q, want it to start with %q", stderr, "err\n")
				}
				if got := a.lastUpgrade(); !strings.EqualFold(got, v.upgrade) {
					t.Errorf("got upgrade %q, want %q", got, v.upgrade)
				}
			})
			// The large stdin is several times SPDY's default 64 KiB window.
			for _, in := range []string{"hi\n", strings.Repeat("0123456789abcdef\n", 20000)} {
				t.Run(fmt.Sprintf("stdin of %d bytes", len(in)), func(t *testing.T) {
					stdout, stderr, code := runKubectl(t, bin, kc, in, "exec", "-i", "p", "--", "cat")
					if code != 0 {
						t.Errorf("got exit code %d, want 0 (stderr %q)", code, stderr)
					}
					if stdout != in {
						t.Errorf("got %d bytes of stdout, want the %d of stdin", len(stdout), len(in))
					}
					if stderr != "" {
						t.Errorf("got stderr %q, want none", stderr)
					}
				})
			}
		})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.others) > 0 {
		t.Logf("kubectl also asked for %q", a.others)
	}
	if b, _ := json.Marshal(a.upgrades); len(a.upgrades) == 0 {
		t.Errorf("got no exec requests, want some (%s)", b)
	}
}
