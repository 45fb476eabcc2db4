package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tianbao/store"
)

// metrics are the bot's Prometheus series, in a registry of its own so that
// two bots in one process (tests, replicas) do not collide.
type metrics struct {
	registry *prometheus.Registry
	updates  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_updates_total", Help: "Telegram updates handled, by kind and result.",
		}, []string{"kind", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tianbao_update_duration_seconds", Help: "Time to handle an update, replies sent included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_errors_total", Help: "Errors and refusals, by kind.",
		}, []string{"kind"}),
	}
	m.registry.MustRegister(m.updates, m.latency, m.errors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchTurns exports how the engine's turns were applied: from the last
// turn's copy without reading ("cached"), after one read without locks
// ("read"), or in a locked transaction ("locked": a conflict, or a turn
// that submits, reviews or notifies). Many locked turns mean contention.
func (m *metrics) watchTurns(c *store.TurnCounts) {
	for path, value := range map[string]func() float64{
		"cached": func() float64 { return float64(c.Cached.Load()) },
		"read":   func() float64 { return float64(c.Optimistic.Load() - c.Cached.Load()) },
		"locked": func() float64 { return float64(c.Locked.Load()) },
	} {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tianbao_turns_total", Help: "Dialog turns applied, by how.", ConstLabels: prometheus.Labels{"path": path},
		}, value))
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
