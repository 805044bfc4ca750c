package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestMain(m *testing.M) {
	// The crash test re-executes this binary as the process it kills.
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// openT opens a database in a fresh directory, or at path if given, and closes
// it when the test ends.
func openT(t *testing.T, path string) *DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "workshopbot.db")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rec builds a record; due is minutes after 9:00 UTC on the workshop day.
func rec(session string, lead time.Duration, due int, status bot.ReminderStatus) bot.ReminderRecord {
	return bot.ReminderRecord{
		Key:    bot.ReminderKey{SessionID: session, Lead: lead},
		Due:    time.Date(2026, 6, 12, 9, due, 0, 0, time.UTC),
		Status: status,
		Nonce:  fmt.Sprintf("%s-%d", session, lead/time.Minute),
	}
}

// line is a record as one comparable, readable line.
func line(r bot.ReminderRecord) string {
	posted := "-"
	if !r.PostedAt.IsZero() {
		posted = r.PostedAt.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s/%s due=%s status=%s nonce=%s posted=%s channel=%s message=%s error=%q",
		r.Key.SessionID, r.Key.Lead, r.Due.UTC().Format(time.RFC3339Nano), r.Status, r.Nonce,
		posted, r.ChannelID, r.MessageID, r.Error)
}

// diffRecords returns "" if got and want hold the same records in the same order.
func diffRecords(got, want []bot.ReminderRecord) string {
	var g, w []string
	for _, r := range got {
		g = append(g, line(r))
	}
	for _, r := range want {
		w = append(w, line(r))
	}
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return ""
	}
	return fmt.Sprintf("got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
}

func reminders(t *testing.T, db *DB) []bot.ReminderRecord {
	t.Helper()
	got, err := db.Reminders(context.Background())
	if err != nil {
		t.Fatalf("Reminders: %v", err)
	}
	return got
}

func put(t *testing.T, db *DB, rs ...bot.ReminderRecord) {
	t.Helper()
	for _, r := range rs {
		if err := db.PutReminder(context.Background(), r); err != nil {
			t.Fatalf("PutReminder: %v", err)
		}
	}
}
