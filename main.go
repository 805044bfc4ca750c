// Command workshopbot runs a virtual academic workshop on Discord: session
// reminders with the right links, poster channels and panel questions. With no
// DISCORD_TOKEN it rehearses the day on the console, on a virtual clock.
//
//	go run .                 rehearse the bundled program on the console
//	go run . check           validate schedule.yaml and posters.csv, print the program
//	go run . questions export   the panel questions as CSV, after the event
//	go run . backup DEST     copy the database, also while the bot runs
//	go run . import openreview --venue ID   accepted papers to posters.csv
//	go run . import frab FILE|URL           a pretalx/frab program to schedule.yaml
//	go run . export frab                    the program as frab JSON
//	go run . report > report.html   the day in figures and charts, also while the bot runs
//	DISCORD_TOKEN=... go run .   run it on Discord
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/term"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/frab"
	"workshopbot/bot/postgres"
	"workshopbot/bot/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// options are the command-line flags shared by every sub-command.
type options struct {
	schedule string
	posters  string
	db       string
	clock    string
	speed    float64
	logLevel string
	http     string        // the dashboard's address; "" turns it off (web.go)
	streams  int           // event streams open at once; more are answered 503
	force    bool          // act despite another live instance on the guild (heartbeat_cmd.go)
	beat     time.Duration // how often the heartbeat in the moderators channel is edited
}

func parseFlags(name string, args []string, stderr io.Writer) (*options, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.schedule, "schedule", "schedule.yaml", "the workshop program")
	fs.StringVar(&o.posters, "posters", "posters.csv", "the posters")
	fs.StringVar(&o.db, "db", defaultDB, "the SQLite database that keeps state across restarts, or a postgres:// URL to run as one of a pair sharing it; $"+dbEnv+" if not given")
	fs.StringVar(&o.clock, "clock", "", "start a virtual clock at this instant (RFC 3339, e.g. 2021-12-14T06:40:00-05:00); on the console the default is 5 minutes before the first reminder")
	fs.Float64Var(&o.speed, "speed", 0, "virtual seconds per real second (console default: the whole day in about 30 s; Discord default: 1)")
	fs.StringVar(&o.http, "http", defaultHTTP, "serve the dashboard, the overlay, /healthz and /metrics on this address; empty turns it off")
	fs.IntVar(&o.streams, "max-streams", web.DefaultMaxStreams, "dashboards and overlays open at once (each holds an event stream); more are answered 503 and retry")
	fs.BoolVar(&o.force, "force", false, "act even when another workshopbot is live on this guild (its heartbeat in the moderators channel says so); $"+forceEnv+"=1 does the same")
	fs.DurationVar(&o.beat, "heartbeat", discord.DefaultHeartbeat, "how often the bot edits its heartbeat in the moderators channel, by which a second bot on the guild notices it (at least 1s)")
	fs.StringVar(&o.logLevel, "log-level", "", "debug, info, warn or error (console default: warn; Discord default: info)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: workshopbot [flags]          run the bot (console rehearsal without DISCORD_TOKEN)\n"+
			"       workshopbot check [flags]    validate the files and print the program\n"+
			"       workshopbot ics [flags]      write the program as an iCalendar file (.ics) to stdout\n"+
			"       workshopbot questions export [--session ID] [--db PATH]   the panel questions as CSV\n"+
			"       workshopbot backup [--db PATH] DEST   copy the database, also while the bot runs\n"+
			"       workshopbot import openreview --venue ID [--merge posters.csv]   accepted papers to posters.csv\n"+
			"       workshopbot import frab FILE|URL > schedule.yaml   the program from pretalx or any frab source\n"+
			"       workshopbot export frab > schedule.json   the program as frab JSON for schedule apps\n"+
			"       workshopbot report [--db PATH] [--format html|json|csv] > report.html   the day in figures and charts\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return o, fs.Args(), nil
}

// run is the whole program behind main, with its outside world passed in so that
// tests run the real wiring.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "questions" { // has sub-commands and flags of its own
		return runQuestions(ctx, args, stdout, stderr)
	}
	if cmd == "import" { // import openreview|frab (import_cmd.go)
		return runImport(ctx, args, stdout, stderr)
	}
	if cmd == "export" { // export frab (export_cmd.go)
		return runExport(args, stdout, stderr)
	}
	if cmd == "backup" { // a destination argument and flags of its own (backup_cmd.go)
		return runBackup(ctx, args, stdout, stderr)
	}
	if cmd == "report" { // flags of its own (report_cmd.go)
		return runReport(ctx, args, stdout, stderr)
	}
	o, rest, err := parseFlags("workshopbot "+cmd, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "workshopbot: unexpected arguments %q\n", rest)
		return 2
	}
	switch cmd {
	case "check":
		return runCheck(o, stdout, stderr)
	case "ics":
		return runICS(o, stdout, stderr) // ics_cmd.go
	case "":
		if err := runBot(ctx, o, getenv, stdin, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "workshopbot: %v\n", err)
			return exitCode(err)
		}
		return 0
	}
	fmt.Fprintf(stderr, "workshopbot: unknown command %q (want check, ics, questions export, backup, report, or no command to run the bot)\n", cmd)
	return 2
}

// loadProgram loads the files for a sub-command; on failure it prints every error,
// one `file:line: field: message` a line, and returns nil.
func loadProgram(o *options, stderr io.Writer) *bot.Program {
	prog, err := readProgram(context.Background(), o.schedule, o.posters)
	if err == nil {
		return prog
	}
	printErrors(stderr, err)
	return nil
}

// printErrors prints the files' errors, one `file:line: field: message` a line,
// and how many.
func printErrors(stderr io.Writer, err error) {
	var errs bot.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(stderr, e.Error())
		}
		fmt.Fprintf(stderr, "%d error(s)\n", len(errs))
	} else {
		fmt.Fprintln(stderr, err)
	}
}

// readProgram loads the files for a command that runs once. When schedule.yaml
// names a live source (source: {frab: URL}), the sessions are fetched from it,
// and no copy is kept: only the bot keeps one, in its database.
func readProgram(ctx context.Context, schedulePath, postersPath string) (*bot.Program, error) {
	if bot.SourceOf(schedulePath) == "" {
		return bot.LoadProgram(schedulePath, postersPath)
	}
	prog, _, err := (&frab.Live{}).Source(ctx, schedulePath, postersPath)()
	return prog, err
}

// readSchedule is readProgram without the posters.
func readSchedule(ctx context.Context, schedulePath string) (*bot.Schedule, error) {
	prog, err := readProgram(ctx, schedulePath, "")
	if err != nil {
		return nil, err
	}
	return prog.Schedule, nil
}

func runCheck(o *options, stdout, stderr io.Writer) int {
	prog := loadProgram(o, stderr)
	if prog == nil {
		return 1
	}
	if err := bot.WriteCheck(stdout, prog, time.Local); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Warnings do not fail the check: the bot runs such a program as written.
	for _, w := range bot.Warnings(prog.Schedule) {
		fmt.Fprintln(stderr, "warning: "+w.Error())
	}
	return 0
}

func newLogger(level string, def slog.Level, w io.Writer) (*slog.Logger, error) {
	l := def
	if level != "" {
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, fmt.Errorf("--log-level: %q: want debug, info, warn or error", level)
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// sourceTimeout bounds one fetch of the live source: the reload runs every 30 s
// by default, and skips a run while one is still going.
const sourceTimeout = 20 * time.Second

// rehearsalSeconds is how long (real time) a default console rehearsal takes.
const rehearsalSeconds = 30

// newClock builds the bot's clock from --clock and --speed. A rehearsal (console)
// defaults to 5 minutes before the first session, fast enough to show the day in
// about 30 s; Discord defaults to the real clock.
func newClock(o *options, prog *bot.Program, rehearsal bool) (*bot.ScaledClock, error) {
	var start time.Time
	if o.clock != "" {
		t, err := time.Parse(time.RFC3339, o.clock)
		if err != nil {
			return nil, fmt.Errorf("--clock %q: want an RFC 3339 instant like 2021-12-14T06:40:00-05:00", o.clock)
		}
		start = t
	} else if rehearsal {
		// Five minutes before the first reminder (the first session less the longest
		// lead), so that the rehearsal shows every reminder of the day.
		start = bot.Plan(prog.Schedule)[0].Due.Add(-5 * time.Minute)
	}
	if o.speed < 0 {
		return nil, fmt.Errorf("--speed %v: must be positive", o.speed)
	}
	speed := o.speed
	if speed == 0 {
		speed = 1
		if rehearsal {
			plan := bot.Plan(prog.Schedule)
			last := plan[len(plan)-1].Due
			speed = max(1, last.Add(time.Minute).Sub(start).Seconds()/rehearsalSeconds)
		}
	}
	return bot.NewScaledClock(time.Now, start, speed), nil
}

// runBot runs the bot: on Discord when DISCORD_TOKEN is set (as one of a pair
// when the database is PostgreSQL), else as a rehearsal on the console.
func runBot(ctx context.Context, o *options, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	token := getenv("DISCORD_TOKEN")
	rehearsal := token == ""
	a, err := newApp(ctx, o, getenv, stderr, rehearsal)
	if err != nil {
		return err
	}
	defer a.store.Close()
	if rehearsal {
		return runApp(ctx, a, newRehearsal(a, stdin, stdout))
	}
	if postgres.IsURL(a.dbURL) { // one of a pair: act only while leader (pair.go)
		return runLeader(ctx, o, a.dbURL, func(ctx context.Context) error { return runDiscord(ctx, a, token) }, a.store, a.log)
	}
	return runDiscord(ctx, a, token)
}

// startReload applies the files now (a version refused at start is reported to
// the moderators here, once the transport is up), then whenever one of them is
// saved (watchFiles: within a second, at any --speed), and on the schedule's cron
// spec as a safety net for file systems that do not report changes and for a
// live source. It calls ticked after each cron run (for /healthz). cron runs on
// the wall clock, which is right: it watches files on disk, not the workshop's
// time. A bot that started on the last good copy of its live source (stale)
// tells the moderators at once.
func startReload(ctx context.Context, o *options, prog *bot.Program, r *bot.Reloader, stale *bot.StaleSourceError, log *slog.Logger, ticked func()) (stop func(), err error) {
	if stale != nil {
		r.SourceDown(ctx, stale)
	}
	r.Check(ctx)
	// The standard parser, as check validates the spec with (5 fields or @every).
	c := cron.New(cron.WithChain(cron.Recover(cron.DiscardLogger), cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := c.AddFunc(prog.Schedule.Reminders.Reload, func() { r.Check(ctx); ticked() }); err != nil {
		return nil, fmt.Errorf("reminders.reload %q: %w", prog.Schedule.Reminders.Reload, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	watched, err := watchFiles(wctx, []string{o.schedule, o.posters}, func() { r.Check(ctx) }, log)
	if err != nil {
		// The cron still reloads: slower, not broken.
		log.Warn("files are not watched; edits are applied on the reload schedule only", "reload", prog.Schedule.Reminders.Reload, "err", err)
		watched = func() {}
	} else {
		log.Info("watching the program files", "schedule", o.schedule, "posters", o.posters)
	}
	c.Start()
	return func() {
		cancel()
		watched()
		<-c.Stop().Done()
	}, nil
}

// rehearsalCopy is where a console rehearsal keeps its edited copy of the
// schedule: beside the database, named after it (workshopbot.db ->
// workshopbot.schedule.yaml).
func rehearsalCopy(o *options) string {
	base := strings.TrimSuffix(o.db, filepath.Ext(o.db))
	p := base + ".schedule.yaml"
	if a, _ := filepath.Abs(p); a != "" {
		if b, _ := filepath.Abs(o.schedule); a == b {
			p = base + ".rehearsal.schedule.yaml"
		}
	}
	return p
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
