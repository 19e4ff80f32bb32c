package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/kubeconfig"
	"github.com/wharf/wharf/api/meta"
)

func TestRequests(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, testWidget("default", "w1", "7"))
	}}
	_, cfg := newTestServer(t, rec)
	c := newTestClient(t, cfg)
	widgets := For[widget](c)
	gadgets := For[gadget](c)
	dyn := c.Dynamic(widgetResource)
	ctx := context.Background()
	orphan := meta.DeletePropagationOrphan

	tests := []struct {
		name string
		call func() error
		want seen // Auth, UserAgent and ProtoMajor are checked for all
	}{
		{
			name: "get namespaced",
			call: func() error { _, err := widgets.Get(ctx, "default", "w1"); return err },
			want: seen{Method: "GET", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json"},
		},
		{
			name: "get escapes the name",
			call: func() error { _, err := widgets.Get(ctx, "default", "a/b c"); return err },
			want: seen{Method: "GET", Path: "/api/v1/namespaces/default/widgets/a%2Fb%20c", Accept: "application/json"},
		},
		{
			name: "get cluster-scoped ignores the namespace",
			call: func() error { _, err := gadgets.Get(ctx, "default", "g1"); return err },
			want: seen{Method: "GET", Path: "/apis/example.com/v1alpha1/gadgets/g1", Accept: "application/json"},
		},
		{
			name: "list in a namespace with every option",
			call: func() error {
				_, err := widgets.List(ctx, "prod", ListOptions{LabelSelector: "app=web,tier in (a,b)", FieldSelector: "spec.nodeName=",
					ResourceVersion: "0", Limit: 50, Continue: "tok", TimeoutSeconds: 30})
				return err
			},
			want: seen{Method: "GET", Path: "/api/v1/namespaces/prod/widgets", Accept: "application/json", Query: url.Values{
				"labelSelector": {"app=web,tier in (a,b)"}, "fieldSelector": {"spec.nodeName="}, "resourceVersion": {"0"},
				"limit": {"50"}, "continue": {"tok"}, "timeoutSeconds": {"30"},
			}},
		},
		{
			name: "list across namespaces",
			call: func() error { _, err := widgets.List(ctx, "", ListOptions{}); return err },
			want: seen{Method: "GET", Path: "/api/v1/widgets", Accept: "application/json"},
		},
		{
			name: "list cluster-scoped",
			call: func() error { _, err := gadgets.List(ctx, "ignored", ListOptions{LabelSelector: "x"}); return err },
			want: seen{Method: "GET", Path: "/apis/example.com/v1alpha1/gadgets", Accept: "application/json", Query: url.Values{"labelSelector": {"x"}}},
		},
		{
			name: "create takes the object's namespace and fills in the type",
			call: func() error {
				w := &widget{ObjectMeta: meta.ObjectMeta{Namespace: "prod", Name: "w1"}, Spec: widgetSpec{Size: 3}}
				_, err := widgets.Create(ctx, "", w)
				if w.Kind != "" || w.APIVersion != "" {
					t.Errorf("Create changed the caller's TypeMeta to %+v", w.TypeMeta)
				}
				return err
			},
			want: seen{Method: "POST", Path: "/api/v1/namespaces/prod/widgets", Accept: "application/json", ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"Widget","metadata":{"name":"w1","namespace":"prod","creationTimestamp":null},"spec":{"size":3}}`},
		},
		{
			name: "create cluster-scoped",
			call: func() error {
				_, err := gadgets.Create(ctx, "", &gadget{ObjectMeta: meta.ObjectMeta{Name: "g1"}})
				return err
			},
			want: seen{Method: "POST", Path: "/apis/example.com/v1alpha1/gadgets", Accept: "application/json", ContentType: "application/json",
				Body: `{"apiVersion":"example.com/v1alpha1","kind":"Gadget","metadata":{"name":"g1","creationTimestamp":null}}`},
		},
		{
			name: "update",
			call: func() error { _, err := widgets.Update(ctx, testWidget("default", "w1", "7")); return err },
			want: seen{Method: "PUT", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json", ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"Widget","metadata":{"name":"w1","namespace":"default","resourceVersion":"7","creationTimestamp":null},"spec":{}}`},
		},
		{
			name: "update status",
			call: func() error { _, err := widgets.UpdateStatus(ctx, testWidget("default", "w1", "7")); return err },
			want: seen{Method: "PUT", Path: "/api/v1/namespaces/default/widgets/w1/status", Accept: "application/json", ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"Widget","metadata":{"name":"w1","namespace":"default","resourceVersion":"7","creationTimestamp":null},"spec":{}}`},
		},
		{
			name: "merge patch",
			call: func() error {
				_, err := widgets.Patch(ctx, "default", "w1", MergePatch, []byte(`{"spec":{"size":2}}`))
				return err
			},
			want: seen{Method: "PATCH", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json",
				ContentType: "application/merge-patch+json", Body: `{"spec":{"size":2}}`},
		},
		{
			name: "strategic merge patch of a subresource",
			call: func() error {
				_, err := widgets.Patch(ctx, "default", "w1", StrategicMergePatch, []byte(`{"spec":{"replicas":2}}`), "scale")
				return err
			},
			want: seen{Method: "PATCH", Path: "/api/v1/namespaces/default/widgets/w1/scale", Accept: "application/json",
				ContentType: "application/strategic-merge-patch+json", Body: `{"spec":{"replicas":2}}`},
		},
		{
			name: "json patch of a cluster-scoped object",
			call: func() error {
				_, err := gadgets.Patch(ctx, "", "g1", JSONPatch, []byte(`[{"op":"remove","path":"/metadata/labels"}]`))
				return err
			},
			want: seen{Method: "PATCH", Path: "/apis/example.com/v1alpha1/gadgets/g1", Accept: "application/json",
				ContentType: "application/json-patch+json", Body: `[{"op":"remove","path":"/metadata/labels"}]`},
		},
		{
			name: "delete without options",
			call: func() error { return widgets.Delete(ctx, "default", "w1", nil) },
			want: seen{Method: "DELETE", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json"},
		},
		{
			name: "delete with options",
			call: func() error {
				return widgets.Delete(ctx, "default", "w1", &meta.DeleteOptions{PropagationPolicy: &orphan})
			},
			want: seen{Method: "DELETE", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json",
				ContentType: "application/json", Body: `{"propagationPolicy":"Orphan"}`},
		},
		{
			name: "watch",
			call: func() error {
				w, err := widgets.Watch(ctx, "default", ListOptions{ResourceVersion: "5", AllowWatchBookmarks: true, LabelSelector: "a=b"})
				if err != nil {
					return err
				}
				w.Stop()
				return nil
			},
			want: seen{Method: "GET", Path: "/api/v1/namespaces/default/widgets", Accept: "application/json", Query: url.Values{
				"watch": {"true"}, "resourceVersion": {"5"}, "allowWatchBookmarks": {"true"}, "labelSelector": {"a=b"},
			}},
		},
		{
			name: "watch across namespaces",
			call: func() error {
				w, err := widgets.Watch(ctx, "", ListOptions{})
				if err != nil {
					return err
				}
				w.Stop()
				return nil
			},
			want: seen{Method: "GET", Path: "/api/v1/widgets", Accept: "application/json", Query: url.Values{"watch": {"true"}}},
		},
		{
			name: "dynamic get",
			call: func() error { _, err := dyn.Get(ctx, "default", "w1"); return err },
			want: seen{Method: "GET", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json"},
		},
		{
			name: "dynamic list",
			call: func() error { _, err := dyn.List(ctx, "", ListOptions{Limit: 2}); return err },
			want: seen{Method: "GET", Path: "/api/v1/widgets", Accept: "application/json", Query: url.Values{"limit": {"2"}}},
		},
		{
			name: "dynamic create",
			call: func() error { _, err := dyn.Create(ctx, "default", []byte(`{"kind":"Widget"}`)); return err },
			want: seen{Method: "POST", Path: "/api/v1/namespaces/default/widgets", Accept: "application/json", ContentType: "application/json", Body: `{"kind":"Widget"}`},
		},
		{
			name: "dynamic update of a subresource",
			call: func() error { _, err := dyn.Update(ctx, "default", "w1", []byte(`{}`), "status"); return err },
			want: seen{Method: "PUT", Path: "/api/v1/namespaces/default/widgets/w1/status", Accept: "application/json", ContentType: "application/json", Body: `{}`},
		},
		{
			name: "dynamic patch",
			call: func() error { _, err := dyn.Patch(ctx, "default", "w1", MergePatch, []byte(`{}`)); return err },
			want: seen{Method: "PATCH", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json", ContentType: "application/merge-patch+json", Body: `{}`},
		},
		{
			name: "dynamic delete",
			call: func() error { _, err := dyn.Delete(ctx, "default", "w1", nil); return err },
			want: seen{Method: "DELETE", Path: "/api/v1/namespaces/default/widgets/w1", Accept: "application/json"},
		},
		{
			name: "raw table request",
			call: func() error {
				_, _, err := c.Do(ctx, "GET", "/api/v1/namespaces/default/widgets", url.Values{"limit": {"500"}}, "", nil, AcceptTable)
				return err
			},
			want: seen{Method: "GET", Path: "/api/v1/namespaces/default/widgets", Accept: AcceptTable, Query: url.Values{"limit": {"500"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.requests())
			if err := tt.call(); err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			reqs := rec.requests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.Auth != "Bearer s3cret" || got.UserAgent != "wharf-test" || got.ProtoMajor != 2 {
				t.Errorf("got Authorization %q, User-Agent %q, HTTP/%d; want \"Bearer s3cret\", \"wharf-test\", HTTP/2",
					got.Auth, got.UserAgent, got.ProtoMajor)
			}
			got.Auth, got.UserAgent, got.ProtoMajor = "", "", 0
			if len(got.Query) == 0 {
				got.Query = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplyDecoding(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/namespaces/default/widgets" {
			l := widgetList("42", testWidget("default", "a", "40").onNode("n1"), testWidget("default", "b", "41"))
			l.Continue = "next"
			writeJSON(w, http.StatusOK, l)
			return
		}
		writeJSON(w, http.StatusOK, testWidget("default", "a", "40").onNode("n1"))
	}}
	_, cfg := newTestServer(t, rec)
	widgets := For[widget](newTestClient(t, cfg))
	ctx := context.Background()

	got, err := widgets.Get(ctx, "default", "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testWidget("default", "a", "40").onNode("n1"), got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	l, err := widgets.List(ctx, "default", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.ResourceVersion != "42" || l.Continue != "next" || len(l.Items) != 2 || l.Items[1].Name != "b" {
		t.Errorf("List: got rv %q continue %q items %+v, want 42, next, [a b]", l.ResourceVersion, l.Continue, l.Items)
	}
	raw, err := newTestClient(t, cfg).Dynamic(widgetResource).Get(ctx, "default", "a")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m["kind"] != "Widget" {
		t.Errorf("Dynamic Get: got %s (%v), want the raw Widget", raw, err)
	}
}

func TestClientSideErrors(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) }}
	_, cfg := newTestServer(t, rec)
	c := newTestClient(t, cfg)
	widgets := For[widget](c)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"get without namespace", func() error { _, err := widgets.Get(ctx, "", "w1"); return err }, `widgets "w1": a namespace is required`},
		{"get without name", func() error { _, err := widgets.Get(ctx, "default", ""); return err }, "widgets: a name is required"},
		{"create without namespace", func() error { _, err := widgets.Create(ctx, "", &widget{}); return err }, "a namespace is required to create"},
		{"update without namespace", func() error { _, err := widgets.Update(ctx, testWidget("", "w", "1")); return err }, "a namespace is required"},
		{"dynamic delete without name", func() error { _, err := c.Dynamic(widgetResource).Delete(ctx, "ns", "", nil); return err }, "a name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("got %d requests sent, want none", n)
	}
}

func TestForPanicsOnUnknownKind(t *testing.T) {
	type stranger struct {
		meta.TypeMeta
		meta.ObjectMeta
	}
	c, err := New(&Config{Server: "https://127.0.0.1:1"}, testScheme())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Errorf("For[stranger]: got no panic, want one")
		}
	}()
	For[stranger](c)
}

func TestServerErrors(t *testing.T) {
	invalid := statusBody(422, meta.StatusReasonInvalid, `Widget "w1" is invalid: spec.size: Invalid value: -1`)
	invalid.Details = &meta.StatusDetails{Name: "w1", Kind: "Widget", Causes: []meta.StatusCause{{Type: "FieldValueInvalid", Field: "spec.size", Message: "Invalid value: -1"}}}
	tests := []struct {
		name     string
		code     int
		body     any // JSON-encoded unless a string
		is       error
		wantCode int
		wantMsg  string
	}{
		{"not found", 404, statusBody(404, meta.StatusReasonNotFound, `widgets "w1" not found`), errdefs.ErrNotFound, 404, `widgets "w1" not found`},
		{"conflict", 409, statusBody(409, meta.StatusReasonConflict, "the object has been modified"), errdefs.ErrConflict, 409, "the object has been modified"},
		{"already exists", 409, statusBody(409, meta.StatusReasonAlreadyExists, "exists"), errdefs.ErrAlreadyExists, 409, "exists"},
		{"invalid", 422, invalid, errdefs.ErrInvalid, 422, `Widget "w1" is invalid`},
		{"expired", 410, statusBody(410, meta.StatusReasonExpired, "too old resource version: 5 (90)"), errdefs.ErrExpired, 410, "too old resource version"},
		{"status without a reason", 404, statusBody(404, "", "gone fishing"), errdefs.ErrNotFound, 404, "gone fishing"},
		{"status without a code", 403, statusBody(0, meta.StatusReasonForbidden, "no"), errdefs.ErrForbidden, 403, "no"},
		{"plain text error", 500, "boom\n", errdefs.ErrInternal, 500, "500 Internal Server Error: boom"},
		{"empty 401", 401, "", errdefs.ErrUnauthorized, 401, "401 Unauthorized: no body"},
		{"json that is not a Status", 503, map[string]any{"error": "later"}, errdefs.ErrServiceUnavailable, 503, `{"error":"later"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if s, ok := tt.body.(string); ok {
					w.WriteHeader(tt.code)
					w.Write([]byte(s))
					return
				}
				writeJSON(w, tt.code, tt.body)
			}))
			_, err := For[widget](newTestClient(t, cfg)).Get(context.Background(), "default", "w1")
			if !errors.Is(err, tt.is) {
				t.Fatalf("got error %v, want errors.Is(err, %v)", err, tt.is)
			}
			var e *errdefs.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T, want *errdefs.Error", err)
			}
			if e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("got code %d message %q, want %d and a message containing %q", e.Code, e.Message, tt.wantCode, tt.wantMsg)
			}
			if st, ok := tt.body.(*meta.Status); ok && st.Details != nil {
				if diff := cmp.Diff(st.Details, e.Details); diff != "" {
					t.Errorf("details (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	srv, cfg := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))

	t.Run("untrusted certificate", func(t *testing.T) {
		c := newTestClient(t, &Config{Server: cfg.Server})
		_, err := For[widget](c).Get(context.Background(), "default", "w1")
		var e *errdefs.Error
		if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), srv.URL+"/api/v1/namespaces/default/widgets/w1") ||
			!strings.Contains(err.Error(), "certificate") {
			t.Errorf("got error %v, want a certificate error naming the URL", err)
		}
	})
	t.Run("server gone", func(t *testing.T) {
		c := newTestClient(t, cfg)
		srv.Close()
		_, err := For[widget](c).Get(context.Background(), "default", "w1")
		if err == nil || !strings.Contains(err.Error(), srv.URL+"/api/v1/namespaces/default/widgets/w1") {
			t.Errorf("got error %v, want one naming the URL", err)
		}
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no server", Config{}, "no server"},
		{"no scheme", Config{Server: "localhost:6443"}, "want https://host:port"},
		{"query", Config{Server: "https://h:1/?x=1"}, "query or fragment"},
		{"bad CA", Config{Server: "https://h:1", CAPEM: []byte("nope")}, "holds no certificate"},
		{"CA and insecure", Config{Server: "https://h:1", CAPEM: []byte("x"), Insecure: true}, "mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(&tt.cfg, testScheme())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigFromKubeconfig(t *testing.T) {
	rec := &recorder{reply: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, testWidget("default", "w1", "7"))
	}}
	_, cfg := newTestServer(t, rec)
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	kc := kubeconfig.New("test", cfg.Server, cfg.CAPEM, "tok")
	kc.Contexts = append(kc.Contexts, kubeconfig.NamedContext{Name: "other", Context: kubeconfig.Context{Cluster: "test", User: "test-admin", Namespace: "prod"}})
	if err := kc.Write(path); err != nil {
		t.Fatal(err)
	}

	got, ns, err := ConfigFromKubeconfig(path, "")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Server: cfg.Server, CAPEM: cfg.CAPEM, Token: "tok"}
	if diff := cmp.Diff(want, got); diff != "" || ns != "default" {
		t.Errorf("current context: got namespace %q, want default; config (-want +got):\n%s", ns, diff)
	}
	if _, err := For[widget](newTestClient(t, got)).Get(context.Background(), ns, "w1"); err != nil {
		t.Errorf("Get with the kubeconfig's credentials: %v", err)
	}
	if auth := rec.requests()[0].Auth; auth != "Bearer tok" {
		t.Errorf("got Authorization %q, want \"Bearer tok\"", auth)
	}

	if _, ns, err := ConfigFromKubeconfig(path, "other"); err != nil || ns != "prod" {
		t.Errorf("context other: got namespace %q, error %v; want prod, nil", ns, err)
	}
	if _, _, err := ConfigFromKubeconfig(path, "missing"); err == nil || !strings.Contains(err.Error(), `no context "missing"`) {
		t.Errorf("context missing: got error %v, want one naming the context", err)
	}
	if _, _, err := ConfigFromKubeconfig(filepath.Join(dir, "absent"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: got error %v, want os.ErrNotExist", err)
	}
}
