package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/questions"
	"workshopbot/bot/sqlite"
)

// runQuestions is `workshopbot questions export [flags]`: the panel questions as
// CSV on stdout, read from the database file after the event. The bot must not be
// running: the store lets one process at a time open the file.
func runQuestions(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprintf(stderr, "usage: workshopbot questions export [--session ID] [--status STATUS] [--db PATH] [--schedule PATH] > questions.csv\n")
	}
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			usage()
			return 0
		}
		usage()
		return 2
	}
	fs := flag.NewFlagSet("workshopbot questions export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "workshopbot.db", "the database the bot ran with")
	schedule := fs.String("schedule", "schedule.yaml", "the program, for session titles and the workshop's time zone")
	session := fs.String("session", "", "only the questions for this session (id or title)")
	status := fs.String("status", "", "only questions with this status: "+statusList())
	fs.Usage = func() {
		usage()
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "workshopbot questions export: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := exportQuestions(ctx, *db, *schedule, *session, *status, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "workshopbot questions export: %v\n", err)
		return 1
	}
	return 0
}

func exportQuestions(ctx context.Context, dbPath, schedulePath, session, status string, stdout, stderr io.Writer) error {
	sched, err := readSchedule(ctx, schedulePath)
	if err != nil {
		// The questions matter more than their decoration: export with session
		// ids and UTC times rather than nothing.
		fmt.Fprintf(stderr, "warning: %v\nwarning: exporting with session ids and UTC times\n", err)
		sched = &bot.Schedule{Workshop: bot.Workshop{Location: time.UTC}}
	}
	f := bot.QuestionFilter{Status: bot.QuestionStatus(strings.ToLower(status))}
	if f.Status != "" && !slices.Contains(bot.QuestionStatuses, f.Status) {
		return fmt.Errorf("--status %q: want one of %s", status, statusList())
	}
	if session != "" {
		f.SessionID = session
		for _, s := range sched.Sessions {
			if s.ID == session || strings.EqualFold(s.Title, session) {
				f.SessionID = s.ID
			}
		}
	}
	// sqlite.Open creates a missing file; an export must not.
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("database %s: %w (pass --db with the file the bot ran with)", dbPath, err)
	}
	store, err := sqlite.Open(ctx, dbPath)
	if errors.Is(err, sqlite.ErrLocked) {
		return fmt.Errorf("%w: stop the bot first, or export on Discord with /questions export", err)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	qs, err := store.Questions(ctx, f)
	if err != nil {
		return err
	}
	data, err := questions.ExportCSV(sched, qs)
	if err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	if _, err := stdout.Write(data); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	what := ""
	if f.SessionID != "" {
		what += " for session " + f.SessionID
	}
	if f.Status != "" {
		what += " with status " + string(f.Status)
	}
	fmt.Fprintf(stderr, "%s%s exported from %s\n", bot.Plural(len(qs), "question"), what, dbPath)
	return nil
}

func statusList() string {
	var names []string
	for _, s := range bot.QuestionStatuses {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}
