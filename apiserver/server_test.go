package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const cms = "/api/v1/namespaces/default/configmaps"

func TestCRUDAndConflicts(t *testing.T) {
	ts := startServer(t)
	created := ts.must(http.StatusCreated, "POST", cms, configMap("a", map[string]string{"k": "v1"}))
	_, rv1, obj := metaOf(t, created)
	md := obj["metadata"].(map[string]any)
	if md["uid"] == "" || md["creationTimestamp"] == nil || rv1 == "" {
		t.Fatalf("created object lacks uid, creationTimestamp or resourceVersion: %v", md)
	}
	if r := ts.do("POST", cms, configMap("a", nil)); r.code != http.StatusConflict || r.reason(t) != "AlreadyExists" {
		t.Fatalf("second create: got %d %s, want 409 AlreadyExists", r.code, r.body)
	}

	got := ts.must(http.StatusOK, "GET", cms+"/a", nil)
	if _, rv, _ := metaOf(t, got); rv != rv1 {
		t.Errorf("get: resourceVersion %s, want %s", rv, rv1)
	}

	upd := configMap("a", map[string]string{"k": "v2"})
	upd["metadata"].(map[string]any)["resourceVersion"] = rv1
	_, rv2, _ := metaOf(t, ts.must(http.StatusOK, "PUT", cms+"/a", upd))
	if rv2 == rv1 {
		t.Fatal("update did not change resourceVersion")
	}
	// The same update again carries a stale resourceVersion.
	if r := ts.do("PUT", cms+"/a", upd); r.code != http.StatusConflict || r.reason(t) != "Conflict" {
		t.Fatalf("stale update: got %d %s, want 409 Conflict", r.code, r.body)
	}
	var cur struct {
		Data map[string]string `json:"data"`
	}
	ts.must(http.StatusOK, "GET", cms+"/a", nil).decode(t, &cur)
	if cur.Data["k"] != "v2" {
		t.Errorf("after stale update data = %v, want k=v2", cur.Data)
	}

	ts.must(http.StatusOK, "DELETE", cms+"/a", nil)
	if r := ts.do("GET", cms+"/a", nil); r.code != http.StatusNotFound || r.reason(t) != "NotFound" {
		t.Fatalf("get after delete: got %d %s, want 404 NotFound", r.code, r.body)
	}
	if r := ts.do("DELETE", cms+"/a", nil); r.code != http.StatusNotFound {
		t.Fatalf("second delete: got %d, want 404", r.code)
	}
}

func TestGenerateName(t *testing.T) {
	ts := startServer(t)
	obj := configMap("", nil)
	obj["metadata"] = map[string]any{"generateName": "gen-"}
	name, _, _ := metaOf(t, ts.must(http.StatusCreated, "POST", cms, obj))
	if !strings.HasPrefix(name, "gen-") || len(name) != len("gen-")+5 {
		t.Errorf("generated name %q, want gen- and 5 characters", name)
	}
}

func TestAuthentication(t *testing.T) {
	ts := startServer(t)
	for _, auth := range []string{"", "Bearer wrong-token", "Basic " + ts.token, "Bearer"} {
		req, _ := http.NewRequest("GET", ts.url+"/api/v1/namespaces", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: got %d, want 401", auth, resp.StatusCode)
		}
	}
	// Health needs no token, as in Kubernetes.
	resp, err := ts.client.Get(ts.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: got %d, want 200", resp.StatusCode)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	ts := startServer(t)
	_, rvBefore, _ := metaOf(t, ts.must(http.StatusOK, "GET", cms, nil))
	huge := configMap("big", map[string]string{"k": strings.Repeat("x", 4<<20)})
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		headers  []string
		code     int
		reason   string
		contains string
	}{
		{"malformed json", "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{`, nil, 400, "BadRequest", "malformed"},
		{"malformed yaml", "POST", cms, "metadata:\n  name: [x\n", []string{"Content-Type", "application/yaml"}, 400, "BadRequest", "malformed"},
		{"unknown field", "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"dta":{}}`, nil, 400, "BadRequest", `unknown field "dta"`},
		{"unknown nested field", "POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","imagePullPolicyy":"Always"}]}}`, nil, 400, "BadRequest", `spec.containers[0].imagePullPolicyy`},
		{"too large", "POST", cms, huge, nil, 413, "RequestEntityTooLarge", ""},
		{"invalid name", "POST", cms, configMap("Not_Valid", nil), nil, 422, "Invalid", "metadata.name"},
		{"wrong kind for endpoint", "POST", cms, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}`, nil, 400, "BadRequest", "endpoint"},
		{"namespace mismatch", "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}`, nil, 400, "BadRequest", "namespace"},
		{"missing namespace", "POST", "/api/v1/namespaces/nope/configmaps", configMap("x", nil), nil, 404, "NotFound", "nope"},
		{"unknown resource", "GET", "/api/v1/namespaces/default/widgets", nil, nil, 404, "NotFound", ""},
		{"bad label selector", "GET", cms + "?labelSelector=a%20in", nil, nil, 400, "BadRequest", "labelSelector"},
		{"unsupported field selector", "GET", "/api/v1/pods?fieldSelector=spec.image%3Dx", nil, nil, 400, "BadRequest", "field label not supported"},
		{"bad patch type", "PATCH", cms + "/x", `{}`, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(tt.method, tt.path, tt.body, tt.headers...)
			if r.code != tt.code {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tt.code)
			}
			if got := r.reason(t); got != tt.reason {
				t.Errorf("reason %q, want %q", got, tt.reason)
			}
			var st struct{ Message string }
			r.decode(t, &st)
			if !strings.Contains(st.Message, tt.contains) {
				t.Errorf("message %q does not mention %q", st.Message, tt.contains)
			}
		})
	}
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []any `json:"items"`
	}
	ts.must(http.StatusOK, "GET", cms, nil).decode(t, &list)
	if len(list.Items) != 0 || list.Metadata.ResourceVersion != rvBefore {
		t.Errorf("bad requests changed the store: %d items, resourceVersion %s (was %s)", len(list.Items), list.Metadata.ResourceVersion, rvBefore)
	}
}

func TestValidationNamesFields(t *testing.T) {
	ts := startServer(t)
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":70000}]}]}}`
	r := ts.do("POST", "/api/v1/namespaces/default/pods", pod)
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("got %d %s, want 422", r.code, r.body)
	}
	var st struct {
		Details struct {
			Causes []struct {
				Field string `json:"field"`
			} `json:"causes"`
		} `json:"details"`
	}
	r.decode(t, &st)
	var fieldsSeen []string
	for _, c := range st.Details.Causes {
		fieldsSeen = append(fieldsSeen, c.Field)
	}
	for _, want := range []string{"spec.containers[0].image", "spec.containers[0].ports[0].containerPort"} {
		found := false
		for _, f := range fieldsSeen {
			found = found || f == want
		}
		if !found {
			t.Errorf("causes %v do not name %s", fieldsSeen, want)
		}
	}
}

func TestSelectorsAndPagination(t *testing.T) {
	ts := startServer(t)
	for i := 0; i < 7; i++ {
		cm := configMap(fmt.Sprintf("cm-%d", i), nil)
		cm["metadata"].(map[string]any)["labels"] = map[string]string{"parity": []string{"even", "odd"}[i%2]}
		ts.must(http.StatusCreated, "POST", cms, cm)
	}
	names := func(r reply) []string {
		var l struct {
			Items []struct {
				Metadata struct{ Name string } `json:"metadata"`
			} `json:"items"`
		}
		r.decode(t, &l)
		var out []string
		for _, it := range l.Items {
			out = append(out, it.Metadata.Name)
		}
		return out
	}
	if got, want := names(ts.must(200, "GET", cms+"?labelSelector=parity%3Dodd", nil)), []string{"cm-1", "cm-3", "cm-5"}; !cmp.Equal(got, want) {
		t.Errorf("label selector: got %v, want %v", got, want)
	}
	if got, want := names(ts.must(200, "GET", cms+"?labelSelector=parity+notin+(odd)", nil)), []string{"cm-0", "cm-2", "cm-4", "cm-6"}; !cmp.Equal(got, want) {
		t.Errorf("set-based selector: got %v, want %v", got, want)
	}
	if got, want := names(ts.must(200, "GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-2", nil)), []string{"cm-2"}; !cmp.Equal(got, want) {
		t.Errorf("field selector across namespaces: got %v, want %v", got, want)
	}

	// Pages of 3 see one consistent snapshot even while writes happen.
	var all []string
	path := cms + "?limit=3"
	for pages := 0; ; pages++ {
		r := ts.must(200, "GET", path, nil)
		all = append(all, names(r)...)
		if pages == 0 {
			ts.must(http.StatusCreated, "POST", cms, configMap("cm-late", nil))
		}
		var l struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
		}
		r.decode(t, &l)
		if l.Metadata.Continue == "" {
			break
		}
		path = cms + "?limit=3&continue=" + l.Metadata.Continue
	}
	want := []string{"cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"}
	if !cmp.Equal(all, want) {
		t.Errorf("paged list: got %v, want %v", all, want)
	}
	if r := ts.do("GET", cms+"?limit=3&continue=garbage", nil); r.code != 400 {
		t.Errorf("bad continue token: got %d, want 400", r.code)
	}
}

func TestWatchResumeAndExpired(t *testing.T) {
	ts := startServer(t)
	_, rv0, _ := metaOf(t, ts.must(http.StatusCreated, "POST", cms, configMap("w0", nil)))
	ts.must(http.StatusCreated, "POST", cms, configMap("w1", nil))
	ts.must(http.StatusOK, "PATCH", cms+"/w1", `{"data":{"a":"b"}}`, "Content-Type", "application/merge-patch+json")
	ts.must(http.StatusOK, "DELETE", cms+"/w0", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, closeWatch := ts.watchStream(ctx, cms+"?watch=true&resourceVersion="+rv0)
	want := []string{"ADDED w1", "MODIFIED w1", "DELETED w0"}
	var got []string
	for len(got) < len(want) {
		typ, obj, ok := next()
		if !ok {
			t.Fatalf("watch ended after %v", got)
		}
		got = append(got, typ+" "+obj["metadata"].(map[string]any)["name"].(string))
	}
	closeWatch()
	if !cmp.Equal(got, want) {
		t.Errorf("resumed watch: got %v, want %v", got, want)
	}

	// After compaction past rv0, resuming from it answers 410 Expired.
	rev, err := ts.srv.store.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.store.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	ts.srv.trimCaches(rev)
	next, closeWatch = ts.watchStream(ctx, cms+"?watch=true&resourceVersion="+rv0)
	defer closeWatch()
	typ, obj, ok := next()
	if !ok || typ != "ERROR" || obj["code"] != float64(410) || obj["reason"] != "Expired" {
		t.Fatalf("watch from a compacted revision: got %s %v, want ERROR 410 Expired", typ, obj)
	}
	// A paged list continued from before the compaction is expired too.
	r := ts.do("GET", cms+"?limit=1&resourceVersion="+rv0, nil)
	if r.code != http.StatusGone {
		t.Errorf("list at a compacted revision: got %d %s, want 410", r.code, r.body)
	}
}

func TestWatchFromNowSendsExistingThenChanges(t *testing.T) {
	ts := startServer(t)
	ts.must(http.StatusCreated, "POST", cms, configMap("old", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	next, closeWatch := ts.watchStream(ctx, cms+"?watch=true&labelSelector=keep%3Dyes")
	defer closeWatch()
	cm := configMap("new", nil)
	cm["metadata"].(map[string]any)["labels"] = map[string]string{"keep": "yes"}
	ts.must(http.StatusCreated, "POST", cms, cm)
	// Relabelling it out of the selector is a DELETED for this watcher.
	ts.must(http.StatusOK, "PATCH", cms+"/new", `{"metadata":{"labels":{"keep":"no"}}}`, "Content-Type", "application/merge-patch+json")
	var got []string
	for len(got) < 2 {
		typ, obj, ok := next()
		if !ok {
			t.Fatalf("watch ended after %v", got)
		}
		got = append(got, typ+" "+obj["metadata"].(map[string]any)["name"].(string))
	}
	if want := []string{"ADDED new", "DELETED new"}; !cmp.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPatchTypes(t *testing.T) {
	ts := startServer(t)
	pods := "/api/v1/namespaces/default/pods"
	ts.must(http.StatusCreated, "POST", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1"}},
		"spec":{"containers":[{"name":"web","image":"web:1","env":[{"name":"X","value":"1"}]},{"name":"side","image":"side:1"}]}}`)
	type pod struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Containers []struct {
				Name  string `json:"name"`
				Image string `json:"image"`
				Env   []struct{ Name, Value string }
			} `json:"containers"`
		} `json:"spec"`
	}
	tests := []struct {
		name, contentType, patch string
		check                    func(p pod) string
	}{
		{"merge patch sets and deletes labels", "application/merge-patch+json", `{"metadata":{"labels":{"a":null,"b":"2"}}}`,
			func(p pod) string {
				return cmp.Diff(map[string]string{"b": "2"}, p.Metadata.Labels)
			}},
		{"json patch replaces one image", "application/json-patch+json", `[{"op":"test","path":"/spec/containers/1/name","value":"side"},{"op":"replace","path":"/spec/containers/1/image","value":"side:2"}]`,
			func(p pod) string { return cmp.Diff("side:2", p.Spec.Containers[1].Image) }},
		{"strategic merge patch merges containers by name", "application/strategic-merge-patch+json", `{"spec":{"containers":[{"name":"web","image":"web:2"}]}}`,
			func(p pod) string {
				if len(p.Spec.Containers) != 2 {
					return fmt.Sprintf("got %d containers, want 2", len(p.Spec.Containers))
				}
				return cmp.Diff([]string{"web:2", "side:2", "X"}, []string{p.Spec.Containers[0].Image, p.Spec.Containers[1].Image, p.Spec.Containers[0].Env[0].Name})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p pod
			ts.must(http.StatusOK, "PATCH", pods+"/p", tt.patch, "Content-Type", tt.contentType).decode(t, &p)
			if d := tt.check(p); d != "" {
				t.Error(d)
			}
		})
	}
	// A failing json-patch test operation changes nothing.
	r := ts.do("PATCH", pods+"/p", `[{"op":"test","path":"/spec/containers/0/image","value":"nope"},{"op":"replace","path":"/spec/containers/0/image","value":"x:1"}]`, "Content-Type", "application/json-patch+json")
	if r.code == http.StatusOK {
		t.Fatalf("failing test op: got 200, want an error")
	}
	var p pod
	ts.must(http.StatusOK, "GET", pods+"/p", nil).decode(t, &p)
	if p.Spec.Containers[0].Image != "web:2" {
		t.Errorf("image after failed patch = %s, want web:2", p.Spec.Containers[0].Image)
	}
	// A patch carrying a stale resourceVersion is a conflict.
	r = ts.do("PATCH", pods+"/p", `{"metadata":{"resourceVersion":"1"},"spec":{"activeDeadlineSeconds":5}}`, "Content-Type", "application/merge-patch+json")
	if r.code != http.StatusConflict {
		t.Errorf("stale patch: got %d %s, want 409", r.code, r.body)
	}
}

func TestStatusSubresourceAndGeneration(t *testing.T) {
	ts := startServer(t)
	deps := "/apis/apps/v1/namespaces/default/deployments"
	dep := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},
		"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"img:1"}]}}},"status":{"replicas":9}}`
	type deployment struct {
		Metadata struct {
			Generation int64 `json:"generation"`
		} `json:"metadata"`
		Spec struct {
			Replicas int `json:"replicas"`
		} `json:"spec"`
		Status struct {
			Replicas int `json:"replicas"`
		} `json:"status"`
	}
	var d deployment
	ts.must(http.StatusCreated, "POST", deps, dep).decode(t, &d)
	if d.Metadata.Generation != 1 || d.Status.Replicas != 0 {
		t.Errorf("created: generation %d, status.replicas %d; want 1 and 0 (status is not set on create)", d.Metadata.Generation, d.Status.Replicas)
	}
	// /status changes status only.
	ts.must(http.StatusOK, "PATCH", deps+"/d/status", `{"spec":{"replicas":5},"status":{"replicas":2}}`, "Content-Type", "application/merge-patch+json").decode(t, &d)
	if d.Spec.Replicas != 2 || d.Status.Replicas != 2 || d.Metadata.Generation != 1 {
		t.Errorf("after status patch: spec.replicas %d status.replicas %d generation %d; want 2 2 1", d.Spec.Replicas, d.Status.Replicas, d.Metadata.Generation)
	}
	// The main resource changes everything but status; a spec change bumps generation.
	ts.must(http.StatusOK, "PATCH", deps+"/d", `{"spec":{"replicas":3},"status":{"replicas":7}}`, "Content-Type", "application/merge-patch+json").decode(t, &d)
	if d.Spec.Replicas != 3 || d.Status.Replicas != 2 || d.Metadata.Generation != 2 {
		t.Errorf("after spec patch: spec.replicas %d status.replicas %d generation %d; want 3 2 2", d.Spec.Replicas, d.Status.Replicas, d.Metadata.Generation)
	}
	// A metadata-only change does not.
	ts.must(http.StatusOK, "PATCH", deps+"/d", `{"metadata":{"labels":{"x":"y"}}}`, "Content-Type", "application/merge-patch+json").decode(t, &d)
	if d.Metadata.Generation != 2 {
		t.Errorf("after label patch: generation %d, want 2", d.Metadata.Generation)
	}
	// Immutable selector.
	r := ts.do("PATCH", deps+"/d", `{"spec":{"selector":{"matchLabels":{"app":"e"}},"template":{"metadata":{"labels":{"app":"e"}}}}}`, "Content-Type", "application/merge-patch+json")
	if r.code != http.StatusUnprocessableEntity {
		t.Errorf("changing the selector: got %d %s, want 422", r.code, r.body)
	}
}

func TestFinalizersHoldDeletion(t *testing.T) {
	ts := startServer(t)
	cm := configMap("f", nil)
	cm["metadata"].(map[string]any)["finalizers"] = []string{"example.com/hold"}
	ts.must(http.StatusCreated, "POST", cms, cm)
	var obj struct {
		Metadata struct {
			DeletionTimestamp *string  `json:"deletionTimestamp"`
			Finalizers        []string `json:"finalizers"`
		} `json:"metadata"`
	}
	ts.must(http.StatusOK, "DELETE", cms+"/f", nil).decode(t, &obj)
	if obj.Metadata.DeletionTimestamp == nil {
		t.Fatal("delete of an object with finalizers did not set deletionTimestamp")
	}
	ts.must(http.StatusOK, "GET", cms+"/f", nil)
	ts.must(http.StatusOK, "PATCH", cms+"/f", `{"metadata":{"finalizers":null}}`, "Content-Type", "application/merge-patch+json")
	if r := ts.do("GET", cms+"/f", nil); r.code != http.StatusNotFound {
		t.Errorf("after the last finalizer went: got %d, want 404", r.code)
	}
}

func TestPodGracefulDeletion(t *testing.T) {
	ts := startServer(t)
	pods := "/api/v1/namespaces/default/pods"
	ts.must(http.StatusCreated, "POST", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bound"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`)
	ts.must(http.StatusCreated, "POST", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pending"},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	// An unscheduled pod goes at once; a bound one waits for its node.
	ts.must(http.StatusOK, "DELETE", pods+"/pending", nil)
	if r := ts.do("GET", pods+"/pending", nil); r.code != http.StatusNotFound {
		t.Errorf("unscheduled pod after delete: got %d, want 404", r.code)
	}
	var p struct {
		Metadata struct {
			DeletionGracePeriodSeconds *int64 `json:"deletionGracePeriodSeconds"`
		} `json:"metadata"`
	}
	ts.must(http.StatusOK, "DELETE", pods+"/bound", nil).decode(t, &p)
	if p.Metadata.DeletionGracePeriodSeconds == nil || *p.Metadata.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("bound pod: deletionGracePeriodSeconds %v, want 30", p.Metadata.DeletionGracePeriodSeconds)
	}
	ts.must(http.StatusOK, "GET", pods+"/bound", nil)
	ts.must(http.StatusOK, "DELETE", pods+"/bound?gracePeriodSeconds=0", nil)
	if r := ts.do("GET", pods+"/bound", nil); r.code != http.StatusNotFound {
		t.Errorf("bound pod after delete with grace 0: got %d, want 404", r.code)
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	ts := startServer(t)
	ts.must(http.StatusCreated, "POST", cms, configMap("counter", map[string]string{"n": "0"}))
	const writers, each = 50, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for attempt := 0; ; attempt++ {
					if attempt > 500 {
						errs <- fmt.Errorf("writer gave up after %d conflicts", attempt)
						return
					}
					var cur map[string]any
					r := ts.do("GET", cms+"/counter", nil)
					if r.code != 200 {
						errs <- fmt.Errorf("get: %d", r.code)
						return
					}
					if err := json.Unmarshal(r.body, &cur); err != nil {
						errs <- err
						return
					}
					data := cur["data"].(map[string]any)
					n, _ := strconv.Atoi(data["n"].(string))
					data["n"] = strconv.Itoa(n + 1)
					r = ts.do("PUT", cms+"/counter", cur)
					if r.code == http.StatusConflict {
						continue
					}
					if r.code != http.StatusOK {
						errs <- fmt.Errorf("put: %d %s", r.code, r.body)
						return
					}
					mu.Lock()
					acked++
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var final struct {
		Data map[string]string `json:"data"`
	}
	ts.must(http.StatusOK, "GET", cms+"/counter", nil).decode(t, &final)
	if final.Data["n"] != strconv.Itoa(acked) || acked != writers*each {
		t.Errorf("counter = %s after %d acknowledged increments, want %d", final.Data["n"], acked, writers*each)
	}
}

func TestRestartLosesNothing(t *testing.T) {
	dir := shortTempDir(t)
	ts := startServerIn(t, dir, nil)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"keep"}}`)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/keep/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"password":"hunter2"}}`)
	token := ts.token
	ts.stop()

	ts2 := startServerIn(t, dir, nil)
	if ts2.token != token {
		t.Error("the admin token changed across a restart")
	}
	var s struct {
		Data map[string][]byte `json:"data"`
	}
	ts2.must(http.StatusOK, "GET", "/api/v1/namespaces/keep/secrets/s", nil).decode(t, &s)
	if string(s.Data["password"]) != "hunter2" {
		t.Errorf("secret after restart: %q, want hunter2", s.Data["password"])
	}
}

func TestDiscoveryAndVersion(t *testing.T) {
	ts := startServer(t)
	var core struct {
		Resources []struct {
			Name       string   `json:"name"`
			ShortNames []string `json:"shortNames"`
			Namespaced bool     `json:"namespaced"`
		} `json:"resources"`
	}
	ts.must(200, "GET", "/api/v1", nil).decode(t, &core)
	found := map[string]bool{}
	for _, r := range core.Resources {
		found[r.Name] = true
	}
	for _, want := range []string{"pods", "pods/status", "namespaces", "nodes", "services", "configmaps", "secrets", "events", "endpoints"} {
		if !found[want] {
			t.Errorf("/api/v1 lacks %s", want)
		}
	}
	var groups struct {
		Groups []struct{ Name string } `json:"groups"`
	}
	ts.must(200, "GET", "/apis", nil).decode(t, &groups)
	var gnames []string
	for _, g := range groups.Groups {
		gnames = append(gnames, g.Name)
	}
	if !cmp.Equal(gnames, []string{"apps", "batch", "coordination.k8s.io"}) {
		t.Errorf("/apis groups = %v", gnames)
	}
	ts.must(200, "GET", "/apis/apps/v1", nil)
	var v struct{ Major, Minor string }
	ts.must(200, "GET", "/version", nil).decode(t, &v)
	if v.Major != "1" || v.Minor == "" {
		t.Errorf("/version = %+v", v)
	}
}

func TestTablesAndMetrics(t *testing.T) {
	ts := startServer(t)
	ts.must(http.StatusCreated, "POST", cms, configMap("t", map[string]string{"a": "1", "b": "2"}))
	var table struct {
		Kind    string `json:"kind"`
		Columns []struct {
			Name string `json:"name"`
		} `json:"columnDefinitions"`
		Rows []struct {
			Cells []any `json:"cells"`
		} `json:"rows"`
	}
	ts.must(200, "GET", cms, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").decode(t, &table)
	if table.Kind != "Table" || len(table.Rows) != 1 || len(table.Rows[0].Cells) != len(table.Columns) {
		t.Fatalf("table: %+v", table)
	}
	if table.Rows[0].Cells[0] != "t" {
		t.Errorf("first cell %v, want the name t", table.Rows[0].Cells[0])
	}
	m := ts.must(200, "GET", "/metrics", nil)
	if !strings.Contains(string(m.body), `apiserver_request_total{code="201",resource="configmaps",subresource="",verb="POST"} 1`) {
		t.Errorf("/metrics lacks the create counter")
	}
	if !strings.Contains(string(m.body), "apiserver_request_duration_seconds_bucket") {
		t.Errorf("/metrics lacks the latency histogram")
	}
}

// TestManyWatchers: hundreds of watchers of one resource are served from
// the watch cache, and every one of them sees the same change.
func TestManyWatchers(t *testing.T) {
	ts := startServer(t)
	const watchers = 300
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, rv, _ := metaOf(t, ts.must(http.StatusOK, "GET", cms, nil))
	nexts := make([]func() (string, map[string]any, bool), watchers)
	for i := range nexts {
		next, closeWatch := ts.watchStream(ctx, cms+"?watch=true&resourceVersion="+rv)
		defer closeWatch()
		nexts[i] = next
	}
	ts.must(http.StatusCreated, "POST", cms, configMap("seen-by-all", nil))
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := 0
	for _, next := range nexts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			typ, obj, ok := next()
			if ok && typ == "ADDED" && obj["metadata"].(map[string]any)["name"] == "seen-by-all" {
				mu.Lock()
				seen++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if seen != watchers {
		t.Errorf("%d of %d watchers saw the change", seen, watchers)
	}
}

// TestJobWithGenerateName: what a kind derives from the name on create (a
// Job's job-name label) sees the generated name.
func TestJobWithGenerateName(t *testing.T) {
	ts := startServer(t)
	var job struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Metadata struct {
					Labels map[string]string `json:"labels"`
				} `json:"metadata"`
			} `json:"template"`
		} `json:"spec"`
	}
	ts.must(http.StatusCreated, "POST", "/apis/batch/v1/namespaces/default/jobs", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"generateName":"pi-"},
		"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}`).decode(t, &job)
	if got := job.Spec.Template.Metadata.Labels["job-name"]; got == "" || got != job.Metadata.Name {
		t.Errorf("job %s has template label job-name=%q", job.Metadata.Name, got)
	}
}

// TestUIDPrecondition: a write naming another uid than the object's (it was
// deleted and recreated since the client read it) is a Conflict.
func TestUIDPrecondition(t *testing.T) {
	ts := startServer(t)
	ts.must(http.StatusCreated, "POST", cms, configMap("u", nil))
	r := ts.do("PATCH", cms+"/u", `{"metadata":{"uid":"00000000-0000-4000-8000-000000000000","labels":{"a":"b"}}}`, "Content-Type", "application/merge-patch+json")
	if r.code != http.StatusConflict {
		t.Fatalf("patch with another uid: got %d %s, want 409", r.code, r.body)
	}
}
