package bot

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

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
	errors   problems
	apiCalls *prometheus.CounterVec
	claims   *prometheus.CounterVec
}

// expectedRefusals are the kinds of problem that are part of a bot's normal
// day, not faults: an update Telegram delivered again, a stranger, an
// invite link used or expired, a message in a group or a foreign chat, a
// request with a wrong webhook secret, a user who blocked the bot,
// Telegram's flood limit. They are counted apart
// (tianbao_refusals_total), so that tianbao_errors_total rising means
// something is wrong.
var expectedRefusals = map[string]bool{
	"duplicate": true, "stranger": true, "invite": true, "foreign_chat": true,
	"webhook_secret": true, "blocked": true, "429": true, "group": true,
}

// problems counts a problem by its kind, as an expected refusal or as an
// error.
type problems struct{ errors, refusals *prometheus.CounterVec }

// WithLabelValues is the counter of a kind of problem.
func (p problems) WithLabelValues(kind string) prometheus.Counter {
	if expectedRefusals[kind] {
		return p.refusals.WithLabelValues(kind)
	}
	return p.errors.WithLabelValues(kind)
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_updates_total", Help: "Telegram updates handled, by kind and result.",
		}, []string{"kind", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tianbao_update_duration_seconds", Help: "Time to handle an update, until its replies are handed to the lane that sends them.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		errors: problems{
			errors: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "tianbao_errors_total", Help: "Errors, by kind: faults to look into (expected refusals are tianbao_refusals_total).",
			}, []string{"kind"}),
			refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "tianbao_refusals_total", Help: "Expected refusals, by kind: duplicates, strangers, used invites, foreign chats, wrong webhook secrets, blocked users, flood waits.",
			}, []string{"kind"}),
		},
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_telegram_api_calls_total", Help: "Bot API calls, by method and result (ok, an HTTP status such as 429, or network).",
		}, []string{"method", "result"}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tianbao_outbox_claims_total", Help: "The sender's claims of the outbox, by result (messages, none, error); an idle bot makes none.",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.updates, m.latency, m.errors.errors, m.errors.refusals, m.apiCalls, m.claims,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// countCalls wraps the transport every Bot API call goes through (the
// library's and ours, getUpdates and file downloads too), counting each by
// its method. The token is in every URL: only the method name after it is
// kept, and only if it looks like one.
func (m *metrics) countCalls(next http.RoundTripper, token string) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		method := apiMethod(r.URL.Path, token)
		resp, err := next.RoundTrip(r)
		result := "network"
		if err == nil {
			result = "ok"
			if resp.StatusCode != http.StatusOK {
				result = strconv.Itoa(resp.StatusCode)
			}
		}
		m.apiCalls.WithLabelValues(method, result).Inc()
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// methodName is what a Bot API method's name looks like (sendMessage).
var methodName = regexp.MustCompile(`^[A-Za-z]{1,64}$`)

// apiMethod is the Bot API method of a request's path (…/bot<token>/sendMessage),
// "file" for a download (…/file/bot<token>/…), "other" for anything else.
func apiMethod(path, token string) string {
	if strings.Contains(path, "/file/bot"+token+"/") {
		return "file"
	}
	if _, method, ok := strings.Cut(path, "/bot"+token+"/"); ok && methodName.MatchString(method) {
		return method
	}
	return "other"
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

// watchTurnWrites exports how optimistic turns and first invites were
// written: together in a batch, alone (nothing else was being written),
// or alone again after their batch failed; and how many batches.
func (m *metrics) watchTurnWrites(db *store.DB) {
	for _, kind := range []struct {
		name, help string
		counts     func() store.BatchCounts
	}{
		{"tianbao_turn_writes_total", "Optimistic turns written, by how.", db.TurnBatchCounts},
		{"tianbao_redemptions_total", "First invites of people new to the bot redeemed, by how.", db.RedemptionCounts},
	} {
		for how, value := range map[string]func(store.BatchCounts) int64{
			"batched":   func(c store.BatchCounts) int64 { return c.Batched },
			"alone":     func(c store.BatchCounts) int64 { return c.Alone },
			"fell_back": func(c store.BatchCounts) int64 { return c.FellBack },
		} {
			m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: kind.name, Help: kind.help, ConstLabels: prometheus.Labels{"how": how},
			}, func() float64 { return float64(value(kind.counts())) }))
		}
	}
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tianbao_turn_batches_total", Help: "Statements that wrote more than one turn.",
	}, func() float64 { return float64(db.TurnBatchCounts().Batches) }))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
