// Package storetest holds what the store tests share: helpers to build and
// compare records and questions (this file, used by bot/sqlite's own tests
// too), and the store tests themselves, in its test files, which run once per
// engine (forEngines) from a table of engines: bot/sqlite and bot/postgres must
// keep the same things with the same semantics. PostgreSQL's runs skip, saying
// why, when its server binaries are absent (bot/postgres/pgtest).
//
// It must be imported by tests only.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

// Rec builds a reminder record; due is minutes after 9:00 UTC on the workshop day.
func Rec(session string, lead time.Duration, due int, status bot.ReminderStatus) bot.ReminderRecord {
	return bot.ReminderRecord{
		Key:    bot.ReminderKey{SessionID: session, Lead: lead},
		Due:    time.Date(2026, 6, 12, 9, due, 0, 0, time.UTC),
		Status: status,
		Nonce:  fmt.Sprintf("%s-%d", session, lead/time.Minute),
	}
}

// Line is a record as one comparable, readable line.
func Line(r bot.ReminderRecord) string {
	posted := "-"
	if !r.PostedAt.IsZero() {
		posted = r.PostedAt.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s/%s due=%s status=%s nonce=%s posted=%s channel=%s message=%s error=%q",
		r.Key.SessionID, r.Key.Lead, r.Due.UTC().Format(time.RFC3339Nano), r.Status, r.Nonce,
		posted, r.ChannelID, r.MessageID, r.Error)
}

// DiffRecords returns "" if got and want hold the same records in the same order.
func DiffRecords(got, want []bot.ReminderRecord) string {
	var g, w []string
	for _, r := range got {
		g = append(g, Line(r))
	}
	for _, r := range want {
		w = append(w, Line(r))
	}
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return ""
	}
	return fmt.Sprintf("got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
}

// Reminders returns db's records, failing t on an error.
func Reminders(t testing.TB, db bot.Store) []bot.ReminderRecord {
	t.Helper()
	got, err := db.Reminders(context.Background())
	if err != nil {
		t.Fatalf("Reminders: %v", err)
	}
	return got
}

// Put stores rs, failing t on an error.
func Put(t testing.TB, db bot.Store, rs ...bot.ReminderRecord) {
	t.Helper()
	for _, r := range rs {
		if err := db.PutReminder(context.Background(), r); err != nil {
			t.Fatalf("PutReminder: %v", err)
		}
	}
}

// T0 is when the first test question is asked.
var T0 = time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC)

// Question builds an open panel question asked min minutes after T0.
func Question(asker, text string, min int) bot.Question {
	at := T0.Add(time.Duration(min) * time.Minute)
	return bot.Question{
		SessionID: "panel", Text: text, AskerID: asker, AskerName: "name-" + asker,
		Status: bot.QuestionOpen, AskedAt: at, UpdatedAt: at,
	}
}

// QLine is a question as one comparable, readable line.
func QLine(q bot.Question) string {
	return fmt.Sprintf("#%d %s %q asker=%s/%s anon=%v %s votes=%d asked=%s updated=%s cards=%s/%s/%s",
		q.ID, q.SessionID, q.Text, q.AskerID, q.AskerName, q.Anonymous, q.Status, q.Votes,
		q.AskedAt.UTC().Format(time.RFC3339Nano), q.UpdatedAt.UTC().Format(time.RFC3339Nano),
		q.CardChannelID, q.CardMessageID, q.ModMessageID)
}

// CheckVotesInStep asserts, on a database/sql handle of either engine, that
// every question's votes column equals its rows in votes.
func CheckVotesInStep(t testing.TB, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`
		SELECT q.id, q.votes, (SELECT count(*) FROM votes v WHERE v.question_id = q.id)
		FROM questions q`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var col, counted int
		if err := rows.Scan(&id, &col, &counted); err != nil {
			t.Fatal(err)
		}
		if col != counted {
			t.Errorf("question %d: votes column %d, votes rows %d", id, col, counted)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
