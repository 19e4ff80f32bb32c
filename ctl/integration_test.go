package ctl

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/meta"
)

// teamManifest creates a namespace and things in it, the namespace last
// in the file: apply must create it first anyway.
const teamManifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: team
data:
  color: blue
  size: large
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: team
type: Opaque
data:
  password: aHVudGVyMg==
---
apiVersion: v1
kind: Namespace
metadata:
  name: team
`

func TestApplyCreatesThenLeavesUnchanged(t *testing.T) {
	c := startCluster(t)

	got := c.mustWharf(t, teamManifest, "apply", "-f", "-")
	want := "namespace/team created\nconfigmap/cfg created\nsecret/creds created\n"
	if got != want {
		t.Errorf("first apply printed:\n%s\nwant:\n%s", got, want)
	}

	got = c.mustWharf(t, teamManifest, "apply", "-f", "-")
	want = "namespace/team unchanged\nconfigmap/cfg unchanged\nsecret/creds unchanged\n"
	if got != want {
		t.Errorf("second apply printed:\n%s\nwant:\n%s", got, want)
	}

	got = c.mustWharf(t, "", "get", "cm,secrets", "-n", "team", "-o", "name")
	if want := "configmap/cfg\nsecret/creds\n"; got != want {
		t.Errorf("get -o name printed %q, want %q", got, want)
	}
}

func TestApplyRemovesWhatTheManifestDropped(t *testing.T) {
	c := startCluster(t)
	c.mustWharf(t, teamManifest, "apply", "-f", "-")

	// Someone else annotates the config map.
	res, err := c.client(t).Scheme().Lookup("configmaps")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.client(t).Dynamic(res).Patch(context.Background(), "team", "cfg", client.MergePatch,
		[]byte(`{"metadata":{"annotations":{"owner":"ops"}}}`)); err != nil {
		t.Fatal(err)
	}

	smaller := strings.Replace(teamManifest, "  size: large\n", "", 1)
	if got, want := c.mustWharf(t, smaller, "apply", "-f", "-"), "configmap/cfg configured\n"; !strings.Contains(got, want) {
		t.Errorf("apply printed %q, want it to contain %q", got, want)
	}

	var cm struct {
		Metadata meta.ObjectMeta   `json:"metadata"`
		Data     map[string]string `json:"data"`
	}
	if err := json.Unmarshal([]byte(c.mustWharf(t, "", "get", "configmap", "cfg", "-n", "team", "-o", "json")), &cm); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"color": "blue"}, cm.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if got := cm.Metadata.Annotations["owner"]; got != "ops" {
		t.Errorf("annotation owner = %q, want the other writer's %q kept", got, "ops")
	}
	if got := cm.Metadata.Annotations[lastAppliedAnnotation]; strings.Contains(got, "size") || !strings.HasSuffix(got, "\n") {
		t.Errorf("last-applied = %q, want the new manifest, newline-terminated", got)
	}
}

func TestApplyReportsEachFailureAndGoesOn(t *testing.T) {
	c := startCluster(t)
	manifest := `apiVersion: v1
kind: ConfigMap
metadata:
  name: Not_A_Name
data: {a: b}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
`
	r := c.wharf(t, manifest, "apply", "-f", "-")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	if want := "configmap/good created\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 {
		t.Fatalf("stderr has %d lines, want 2: %q", len(lines), r.stderr)
	}
	if want := `Error from server (Invalid): error when creating "STDIN": `; !strings.HasPrefix(lines[0], want) {
		t.Errorf("stderr line 1 %q, want it to start with %q", lines[0], want)
	}
	if want := `error: resource mapping not found for name: "w" namespace: "" from "STDIN" (document 2): no matches for kind "Widget" in version "example.com/v1"`; lines[1] != want {
		t.Errorf("stderr line 2:\ngot  %q\nwant %q", lines[1], want)
	}
}

func TestGetOutputs(t *testing.T) {
	c := startCluster(t)
	c.mustWharf(t, teamManifest, "apply", "-f", "-")

	t.Run("table", func(t *testing.T) {
		got := c.mustWharf(t, "", "get", "configmaps", "-n", "team")
		lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME   DATA   AGE") || !strings.HasPrefix(lines[1], "cfg    2      ") {
			t.Errorf("got:\n%s\nwant a NAME DATA AGE table with cfg", got)
		}
	})
	t.Run("several kinds get their own blocks", func(t *testing.T) {
		got := c.mustWharf(t, "", "get", "cm,secret", "-n", "team")
		blocks := strings.Split(got, "\n\n")
		if len(blocks) != 2 || !strings.Contains(blocks[0], "configmap/cfg") || !strings.Contains(blocks[1], "secret/creds") {
			t.Errorf("got:\n%s\nwant two blocks with kind-prefixed names", got)
		}
	})
	t.Run("yaml of one object", func(t *testing.T) {
		var cm struct {
			Kind string            `json:"kind"`
			Data map[string]string `json:"data"`
		}
		if err := yaml.Unmarshal([]byte(c.mustWharf(t, "", "get", "cm/cfg", "-n", "team", "-o", "yaml")), &cm); err != nil {
			t.Fatal(err)
		}
		if cm.Kind != "ConfigMap" || cm.Data["color"] != "blue" {
			t.Errorf("got %+v, want the ConfigMap", cm)
		}
	})
	t.Run("json of a listing is a List", func(t *testing.T) {
		var l struct {
			Kind  string `json:"kind"`
			Items []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(c.mustWharf(t, "", "get", "cm,secrets", "-n", "team", "-o", "json")), &l); err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, it := range l.Items {
			kinds = append(kinds, it.Kind)
		}
		if l.Kind != "List" || !cmp.Equal(kinds, []string{"ConfigMap", "Secret"}) {
			t.Errorf("got kind %q with items %v, want a List of ConfigMap and Secret", l.Kind, kinds)
		}
	})
	t.Run("empty namespace", func(t *testing.T) {
		r := c.wharf(t, "", "get", "pods", "-n", "team")
		if r.code != 0 || r.stdout != "" || r.stderr != "No resources found in team namespace.\n" {
			t.Errorf("got %+v, want kubectl's empty message on stderr", r)
		}
	})
	t.Run("missing object", func(t *testing.T) {
		r := c.wharf(t, "", "get", "cm", "nope", "-n", "team")
		if want := "Error from server (NotFound): configmaps \"nope\" not found\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
	})
}

func TestDescribeConfigMap(t *testing.T) {
	c := startCluster(t)
	c.mustWharf(t, teamManifest, "apply", "-f", "-")

	got := c.mustWharf(t, "", "describe", "configmap", "cfg", "-n", "team")
	for _, want := range []string{
		"Name:         cfg\n",
		"Namespace:    team\n",
		"Annotations:  <none>\n", // the last-applied annotation is not shown
		"Data\n====\ncolor:\n----\nblue\n\nsize:\n----\nlarge\n",
		"Events:  <none>\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("describe printed:\n%s\nwant it to contain %q", got, want)
		}
	}

	secret := c.mustWharf(t, "", "describe", "secret/creds", "-n", "team")
	if !strings.Contains(secret, "password:  7 bytes") || strings.Contains(secret, "hunter2") || strings.Contains(secret, "aHVudGVyMg") {
		t.Errorf("describe secret printed:\n%s\nwant the size of password and never its value", secret)
	}
}

func TestDelete(t *testing.T) {
	c := startCluster(t)
	c.mustWharf(t, teamManifest, "apply", "-f", "-")

	if got, want := c.mustWharf(t, "", "delete", "configmap", "cfg", "-n", "team"), "configmap \"cfg\" deleted\n"; got != want {
		t.Errorf("delete printed %q, want %q", got, want)
	}
	r := c.wharf(t, "", "get", "configmap", "cfg", "-n", "team")
	if r.code != 1 || !strings.Contains(r.stderr, "(NotFound)") {
		t.Errorf("get after delete: %+v, want NotFound", r)
	}
	r = c.wharf(t, "", "delete", "configmap", "cfg", "-n", "team")
	if want := "Error from server (NotFound): configmaps \"cfg\" not found\n"; r.code != 1 || r.stderr != want {
		t.Errorf("second delete: %+v, want exit 1 and %q", r, want)
	}
	if r := c.wharf(t, "", "delete", "configmap", "cfg", "-n", "team", "--ignore-not-found"); r.code != 0 || r.stdout != "" {
		t.Errorf("delete --ignore-not-found: %+v, want silence", r)
	}
	// Deleting by manifest: what is left in the file; delete waits until
	// the namespace controller has emptied the namespace and it is gone.
	r = c.wharf(t, teamManifest, "delete", "-f", "-", "--ignore-not-found")
	if want := "secret \"creds\" deleted\nnamespace \"team\" deleted\n"; r.code != 0 || r.stdout != want {
		t.Errorf("delete -f: %+v, want stdout %q", r, want)
	}
	if r := c.wharf(t, "", "get", "secret", "creds", "-n", "team"); r.code != 1 {
		t.Errorf("get secret after delete -f: %+v, want it gone", r)
	}
	if r := c.wharf(t, "", "get", "namespace", "team"); r.code != 1 || !strings.Contains(r.stderr, "NotFound") {
		t.Errorf("get namespace after delete -f: %+v, want NotFound", r)
	}
	// A namespace listed before its objects is deleted after them: first,
	// the namespace controller could remove them before their own deletes.
	nsFirst := "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"
	c.mustWharf(t, nsFirst, "apply", "-f", "-")
	r = c.wharf(t, nsFirst, "delete", "-f", "-")
	if want := "configmap \"settings\" deleted\nnamespace \"shop\" deleted\n"; r.code != 0 || r.stdout != want {
		t.Errorf("delete -f, namespace first in the file: %+v, want stdout %q", r, want)
	}
}

func TestGetWatch(t *testing.T) {
	c := startCluster(t)
	c.mustWharf(t, "", "create", "namespace", "team")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--kubeconfig", c.kubeconfig, "get", "cm", "-n", "team", "-w"}, streams{in: strings.NewReader(""), out: out, errOut: errOut})
	}()
	// Whether the watch starts before or after the create, the output is
	// the same: a header, then a row per state.
	c.mustWharf(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w, namespace: team}\ndata: {a: b}\n", "apply", "-f", "-")
	waitFor(t, "the added row", func() bool { return strings.Count(out.String(), "\nw ") == 1 })
	c.mustWharf(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w, namespace: team}\ndata: {a: b, c: d}\n", "apply", "-f", "-")
	waitFor(t, "the modified row", func() bool { return strings.Count(out.String(), "\nw ") == 2 })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch exit code %d, want 0 when interrupted (stderr %q)", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME   DATA   AGE") || !strings.HasPrefix(lines[1], "w      1      ") || !strings.HasPrefix(lines[2], "w      2      ") {
		t.Errorf("watch printed:\n%s\nwant a header and two aligned rows", out.String())
	}
}
