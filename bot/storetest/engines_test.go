// Package storetest runs one set of store tests against every engine: bot/sqlite
// and bot/postgres must keep the same things with the same semantics, so every
// test here runs once per engine (forEngines), from a table of engines.
// PostgreSQL's runs skip, saying why, when its server binaries are absent
// (bot/postgres/pgtest).
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for tests that reach past the store
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"workshopbot/bot"
	"workshopbot/bot/postgres"
	"workshopbot/bot/postgres/pgtest"
	"workshopbot/bot/sqlite"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// store is every store interface the bot uses, which both engines implement.
type store interface {
	bot.Store
	bot.QuestionStore
	bot.PosterStore
	bot.AnnouncedStore
	bot.EventStore
	bot.DMStore
	bot.ActivityStore
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// engines is the table every test runs over. place makes a new, empty
// database and returns what opens it (a file path, a URL); openStore opens it.
var engines = []struct {
	name      string
	place     func(t *testing.T) string
	openStore func(ctx context.Context, where string) (store, error)
	driver    string // database/sql driver name, for sql
}{
	{
		name:      "sqlite",
		place:     func(t *testing.T) string { return filepath.Join(t.TempDir(), "workshopbot.db") },
		openStore: func(ctx context.Context, where string) (store, error) { return sqlite.Open(ctx, where) },
		driver:    "sqlite",
	},
	{
		name:      "postgres",
		place:     func(t *testing.T) string { return pgtest.Shared(t).NewDatabase(t) },
		openStore: func(ctx context.Context, where string) (store, error) { return postgres.Open(ctx, where) },
		driver:    "pgx",
	},
}

// engine is one engine inside one test: it opens databases by name, the same
// name giving the same database (to test a restart).
type engine struct {
	name   string
	test   *testing.T // the test forEngines made
	mu     sync.Mutex
	places map[string]string // name -> path or URL
	wheres map[store]string  // an open store -> its path or URL
	place  func(t *testing.T) string
	opener func(ctx context.Context, where string) (store, error)
	driver string
}

// forEngines runs f once per engine, as subtests named after the engines.
func forEngines(t *testing.T, f func(t *testing.T, e *engine)) {
	for _, en := range engines {
		t.Run(en.name, func(t *testing.T) {
			e := &engine{name: en.name, test: t, places: map[string]string{}, wheres: map[store]string{},
				place: en.place, opener: en.openStore, driver: en.driver}
			f(t, e)
		})
	}
}

// where returns the path or URL of the database called name ("": a new one).
func (e *engine) where(t *testing.T, name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name != "" {
		if w, ok := e.places[name]; ok {
			return w
		}
	}
	w := e.place(e.test)
	if name != "" {
		e.places[name] = w
	}
	return w
}

// openErr opens the database called name; the caller closes it.
func (e *engine) openErr(ctx context.Context, name string) (store, error) {
	w := e.where(e.test, name)
	db, err := e.opener(ctx, w)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.wheres[db] = w
	e.mu.Unlock()
	return db, nil
}

// open opens the database called name ("": a new one) and closes it when t ends.
func (e *engine) open(t *testing.T, name string) store {
	t.Helper()
	db, err := e.openErr(context.Background(), name)
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sql is a database/sql handle on db's database, for tests that reach past the
// store; the statements they run read the same in both dialects.
func (e *engine) sql(t *testing.T, db store) *sql.DB {
	t.Helper()
	e.mu.Lock()
	w := e.wheres[db]
	e.mu.Unlock()
	h, err := sql.Open(e.driver, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
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
func reminders(t *testing.T, db store) []bot.ReminderRecord {
	t.Helper()
	got, err := db.Reminders(context.Background())
	if err != nil {
		t.Fatalf("Reminders: %v", err)
	}
	return got
}

func put(t *testing.T, db store, rs ...bot.ReminderRecord) {
	t.Helper()
	for _, r := range rs {
		if err := db.PutReminder(context.Background(), r); err != nil {
			t.Fatalf("PutReminder: %v", err)
		}
	}
}
