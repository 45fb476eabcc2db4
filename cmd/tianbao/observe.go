package main

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tianbao/store"
)

// What serve adds to the bot's /metrics for an operator: which build runs,
// the database pool, the outbox's backlog, and the desk's HTTP requests.
// (The bot's own series, updates, errors and refusals, Bot API calls, are
// the bot package's.)

// version is the release, set at build time (-ldflags "-X main.version=…";
// the Dockerfile passes its VERSION argument); else what the Go toolchain
// recorded.
var version = ""

// buildVersion is the program's version and the commit it was built from.
func buildVersion() (ver, revision string) {
	ver, revision = version, "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		if ver == "" {
			ver = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					revision += "-modified"
				}
			}
		}
	}
	if ver == "" {
		ver = "unknown"
	}
	return ver, revision
}

// schemaTarget is the schema version this program migrates to.
func schemaTarget() string {
	names, _ := fs.Glob(store.Migrations(), "*.sql")
	best := 0
	for _, n := range names {
		num, _, _ := strings.Cut(n, "_")
		if v, err := strconv.Atoi(num); err == nil {
			best = max(best, v)
		}
	}
	return strconv.Itoa(best)
}

// buildInfo is tianbao_build_info, 1 with the build's labels: which
// release each replica runs, as dashboards and alerts see it.
func buildInfo() prometheus.Collector {
	ver, rev := buildVersion()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tianbao_build_info", Help: "The running build: version, commit, Go version and the schema version it needs; always 1.",
		ConstLabels: prometheus.Labels{"version": ver, "revision": rev, "goversion": runtime.Version(), "schema": schemaTarget()},
	})
	g.Set(1)
	return g
}

// outboxCollector reads the outbox's backlog when /metrics is scraped:
// how many notifications wait to be sent and how long the oldest has
// waited. A backlog that grows, or an oldest that ages, is a sender that
// cannot keep up or cannot reach Telegram.
type outboxCollector struct {
	db     *store.DB
	log    *slog.Logger
	depth  *prometheus.Desc
	oldest *prometheus.Desc
}

func newOutboxCollector(db *store.DB, log *slog.Logger) *outboxCollector {
	return &outboxCollector{db: db, log: log,
		depth:  prometheus.NewDesc("tianbao_outbox_depth", "Notifications waiting in the outbox to be sent to a reachable chat.", nil, nil),
		oldest: prometheus.NewDesc("tianbao_outbox_oldest_age_seconds", "How long the oldest waiting notification has waited (0: none waits).", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	depth, oldest, err := c.db.OutboxBacklog(ctx)
	if err != nil {
		// No value rather than a wrong one: the scrape shows the gap.
		c.log.Warn("metrics: reading the outbox's backlog", "err", err)
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, oldest.Seconds())
}

// deskMetrics counts the desk's HTTP requests by route, method and status
// class, and times them. It wraps the desk's handler from outside (the
// desk's own code is not touched), so it names routes from the path: the
// page, api/NAME, or not_found for anything the desk did not serve, so
// that probes of made-up paths cannot grow the series without end.
type deskMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newDeskMetrics() *deskMetrics {
	return &deskMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_desk_requests_total", Help: "HTTP requests to the desk (/app/), by route, method and status class.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tianbao_desk_request_duration_seconds", Help: "Time to answer a desk request, by route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
}

func (d *deskMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{d.requests, d.duration}
}

var apiRoute = regexp.MustCompile(`^/app/api/([a-z_]{1,32})$`)

// route names a desk path for the series.
func deskRoute(path string, status int) string {
	switch {
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return "not_found"
	case path == "/app/":
		return "page"
	}
	if m := apiRoute.FindStringSubmatch(path); m != nil {
		return "api/" + m[1]
	}
	return "other"
}

// wrap is the middleware around the desk's handler. At debug level each
// request is logged too: route, method, status, duration (never its query,
// which may carry the signed initData).
func (d *deskMetrics) wrap(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := deskRoute(r.URL.Path, rec.status)
		method := r.Method
		if method != http.MethodGet && method != http.MethodPost && method != http.MethodHead {
			method = "other"
		}
		d.requests.WithLabelValues(route, method, strconv.Itoa(rec.status/100)+"xx").Inc()
		took := time.Since(start)
		d.duration.WithLabelValues(route).Observe(took.Seconds())
		log.LogAttrs(r.Context(), slog.LevelDebug, "desk request", slog.String("route", route), slog.String("method", method),
			slog.Int("status", rec.status), slog.Duration("duration", took))
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Flush passes a flush on (a streamed download).
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		s.wroteHeader = true
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// serveMetrics is what serve adds to the bot's /metrics, and the desk's
// middleware.
func serveMetrics(db *store.DB, log *slog.Logger) ([]prometheus.Collector, func(http.Handler) http.Handler) {
	desk := newDeskMetrics()
	cs := []prometheus.Collector{
		buildInfo(),
		collectors.NewDBStatsCollector(db.DB.DB, "tianbao"),
		newOutboxCollector(db, log),
	}
	return append(cs, desk.collectors()...), func(next http.Handler) http.Handler { return desk.wrap(log, next) }
}
