package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"workshopbot/bot"
	"workshopbot/bot/features"
	"workshopbot/bot/frab"
	"workshopbot/bot/postgres"
)

// app is a run of the bot before its transport: the same on the console and
// on Discord. newApp builds it; runApp wires the rest around an edge.
type app struct {
	o       *options
	getenv  func(string) string
	dbURL   string // the database the bot runs on (dbName)
	store   appStore
	src     bot.Source
	prog    *bot.Program
	version string                // the program's version at start
	stale   *bot.StaleSourceError // set when the live source was down at start
	clock   *bot.ScaledClock
	log     *slog.Logger
}

// newApp opens the store and loads the program; the caller closes a.store.
// rehearsal (the console) sets the defaults of the log level and the clock.
func newApp(ctx context.Context, o *options, getenv func(string) string, stderr io.Writer, rehearsal bool) (*app, error) {
	def := slog.LevelInfo
	if rehearsal {
		def = slog.LevelWarn
	}
	log, err := newLogger(o.logLevel, def, stderr)
	if err != nil {
		return nil, err
	}
	dbURL := dbName(o, getenv)
	if bot.SourceOf(o.schedule) == "" && !postgres.IsURL(dbURL) {
		if _, _, err := bot.FileSource(o.schedule, o.posters)(); err != nil {
			// Broken files: only a database that holds a last good program lets
			// the bot start, and only then is it opened (or created).
			if _, serr := os.Stat(dbURL); serr != nil {
				return nil, err
			}
		}
	}
	store, err := openStore(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	a := &app{o: o, getenv: getenv, dbURL: dbURL, store: store, log: log}
	if err := a.load(ctx, stderr, rehearsal); err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

// load reads the program (the files, and the live source if schedule.yaml
// names one; its last good copy is kept in the database for when it is down)
// and starts the clock.
func (a *app) load(ctx context.Context, stderr io.Writer, rehearsal bool) error {
	a.src = (&frab.Live{HTTP: &http.Client{Timeout: sourceTimeout}, Store: a.store, Timeout: sourceTimeout}).Source(ctx, a.o.schedule, a.o.posters)
	prog, files, broken, err := bot.StartProgram(ctx, a.src, a.store)
	if err != nil {
		return err
	}
	if errors.As(broken, &a.stale) {
		a.log.Warn("live source not read at start; running on its last good copy from the database", "url", a.stale.URL, "err", a.stale.Err)
	} else if broken != nil {
		// Under systemd's Restart=always, exiting here would be a crash loop with no
		// reminders for the rest of the day: run on the program that last worked.
		printErrors(stderr, broken)
		saved := ""
		if !files.Saved.IsZero() {
			saved = ", saved " + files.Saved.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(stderr, "workshopbot: the files do not validate; starting on the last good program in %s (version %s%s).\n"+
			"workshopbot: fix the files: they are applied as soon as they validate.\n", a.o.db, files.Short(), saved)
	}
	a.prog, a.version = prog, files.Version
	if a.clock, err = newClock(a.o, prog, rehearsal); err != nil {
		return err
	}
	if rehearsal {
		// The day begins at --clock when the bot is ready, however long the
		// start takes (the rehearsal's run releases it as the bot's loop begins).
		a.clock.Hold()
	}
	return nil
}

// edge is the transport side of a run: the console (rehearse.go) or Discord
// (discord.go). runApp calls its methods in the order listed here.
type edge interface {
	// configure completes the bot's and the dashboard's configuration with
	// the transport and what only this edge knows.
	configure(c *bot.Config, w *webDeps)
	// start runs once the bot and the dashboard are up, before the reload
	// starts: Discord connects, the console prints its banner. On error it
	// has undone what it began.
	start(ctx context.Context, b *bot.Bot, dash dashboard) error
	// reloader adapts the bot's reloader to the edge.
	reloader(r *bot.Reloader) *bot.Reloader
	// run runs the bot until it is done or ctx ends; every goroutine it
	// starts has ended when it returns.
	run(ctx context.Context, b *bot.Bot) error
	// stop closes the transport once the reload and the dashboard have
	// stopped, and returns the run's error (runErr) or its own.
	stop(runErr error) error
}

// runApp is the one wiring of the bot, on any edge: the bot, the dashboard,
// the reload of the program (cron and file watch) and the bot's loops.
func runApp(ctx context.Context, a *app, e edge) error {
	cfg := bot.Config{Features: features.All(), Program: a.prog, Clock: a.clock, Store: a.store, Questions: a.store, Posters: a.store, Logger: a.log}
	deps := webDeps{db: a.store, ticks: newCronTicks(a.prog.Schedule.Reminders.Reload), getenv: a.getenv, streams: a.o.streams}
	e.configure(&cfg, &deps)
	b, err := bot.New(cfg)
	if err != nil {
		return err
	}
	deps.bot = b
	dash := startWeb(ctx, a.o.http, deps, a.log)
	defer dash.stop()
	if err := e.start(ctx, b, dash); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reloader := e.reloader(bot.NewReloader(b, a.src, a.version).Keep(a.store))
	stopReload, err := startReload(ctx, a.o, a.prog, reloader, a.stale, a.log, deps.ticks.tick)
	if err != nil {
		dash.stop()
		return e.stop(err)
	}
	runErr := e.run(ctx, b)
	stopReload()
	dash.stop()
	return e.stop(runErr)
}
