package apiserver

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/validate"
)

// logOptions are the query of pods/log (Kubernetes' PodLogOptions).
type logOptions struct {
	container                    string
	follow, previous, timestamps bool
	tailLines                    *int64
	sinceSeconds                 *int64
	sinceTime                    *time.Time
	limitBytes                   *int64
}

// parseLogOptions reads and validates a pods/log query: a value that is
// not a number or a time is a bad request, a number out of range makes the
// options invalid, as kube-apiserver answers.
func parseLogOptions(q url.Values, pod string) (*logOptions, error) {
	o := &logOptions{
		container:  q.Get("container"),
		follow:     queryBool(q, "follow"),
		previous:   queryBool(q, "previous"),
		timestamps: queryBool(q, "timestamps"),
	}
	var err error
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"tailLines", &o.tailLines}, {"sinceSeconds", &o.sinceSeconds}, {"limitBytes", &o.limitBytes}} {
		if *f.dst, err = queryInt(q, f.name); err != nil {
			return nil, err
		}
	}
	if s := q.Get("sinceTime"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, errdefs.BadRequest("sinceTime %q is not an RFC 3339 time: %v", s, err)
		}
		o.sinceTime = &t
	}
	var errs validate.ErrorList
	if o.tailLines != nil && *o.tailLines < 0 {
		errs = append(errs, validate.Invalid(validate.NewPath("tailLines"), *o.tailLines, "must be greater than or equal to 0"))
	}
	if o.limitBytes != nil && *o.limitBytes < 1 {
		errs = append(errs, validate.Invalid(validate.NewPath("limitBytes"), *o.limitBytes, "must be greater than 0"))
	}
	switch {
	case o.sinceSeconds != nil && o.sinceTime != nil:
		errs = append(errs, validate.Forbidden(validate.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.sinceSeconds != nil && *o.sinceSeconds < 1:
		errs = append(errs, validate.Invalid(validate.NewPath("sinceSeconds"), *o.sinceSeconds, "must be greater than 0"))
	}
	if err := errs.ToError("PodLogOptions", pod); err != nil {
		return nil, err
	}
	return o, nil
}

// queryBool reads a boolean parameter as Kubernetes' parameter codec
// does: present is true unless it says false or 0.
func queryBool(q url.Values, name string) bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return false
	}
	return v[0] != "0" && !strings.EqualFold(v[0], "false")
}

func queryInt(q url.Values, name string) (*int64, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, errdefs.BadRequest("%s %q is not an integer", name, s)
	}
	return &n, nil
}

// agentQuery is the query of the agent's containerLogs.
func (o *logOptions) agentQuery() url.Values {
	v := url.Values{}
	for name, set := range map[string]bool{"follow": o.follow, "previous": o.previous, "timestamps": o.timestamps} {
		if set {
			v.Set(name, "true")
		}
	}
	for name, n := range map[string]*int64{"tailLines": o.tailLines, "sinceSeconds": o.sinceSeconds, "limitBytes": o.limitBytes} {
		if n != nil {
			v.Set(name, strconv.FormatInt(*n, 10))
		}
	}
	if o.sinceTime != nil {
		v.Set("sinceTime", o.sinceTime.Format(time.RFC3339))
	}
	return v
}

// log serves GET pods/{name}/log: the container's log as the agent streams
// it, flushed as it comes so that a followed log is live.
func (p *nodeProxy) log(w http.ResponseWriter, r *http.Request, info *requestInfo) error {
	if info.Verb != "get" {
		return errdefs.MethodNotAllowed("log only supports GET")
	}
	opts, err := parseLogOptions(r.URL.Query(), info.Name)
	if err != nil {
		return err
	}
	t, err := p.locate(r.Context(), info.Namespace, info.Name, opts.container, "logs")
	if err != nil {
		return err
	}
	u := url.URL{
		Scheme:   "https",
		Host:     t.addr,
		Path:     "/containerLogs/" + t.namespace + "/" + t.pod + "/" + t.container,
		RawQuery: opts.agentQuery().Encode(),
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		return errdefs.Internal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.logs.Do(req)
	if err != nil {
		return unreachable(t, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return agentError(t, resp)
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// Headers go out at once: a followed log may stay silent a long time.
	_ = rc.Flush()
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return nil // the client left
			}
			_ = rc.Flush()
		}
		if rerr != nil {
			// The status is sent: an agent that fails half-way can only
			// end the stream.
			return nil
		}
	}
}
