package sqlite

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"workshopbot/bot"
)

func mustLoad(t *testing.T) []migration {
	t.Helper()
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	return migs
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	if got := mustLoad(t)[0].Name; got != "0001_reminders.sql" {
		t.Errorf("first migration = %s, want 0001_reminders.sql", got)
	}
}

func TestReopenKeepsDataAndVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	want := []bot.ReminderRecord{rec("a", 0, 1, bot.StatusSent)}
	for i := range 3 {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if i == 0 {
			put(t, db, want...)
		}
		if d := diffRecords(reminders(t, db), want); d != "" {
			t.Errorf("open #%d: %s", i+1, d)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if v := userVersion(t, path); v != len(mustLoad(t)) {
			t.Errorf("open #%d: user_version = %d, want %d", i+1, v, len(mustLoad(t)))
		}
	}
}

// TestAddingAMigration is the upgrade a future migration makes: a database
// made with the first migrations gains the new one, keeps its data, and a
// failing migration leaves it as it was.
func TestAddingAMigration(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{}
	for _, m := range mustLoad(t) {
		fsys["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	load := func(extra map[string]string) []migration {
		t.Helper()
		f := maps.Clone(fsys)
		for name, sql := range extra {
			f["migrations/"+name] = &fstest.MapFile{Data: []byte(sql)}
		}
		migs, err := loadMigrations(f)
		if err != nil {
			t.Fatal(err)
		}
		return migs
	}
	n := len(fsys)
	next := func(i int, name string) string { return fmt.Sprintf("%04d_%s.sql", n+i, name) }

	path := filepath.Join(t.TempDir(), "workshopbot.db")
	db, err := open(ctx, path, load(nil))
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, rec("a", 0, 1, bot.StatusSent))
	db.Close()

	// A failing migration: open fails and nothing of it stays.
	bad := map[string]string{
		next(1, "notes"):  "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
		next(2, "broken"): "CREATE TABLE note_tags (note_id INTEGER REFERENCES notes(id)); INSERT INTO nonsense VALUES (1);",
	}
	if _, err := open(ctx, path, load(bad)); err == nil || !strings.Contains(err.Error(), next(2, "broken")) {
		t.Fatalf("open with a broken migration: error = %v, want it to name %s", err, next(2, "broken"))
	}
	if v := userVersion(t, path); v != n {
		t.Errorf("user_version after a failed migration = %d, want %d", v, n)
	}

	// A migration that leaves a broken foreign key is refused too.
	dangling := map[string]string{
		next(1, "notes"): "CREATE TABLE notes (id INTEGER PRIMARY KEY);" +
			"CREATE TABLE note_tags (note_id INTEGER NOT NULL REFERENCES notes(id) DEFERRABLE INITIALLY DEFERRED);" +
			"INSERT INTO note_tags VALUES (42);",
	}
	if _, err := open(ctx, path, load(dangling)); err == nil || !strings.Contains(err.Error(), "break foreign keys") {
		t.Fatalf("open with a dangling foreign key: error = %v, want one about foreign keys", err)
	}

	good := map[string]string{
		next(1, "notes"):     "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
		next(2, "note_tags"): "CREATE TABLE note_tags (note_id INTEGER NOT NULL REFERENCES notes(id), tag TEXT NOT NULL);",
	}
	db, err = open(ctx, path, load(good))
	if err != nil {
		t.Fatalf("open with new migrations: %v", err)
	}
	if _, err := db.sql.Exec("INSERT INTO notes (id, text) VALUES (1, 'why?')"); err != nil {
		t.Errorf("new table missing: %v", err)
	}
	if _, err := db.sql.Exec("INSERT INTO note_tags VALUES (7, 'u')"); err == nil {
		t.Error("foreign keys not enforced on the new table")
	}
	if got := reminders(t, db); len(got) != 1 {
		t.Errorf("%d reminders after upgrade, want 1", len(got))
	}
	db.Close()
	if v := userVersion(t, path); v != n+2 {
		t.Errorf("user_version after upgrade = %d, want %d", v, n+2)
	}

	// The build without the new migrations now refuses the file.
	if _, err := open(ctx, path, load(nil)); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("older build opening an upgraded file: error = %v, want ErrNewerSchema", err)
	}
}
