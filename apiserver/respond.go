package apiserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/wharf/wharf/api/errdefs"
)

// writeError is the one place where an error becomes an HTTP reply: a
// Status object with the code and reason of its errdefs kind.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := errdefs.ToStatus(err)
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	writeJSON(w, r, int(st.Code), st)
}

// writeJSON renders v as JSON, or as YAML when that is all the client accepts.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"encoding the response failed","reason":"InternalError","code":500}`)
	}
	writeBytes(w, r, code, b)
}

// writeBytes sends a JSON body, converted to YAML when the client asked for YAML.
func writeBytes(w http.ResponseWriter, r *http.Request, code int, b []byte) {
	ct := "application/json"
	if r != nil && wantsYAML(r) {
		if y, err := yaml.JSONToYAML(b); err == nil {
			b, ct = y, "application/yaml"
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func wantsYAML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json", "*/*", "application/*":
			return false
		case "application/yaml":
			return true
		}
	}
	return false
}

// tableRequest is what an Accept header asks of a table.
type tableRequest struct {
	apiVersion string // "meta.k8s.io/v1" or "meta.k8s.io/v1beta1"
}

// acceptsTable reports whether the client asked for the Table rendering
// (`kubectl get`, `wharf get`), and which version of it.
func acceptsTable(r *http.Request) (tableRequest, bool) {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != "application/json" {
			continue
		}
		if params["as"] == "Table" && params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
			return tableRequest{apiVersion: "meta.k8s.io/" + params["v"]}, true
		}
		if params["as"] == "" {
			// Plain JSON comes earlier in the client's preference.
			return tableRequest{}, false
		}
	}
	return tableRequest{}, false
}

// checkAcceptable rejects a request that accepts nothing Wharf can send.
func checkAcceptable(r *http.Request) error {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/yaml":
			return nil
		case "application/json":
			if as := params["as"]; as == "" || as == "Table" {
				return nil
			}
		}
	}
	return errdefs.NotAcceptable("only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io")
}

// readBody reads a request body up to max bytes; more is 413.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, errdefs.RequestEntityTooLarge("the request body is %d bytes, more than the limit of %d", r.ContentLength, max)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errdefs.RequestEntityTooLarge("the request body is more than the limit of %d bytes", max)
		}
		return nil, errdefs.BadRequest("reading the request body: %v", err)
	}
	if len(b) == 0 {
		return nil, errdefs.BadRequest("the request has no body")
	}
	return b, nil
}

// bodyMediaType is the media type of a request's body, checked against the allowed ones.
func bodyMediaType(r *http.Request, allowed ...string) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return allowed[0], nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", errdefs.UnsupportedMediaType("malformed Content-Type %q", ct)
	}
	for _, a := range allowed {
		if mt == a {
			return mt, nil
		}
	}
	return "", errdefs.UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(allowed, ", "))
}
