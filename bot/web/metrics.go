package web

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"workshopbot/bot"
)

// Metrics is what /metrics exposes, in Prometheus' format: counters the
// transports feed (REST calls, 429s, gateway reconnects), the bot's state read
// at each scrape (reminders and questions by status, health checks), and the Go
// runtime's and the process's own metrics. Make it before the transport, whose
// hooks feed it (ObserveREST, ObserveConnect).
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	limited    *prometheus.CounterVec
	reconnects prometheus.Counter
	connects   atomic.Int64
}

// NewMetrics returns Metrics with nothing counted yet.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshopbot_discord_requests_total",
			Help: "REST requests sent to Discord, by route (ids left out) and HTTP status (0: no answer).",
		}, []string{"route", "code"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workshopbot_discord_rate_limited_total",
			Help: "REST requests Discord answered with 429 Too Many Requests, by route.",
		}, []string{"route"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workshopbot_gateway_reconnects_total",
			Help: "Gateway connections after the first (resumes and new sessions after a drop).",
		}),
	}
	m.reg.MustRegister(m.requests, m.limited, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveREST counts one REST answer; it fits discord.Config.OnREST.
func (m *Metrics) ObserveREST(route string, status int) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	if status == http.StatusTooManyRequests {
		m.limited.WithLabelValues(route).Inc()
	}
}

// ObserveConnect counts a gateway connection; every one after the first is a
// reconnection. It fits discord.Config.OnConnect.
func (m *Metrics) ObserveConnect() {
	if m.connects.Add(1) > 1 {
		m.reconnects.Inc()
	}
}

// ObserveDatabase exports the store's write counters: transactions committed,
// and the writes they carried (more than one each when writes are grouped).
// stats is read at each scrape; call this once, before serving.
func (m *Metrics) ObserveDatabase(stats func() (commits, writes int64)) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "workshopbot_db_commits_total",
			Help: "Database transactions committed (each one fsync) by the writer that groups questions, votes and card records.",
		}, func() float64 { c, _ := stats(); return float64(c) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "workshopbot_db_writes_total",
			Help: "Writes (a question, a vote, a card recorded, a status change) those transactions carried.",
		}, func() float64 { _, w := stats(); return float64(w) }),
	)
}

// register adds the collector that reads s's bot at each scrape.
func (m *Metrics) register(s *Server) error {
	return m.reg.Register(stateCollector{s})
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil, Timeout: 10 * time.Second})
}

var (
	remindersDesc = prometheus.NewDesc("workshopbot_reminders",
		"Reminders of the program in force by status: sent (on time), late (caught up), skipped, failed, unknown, pending, planned (not yet due).",
		[]string{"status"}, nil)
	questionsDesc = prometheus.NewDesc("workshopbot_questions",
		"Panel questions by status: waiting, open, onstage, answered, dismissed.", []string{"status"}, nil)
	healthDesc = prometheus.NewDesc("workshopbot_health",
		"1 when the part /healthz checks is fine, 0 when it is failing.", []string{"check"}, nil)
)

// reminderStatuses are reported even at 0, so that a series exists from the start.
var reminderStatuses = []bot.ReminderStatus{bot.StatusSent, bot.StatusLate, bot.StatusSkipped, bot.StatusFailed,
	bot.StatusUnknown, bot.StatusSuperseded, bot.StatusPending, bot.StatusPlanned}

// stateCollector reads the bot's state when Prometheus scrapes: the store is
// the truth, so there is no second count to drift from it.
type stateCollector struct{ s *Server }

// Describe implements prometheus.Collector.
func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- remindersDesc
	ch <- questionsDesc
	ch <- healthDesc
}

// Collect implements prometheus.Collector.
func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ov, err := c.s.cfg.Bot.Overview(ctx, nil)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(remindersDesc, err)
	} else {
		for _, st := range reminderStatuses {
			ch <- prometheus.MustNewConstMetric(remindersDesc, prometheus.GaugeValue, float64(ov.ReminderCounts[st]), string(st))
		}
		if ov.QuestionsOn {
			for _, st := range bot.QuestionStatuses {
				ch <- prometheus.MustNewConstMetric(questionsDesc, prometheus.GaugeValue, float64(ov.QuestionCounts[st]), string(st))
			}
		}
	}
	for _, r := range c.s.runChecks(ctx) {
		v := 1.0
		if r.err != nil {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(healthDesc, prometheus.GaugeValue, v, r.name)
	}
}
