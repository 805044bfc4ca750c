package main

import (
	"context"
	"io"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/console"
)

// rehearsal is the console edge: the day on a virtual clock, with commands
// typed (or piped) on stdin.
type rehearsal struct {
	a     *app
	con   *console.Console
	stdin io.Reader

	interactive bool
	started     time.Time            // the clock at the banner, for the closing line
	before      []bot.ReminderRecord // what the database recorded before this run
}

func newRehearsal(a *app, stdin io.Reader, stdout io.Writer) *rehearsal {
	s := a.prog.Schedule
	return &rehearsal{a: a, stdin: stdin, interactive: isTerminal(stdin),
		con: console.New(stdout, a.clock, s.Workshop.Location, s.Discord.ReminderRole)}
}

func (r *rehearsal) configure(c *bot.Config, w *webDeps) {
	c.Transport = r.con
	w.gateway = func(context.Context) (string, error) { return "console (no gateway)", nil }
}

// start prints the banner and reads what the database recorded before this
// run: the closing line tells a rerun on the same database from a clock that
// started after the reminders.
func (r *rehearsal) start(ctx context.Context, b *bot.Bot, dash dashboard) error {
	r.con.OnActivity(b.Record)
	r.con.SetCommands(b.Specs())
	prog, clock := r.a.prog, r.a.clock
	loc := prog.Schedule.Workshop.Location
	r.started = clock.Now()
	r.con.Printf("Rehearsing %s (%s) on the console: virtual clock from %s at %.0fx.\n",
		prog.Schedule.Workshop.Name, prog.Schedule.Workshop.ShortName, clock.Now().In(loc).Format("2006-01-02 15:04 -07:00"), clock.Speed())
	if r.interactive {
		r.con.Printf("Type /help for commands; `as carol/Moderators /questions next` acts as someone else. Ctrl-D quits.\n")
	}
	if dash.url != "" {
		r.con.Printf("Dashboard: %s  overlay: %soverlay  moderator token: %s\n", dash.url, dash.url, dash.token)
	}
	r.con.Printf("\n")
	var err error
	r.before, err = r.a.store.Reminders(ctx)
	return err
}

// reloader makes /workshop delay edit a copy beside the database, never the
// organizer's schedule.yaml.
func (r *rehearsal) reloader(rl *bot.Reloader) *bot.Reloader {
	return rl.EditCopy(rehearsalCopy(r.a.o), r.a.o.posters)
}

// run plays stdin's commands beside the bot until the program is over and
// stdin ends, or ctx ends, then prints the summary. The goroutine that serves
// stdin is run's: it has ended when run returns.
func (r *rehearsal) run(ctx context.Context, b *bot.Bot) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- r.con.Serve(sctx, r.stdin, r.a.prog.Schedule.Workshop.Date, b.Handle) }()
	// stopServing ends Serve at once; a read that still blocks on stdin ends
	// when stdin is closed (a pipe or a file; a terminal's ends with the
	// process).
	stopServing := func() {
		cancel()
		<-served
		if c, ok := r.stdin.(io.Closer); ok {
			_ = c.Close()
		}
	}
	r.a.clock.Release()
	if err := b.Run(ctx, bot.RunOptions{StopWhenDone: true}); err != nil {
		stopServing()
		return err
	}
	if r.interactive && ctx.Err() == nil {
		r.con.Printf("The program is over. Keep typing commands, or Ctrl-D to quit.\n")
	}
	var serveErr error
	select {
	case serveErr = <-served: // stdin ended, and its reader with it
	case <-ctx.Done():
		stopServing()
	}
	if err := r.summarize(context.WithoutCancel(ctx), b); err != nil {
		return err
	}
	return serveErr
}

// summarize prints the day's figures, and why nothing was posted if nothing was.
func (r *rehearsal) summarize(ctx context.Context, b *bot.Bot) error {
	sum, err := b.Summarize(ctx)
	if err != nil {
		return err
	}
	o, prog := r.a.o, r.a.prog
	r.con.Printf("Summary: %s\nPosts by channel: %s\n", sum, r.con.Posts())
	if r.con.Posted(bot.ChannelAnnouncements) == 0 && sum.Planned > 0 && sum.Pending == 0 {
		if len(r.before) >= sum.Planned {
			r.con.Printf("\nNothing was posted: %s already records every reminder of this day, and the bot never posts one twice.\n"+
				"To rehearse again from scratch: go run . --db /tmp/rehearsal.db (or delete %s).\n", o.db, o.db)
		} else {
			r.con.Printf("\nNothing was posted: the virtual clock started at %s, after the reminders were due, and a reminder later than catch_up (%s) is skipped.\n"+
				"To see them: start the clock earlier (--clock), or leave --clock out to rehearse the whole day.\n",
				r.started.In(prog.Schedule.Workshop.Location).Format("2006-01-02 15:04 -07:00"), prog.Schedule.Reminders.CatchUp)
		}
	}
	return nil
}

// stop has nothing to close: the console is stdout.
func (r *rehearsal) stop(runErr error) error { return runErr }
