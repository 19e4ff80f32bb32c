package apiserver

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the API server's Prometheus metrics, named as Kubernetes
// names them so that existing dashboards work.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "API requests by verb, resource, subresource and HTTP code.",
		}, []string{"verb", "resource", "subresource", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "API request latency by verb, resource and subresource (watches: time to first byte).",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"verb", "resource", "subresource"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests",
			Help: "Requests being served, by kind (watches are long-running).",
		}, []string{"request_kind"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusRecorder remembers the status code and when the first byte went out.
type statusRecorder struct {
	http.ResponseWriter
	code      int
	firstByte time.Time
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
		s.firstByte = time.Now()
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush sends what is buffered: streamed logs flush after every write.
func (s *statusRecorder) Flush() {
	if s.code == 0 {
		s.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack hands the connection to an exec session, which has switched
// protocols by the time it hijacks.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil && s.code == 0 {
		s.code = http.StatusSwitchingProtocols
		s.firstByte = time.Now()
	}
	return c, rw, err
}

// metricVerbs are the verb labels Kubernetes' metrics use.
var metricVerbs = map[string]string{
	"get": "GET", "list": "LIST", "watch": "WATCH", "create": "POST", "update": "PUT",
	"patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE",
}

// observe records one resource request.
func (m *metrics) observe(info *requestInfo, w http.ResponseWriter, serve func(http.ResponseWriter)) {
	kind := "readOnly"
	if info.Verb == "watch" {
		kind = "watch"
	} else if info.Verb != "get" && info.Verb != "list" {
		kind = "mutating"
	}
	g := m.inflight.WithLabelValues(kind)
	g.Inc()
	defer g.Dec()
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	serve(rec)
	end := time.Now()
	if longRunning(info) && !rec.firstByte.IsZero() {
		end = rec.firstByte
	}
	verb := metricVerbs[info.Verb]
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	m.requests.WithLabelValues(verb, info.Resource.Plural, info.Subresource, strconv.Itoa(rec.code)).Inc()
	m.latency.WithLabelValues(verb, info.Resource.Plural, info.Subresource).Observe(end.Sub(start).Seconds())
}
