package apiserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/wharf/wharf/apiserver/storage"
)

// TestExternalEtcdAndSideBySide: two API servers with their own data
// directories run at once on one machine; one of them keeps its state in
// an etcd outside it (--etcd-servers), the other in its embedded etcd.
func TestExternalEtcdAndSideBySide(t *testing.T) {
	etcdDir := shortTempDir(t)
	ctx := context.Background()
	external, err := storage.StartEmbedded(ctx, storage.EmbeddedConfig{Dir: filepath.Join(etcdDir, "etcd")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = external.Close() })

	a := startServerIn(t, shortTempDir(t), func(c *Config) { c.EtcdServers = []string{external.Endpoint()} })
	b := startServer(t)
	if a.url == b.url {
		t.Fatalf("both servers serve %s", a.url)
	}
	a.must(http.StatusCreated, "POST", cms, configMap("in-external", nil))
	b.must(http.StatusCreated, "POST", cms, configMap("in-embedded", nil))
	if r := b.do("GET", cms+"/in-external", nil); r.code != http.StatusNotFound {
		t.Errorf("the servers share state: got %d for the other's object", r.code)
	}
	// The object is in the external etcd itself.
	resp, err := external.Client().Get(ctx, "/registry/configmaps/default/in-external")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("external etcd lacks the object: %v %v", err, resp)
	}
}
