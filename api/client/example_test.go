package client

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// exampleServer stands in for the API server: it serves the widgets a and
// b in namespace "default", and watches that stay quiet.
func exampleServer() (*httptest.Server, *Config) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("watch") == "true":
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case r.URL.Path == "/api/v1/namespaces/default/widgets":
			writeJSON(w, http.StatusOK, widgetList("5", testWidget("default", "a", "3").onNode("n1"), testWidget("default", "b", "4")))
		case r.URL.Path == "/api/v1/namespaces/default/widgets/a":
			writeJSON(w, http.StatusOK, testWidget("default", "a", "3").onNode("n1"))
		default:
			writeJSON(w, http.StatusNotFound, statusBody(404, meta.StatusReasonNotFound, "widgets \"x\" not found"))
		}
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv, &Config{Server: srv.URL, CAPEM: ca, Token: "token", QPS: 50, Burst: 100}
}

func ExampleFor() {
	srv, cfg := exampleServer()
	defer srv.Close()
	c, err := New(cfg, testScheme())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	widgets := For[widget](c)
	ctx := context.Background()
	w, err := widgets.Get(ctx, "default", "a")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Name, w.Spec.Node)

	_, err = widgets.Get(ctx, "default", "x")
	fmt.Println(errors.Is(err, errdefs.ErrNotFound), err)
	// Output:
	// a n1
	// true widgets "x" not found
}

func ExampleNewInformer() {
	srv, cfg := exampleServer()
	defer srv.Close()
	c, err := New(cfg, testScheme())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	inf := NewInformer(For[widget](c), "default", ListOptions{}, nil)
	inf.AddIndex("node", func(w *widget) []string { return []string{w.Spec.Node} })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- inf.Run(ctx) }()
	if !inf.WaitForSync(ctx) {
		log.Fatal("cache did not sync")
	}
	for _, w := range inf.ByIndex("node", "n1") {
		// Cached objects are shared: copy before changing.
		w = meta.DeepCopy(w)
		w.Spec.Size = 3
		b, _ := json.Marshal(w.Spec)
		fmt.Println(w.Name, string(b))
	}
	cancel()
	<-done
	// Output:
	// a {"node":"n1","size":3}
}
