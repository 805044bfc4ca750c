package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// TestConsoleEndOfRun (issue 12 item 9): questions asked at the end of a piped
// run get their cards before the summary; on a fresh database whose clock starts
// after the reminders, the closing line says so, and only a rerun on the same
// database says that it already records every reminder.
func TestConsoleEndOfRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	late := []string{"--db", db, "--clock", "2021-12-15T01:00:00-05:00", "--speed", "600"}
	out := rehearse(t, "as alice /ask question:\"Why adjoints?\"\nas bob /ask question:\"And memory?\"\n", late...)
	summary := strings.Index(out, "Summary:")
	for _, card := range []string{"**Q1**", "**Q2**"} {
		if i := strings.Index(out, card); i < 0 || i > summary {
			t.Errorf("card %s at %d, summary at %d: want the card before the summary\n%s", card, i, summary, out)
		}
	}
	if strings.Contains(out, "already records") || !strings.Contains(out, "the virtual clock started at 2021-12-15 01:00 -05:00, after the reminders") {
		t.Errorf("fresh database, late clock: closing line wrong:\n%s", out[summary:])
	}
	out = rehearse(t, "", late...)
	if !strings.Contains(out, "already records every reminder") {
		t.Errorf("rerun on the same database: closing line wrong:\n%s", out[strings.Index(out, "Summary:"):])
	}
}

// TestConsoleScheduleAttachmentLine (issue 12 item 11): on the console,
// /schedule shows the day and one line for the calendar it attaches, not 10 KB
// of iCalendar text; a small attachment (a question export) is still shown.
func TestConsoleScheduleAttachmentLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	out := rehearse(t, "as alice /ask Why adjoints?\n/schedule\nas mod/Moderators /questions export\n",
		"--db", db, "--clock", "2021-12-15T01:00:00-05:00", "--speed", "600")
	if strings.Contains(out, "BEGIN:VCALENDAR") {
		t.Errorf("the calendar's text is printed:\n%s", out)
	}
	if !strings.Contains(out, "[attached dlde.ics, ") || !strings.Contains(out, "not shown here") {
		t.Errorf("no attachment line for the calendar:\n%s", out)
	}
	if !strings.Contains(out, "Why adjoints?") || !strings.Contains(out, "[attached questions.csv, ") {
		t.Errorf("the small export is not shown:\n%s", out)
	}
}

// TestConsoleReaderEndsWithBot (issue 14): a rehearsal whose stdin stays
// open (a pipe no one writes to or closes) ends when its context does, and
// the goroutine that read stdin has ended with it: none is left blocked in a
// read, and none can call the bot after run returns.
func TestConsoleReaderEndsWithBot(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	pr, pw := io.Pipe()
	defer pw.Close()
	var out lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--http", "", "--db", db, "--clock", "2021-12-15T01:00:00-05:00", "--speed", "600"},
			func(string) string { return "" }, pr, &out, &out)
	}()
	if _, err := io.WriteString(pw, "as alice /ask question:\"Why adjoints?\"\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "**Q1**") {
		if time.Now().After(deadline) {
			t.Fatalf("no card for the question in 30 s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("run returned %d while stdin was still open:\n%s", code, out.String())
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("run still running 10 s after its context ended:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Summary:") {
		t.Errorf("no summary after the context ended:\n%s", out.String())
	}
	for _, fn := range []string{"console.readLines", "console.(*Console).Serve"} {
		if g := bottest.GoroutineLeft(fn, 5*time.Second); g != "" {
			t.Errorf("a goroutine in %s outlived run:\n%s", fn, g)
		}
	}
}
