package storetest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

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
	bot.SourceStore
	bot.ProgramStore
	bot.GreenStore
	bot.RoleStore
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
