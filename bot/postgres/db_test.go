package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/internal/schema"
	"workshopbot/bot/postgres/pgtest"
)

// The store's semantics are tested in bot/storetest, on both engines; here are
// what only PostgreSQL has: its migration under a lock, its refusals, and
// leadership (leader_test.go).

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func TestOpenTogetherMigratesOnce(t *testing.T) {
	u := pgtest.Shared(t).NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := Open(ctx, u)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.pool.QueryRow(ctx, "SELECT version FROM workshopbot_schema").Scan(&v); err != nil || v != len(mustMigrations(t)) {
		t.Errorf("version = %d (%v), want %d", v, err, len(mustMigrations(t)))
	}
}

func TestOpenRefusals(t *testing.T) {
	s := pgtest.Shared(t)
	ctx := context.Background()

	foreign := s.NewDatabase(t)
	pgtest.Exec(t, foreign, "CREATE TABLE invoices (id int)")
	if _, err := Open(ctx, foreign); !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "schema public holds 1 table(s)") {
		t.Errorf("Open of another application's database: %v, want ErrForeign naming 1 table in schema public", err)
	}

	newer := s.NewDatabase(t)
	db, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	pgtest.Exec(t, newer, "UPDATE workshopbot_schema SET version = 99")
	_, err = Open(ctx, newer)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("Open of a newer schema: %v, want ErrNewerSchema naming version 99", err)
	}

	if _, err := Open(ctx, "postgres://u:secret@/db?host=/nonexistent&connect_timeout=1"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of an unreachable server: %v, want an error without the password", err)
	}
}

func mustMigrations(t *testing.T) []schema.Migration {
	t.Helper()
	migs, err := schema.Load(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://h/db": true, "postgresql:///db?host=/run": true,
		"workshopbot.db": false, "/var/lib/w.db": false, "postgres.db": false,
	} {
		if got := IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, got, want)
		}
	}
}

// Two bots on one database (two DBs here, two pools, two writers): the checks
// Ask makes and TakeNext's pick hold across them, as within one.
func TestAtomicAcrossTwoStores(t *testing.T) {
	u := pgtest.Shared(t).NewDatabase(t)
	ctx := context.Background()
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	t0 := time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC)
	const tries, limit = 40, 3
	var wg sync.WaitGroup
	var stored, limited atomic.Int32
	for i := range tries {
		wg.Go(func() {
			q := bot.Question{SessionID: "panel", Text: fmt.Sprintf("question %d", i), AskerID: "u1",
				Status: bot.QuestionOpen, AskedAt: t0.Add(time.Duration(i) * time.Millisecond)}
			_, err := dbs[i%2].Ask(ctx, q, bot.AskRules{Limit: limit, Since: t0})
			var le *bot.LimitError
			switch {
			case err == nil:
				stored.Add(1)
			case errors.As(err, &le):
				limited.Add(1)
			default:
				t.Errorf("Ask %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if stored.Load() != limit || limited.Load() != tries-limit {
		t.Errorf("%d stored, %d refused by the limit; want %d and %d", stored.Load(), limited.Load(), limit, tries-limit)
	}

	for i := range 20 {
		q := bot.Question{SessionID: "panel", Text: fmt.Sprintf("queued %d", i), AskerID: fmt.Sprintf("u%d", i+10),
			Status: bot.QuestionOpen, AskedAt: t0.Add(time.Minute)}
		if _, err := dbs[0].AddQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	taken := map[int64]int{}
	for i := range 30 {
		wg.Go(func() {
			q, _, ok, err := dbs[i%2].TakeNext(ctx, "panel", t0.Add(time.Hour))
			if err != nil {
				t.Errorf("TakeNext: %v", err)
				return
			}
			if ok {
				mu.Lock()
				taken[q.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for id, n := range taken {
		if n > 1 {
			t.Errorf("question %d taken %d times", id, n)
		}
	}
	if len(taken) != limit+20 {
		t.Errorf("%d questions taken, want %d", len(taken), limit+20)
	}
}

// The migrations are bot/sqlite's in PostgreSQL's words: the same files, by
// number and name, so a schema change is made in both or neither.
func TestMigrationsMatchSQLite(t *testing.T) {
	entries, err := os.ReadDir("../sqlite/migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	var got []string
	for _, m := range mustMigrations(t) {
		got = append(got, m.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("migrations %v, want bot/sqlite's %v", got, want)
	}
}
