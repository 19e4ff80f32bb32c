package apiserver

import (
	"net/http"
	"testing"
)

func TestBindingAndDefaultTolerations(t *testing.T) {
	ts := startServer(t)
	pods := "/api/v1/namespaces/default/pods"
	var created struct {
		Spec struct {
			Tolerations []struct {
				Key               string `json:"key"`
				Effect            string `json:"effect"`
				TolerationSeconds *int64 `json:"tolerationSeconds"`
			} `json:"tolerations"`
		} `json:"spec"`
	}
	ts.must(http.StatusCreated, "POST", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`).decode(t, &created)
	tol := map[string]int64{}
	for _, x := range created.Spec.Tolerations {
		if x.Effect == "NoExecute" && x.TolerationSeconds != nil {
			tol[x.Key] = *x.TolerationSeconds
		}
	}
	if tol["node.kubernetes.io/not-ready"] != 300 || tol["node.kubernetes.io/unreachable"] != 300 {
		t.Errorf("default tolerations %v, want not-ready and unreachable for 300s", tol)
	}

	// spec.nodeName cannot change through an update, only through binding.
	if r := ts.do("PATCH", pods+"/p", `{"spec":{"nodeName":"n1"}}`, "Content-Type", "application/merge-patch+json"); r.code != http.StatusUnprocessableEntity {
		t.Errorf("patching spec.nodeName: got %d %s, want 422", r.code, r.body)
	}
	binding := `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`
	ts.must(http.StatusCreated, "POST", pods+"/p/binding", binding)
	var bound struct {
		Spec struct {
			NodeName string `json:"nodeName"`
		} `json:"spec"`
		Status struct {
			Conditions []struct{ Type, Status string } `json:"conditions"`
		} `json:"status"`
	}
	ts.must(http.StatusOK, "GET", pods+"/p", nil).decode(t, &bound)
	scheduled := false
	for _, c := range bound.Status.Conditions {
		scheduled = scheduled || c.Type == "PodScheduled" && c.Status == "True"
	}
	if bound.Spec.NodeName != "n1" || !scheduled {
		t.Errorf("after binding: nodeName %q, conditions %v; want n1 and PodScheduled=True", bound.Spec.NodeName, bound.Status.Conditions)
	}
	if r := ts.do("POST", pods+"/p/binding", binding); r.code != http.StatusConflict {
		t.Errorf("binding a bound pod: got %d %s, want 409", r.code, r.body)
	}
	if r := ts.do("POST", pods+"/nope/binding", `{"target":{"kind":"Node","name":"n1"}}`); r.code != http.StatusNotFound {
		t.Errorf("binding a missing pod: got %d, want 404", r.code)
	}
}

func TestScaleSubresource(t *testing.T) {
	ts := startServer(t)
	deps := "/apis/apps/v1/namespaces/default/deployments"
	ts.must(http.StatusCreated, "POST", deps, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},
		"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"img:1"}]}}}}`)
	type scale struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			Replicas int32 `json:"replicas"`
		} `json:"spec"`
		Status struct {
			Selector string `json:"selector"`
		} `json:"status"`
	}
	var s scale
	ts.must(http.StatusOK, "GET", deps+"/d/scale", nil).decode(t, &s)
	if s.Kind != "Scale" || s.APIVersion != "autoscaling/v1" || s.Spec.Replicas != 2 || s.Status.Selector != "app=d" {
		t.Fatalf("scale = %+v", s)
	}
	ts.must(http.StatusOK, "PATCH", deps+"/d/scale", `{"spec":{"replicas":5}}`, "Content-Type", "application/merge-patch+json").decode(t, &s)
	if s.Spec.Replicas != 5 {
		t.Errorf("after patch: replicas %d, want 5", s.Spec.Replicas)
	}
	ts.must(http.StatusOK, "PUT", deps+"/d/scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d"},"spec":{"replicas":1}}`)
	var d struct {
		Metadata struct {
			Generation int64 `json:"generation"`
		} `json:"metadata"`
		Spec struct {
			Replicas int32 `json:"replicas"`
		} `json:"spec"`
	}
	ts.must(http.StatusOK, "GET", deps+"/d", nil).decode(t, &d)
	if d.Spec.Replicas != 1 || d.Metadata.Generation != 3 {
		t.Errorf("deployment after two scales: replicas %d generation %d, want 1 and 3", d.Spec.Replicas, d.Metadata.Generation)
	}
	if r := ts.do("PATCH", deps+"/d/scale", `{"spec":{"replicas":-1}}`, "Content-Type", "application/merge-patch+json"); r.code != http.StatusUnprocessableEntity {
		t.Errorf("negative replicas: got %d %s, want 422", r.code, r.body)
	}
	if r := ts.do("GET", "/api/v1/namespaces/default/configmaps/x/scale", nil); r.code != http.StatusNotFound {
		t.Errorf("scale of a configmap: got %d, want 404", r.code)
	}
}

// TestPodStatusWrite: what an agent writes to pods/status is kept, and a
// write to the pod itself keeps the status.
func TestPodStatusWrite(t *testing.T) {
	ts := startServer(t)
	pods := "/api/v1/namespaces/default/pods"
	ts.must(http.StatusCreated, "POST", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`)
	ts.must(http.StatusOK, "PATCH", pods+"/p/status", `{"status":{"phase":"Running","podIP":"10.1.0.5"}}`, "Content-Type", "application/merge-patch+json")
	ts.must(http.StatusOK, "PATCH", pods+"/p", `{"metadata":{"labels":{"a":"b"}},"status":{"phase":"Failed"}}`, "Content-Type", "application/merge-patch+json")
	var p struct {
		Status struct{ Phase, PodIP string } `json:"status"`
	}
	ts.must(http.StatusOK, "GET", pods+"/p", nil).decode(t, &p)
	if p.Status.Phase != "Running" || p.Status.PodIP != "10.1.0.5" {
		t.Errorf("status = %+v, want Running at 10.1.0.5", p.Status)
	}
}
