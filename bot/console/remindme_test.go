package console

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
)

// TestRemindmeOnTheConsoleIsADirectMessage: the console has no roles, so
// /remindme (without dm:true) keeps a direct message, printed at the due time
// and once.
func TestRemindmeOnTheConsoleIsADirectMessage(t *testing.T) {
	ctx := context.Background()
	s, err := bot.ParseSchedule("schedule.yaml", []byte(`workshop:
  name: Console Remind
  timezone: UTC
  date: 2026-06-12
reminders:
  leads: []
sessions:
  - {id: panel, start: "10:00", end: "11:00", kind: panel, title: The Panel}
`))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := bottest.NewClock(time.Date(2026, 6, 12, 8, 0, 0, 0, time.UTC))
	var out bytes.Buffer
	c := New(&out, clock, time.UTC, "")
	b, err := bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: s}, Clock: clock, Store: db, Transport: c})
	if err != nil {
		t.Fatal(err)
	}
	r := b.Handle(ctx, bot.Command{Name: "remindme", Options: map[string]string{"session": "panel"}, User: bot.User{ID: "console-alice", Name: "alice"}})
	if !strings.Contains(r.Content, "send you a direct message") {
		t.Fatalf("reply %q, want a direct message", r.Content)
	}
	for _, mm := range []int{50, 51} {
		clock.Set(time.Date(2026, 6, 12, 9, mm, 0, 0, time.UTC))
		if _, err := b.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(out.String(), "DM to alice:"); n != 1 || !strings.Contains(out.String(), "The Panel") {
		t.Errorf("console printed %d DMs to alice, want 1:\n%s", n, out.String())
	}
}
