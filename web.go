package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"workshopbot/bot"
	"workshopbot/bot/web"
)

// defaultHTTP is --http's default: the dashboard on this machine only.
var defaultHTTP = "127.0.0.1:8080"

// tokenEnv names the variable that sets the dashboard's moderator token.
const tokenEnv = "WORKSHOPBOT_DASHBOARD_TOKEN"

// webDeps is what the dashboard is wired to.
type webDeps struct {
	bot     *bot.Bot
	db      appStore
	ticks   *cronTicks
	gateway func(ctx context.Context) (string, error)
	metrics *web.Metrics    // nil: a fresh one (the console has no transport to count)
	link    bot.MessageLink // nil: the reminder log links nothing (the console)
	getenv  func(string) string
	streams int // Config.MaxStreams
}

// dashboard is a running web server, or none (url empty).
type dashboard struct {
	url       string // "http://127.0.0.1:8080/"
	token     string
	generated bool // token was made at start, not read from the environment
	stop      func()
}

// startWeb serves the dashboard, the overlay, /healthz and /metrics on addr
// until ctx ends or stop is called. An empty addr turns it off. A port already
// in use, or any other failure to start it, is logged and the bot runs on
// without it: the reminders matter more than the dashboard.
func startWeb(ctx context.Context, addr string, d webDeps, log *slog.Logger) dashboard {
	off := dashboard{stop: func() {}}
	if addr == "" {
		return off
	}
	token, generated := d.getenv(tokenEnv), false
	if token == "" {
		t, err := web.NewToken()
		if err != nil {
			log.Error("dashboard not started", "err", err)
			return off
		}
		token, generated = t, true
	}
	metrics := d.metrics
	if metrics == nil {
		metrics = web.NewMetrics()
	}
	metrics.ObserveDatabase(d.db.WriteStats)
	srv, err := web.New(web.Config{
		Bot:        d.bot,
		Token:      token,
		Link:       d.link,
		Metrics:    metrics,
		Logger:     log,
		MaxStreams: d.streams,
		Checks: []web.Check{
			{Name: "gateway", Run: d.gateway},
			{Name: "cron", Run: d.ticks.check},
			{Name: "database", Run: func(ctx context.Context) (string, error) { return "answers", d.db.Ping(ctx) }},
		},
	})
	if err != nil {
		log.Error("dashboard not started", "err", err)
		return off
	}
	ln, err := web.Listen(addr, log)
	if err != nil {
		log.Error("dashboard not started; the bot runs without it (pass --http with a free address, or --http \"\" to turn it off)", "err", err)
		return off
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(sctx, ln); err != nil {
			log.Error("dashboard stopped", "err", err)
		}
	}()
	var once sync.Once
	return dashboard{
		url: "http://" + ln.Addr().String() + "/", token: token, generated: generated,
		stop: func() { once.Do(func() { cancel(); <-done }) },
	}
}

// cronTicks remembers when the reload cron last ran, for /healthz: a cron that
// stopped ticking (a hung reload, a stopped scheduler) fails the check.
type cronTicks struct {
	spec  string
	sched cron.Schedule

	mu   sync.Mutex
	last time.Time // the last tick; the start before the first
}

// newCronTicks watches the cron of spec (the schedule's reminders.reload).
func newCronTicks(spec string) *cronTicks {
	sched, _ := cron.ParseStandard(spec) // startReload reports a bad spec
	return &cronTicks{spec: spec, sched: sched, last: time.Now()}
}

// tick records a run of the job.
func (c *cronTicks) tick() {
	c.mu.Lock()
	c.last = time.Now()
	c.mu.Unlock()
}

// check fails once the next tick is overdue by more than a grace period.
func (c *cronTicks) check(context.Context) (string, error) {
	if c.sched == nil {
		return "", fmt.Errorf("reload spec %q does not parse", c.spec)
	}
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	now := time.Now()
	due := c.sched.Next(last)
	grace := max(15*time.Second, due.Sub(last)/2)
	ago := now.Sub(last).Round(time.Second)
	if now.After(due.Add(grace)) {
		return "", fmt.Errorf("last tick %s ago; reload %q wanted one by %s", ago, c.spec, due.Format(time.TimeOnly))
	}
	return fmt.Sprintf("last tick %s ago (reload %q)", ago, c.spec), nil
}
