package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestOpenRefusesCorruptFile(t *testing.T) {
	random := make([]byte, 8192)
	rand.NewChaCha8([32]byte{1}).Read(random)

	tests := []struct {
		name    string
		content func(t *testing.T, path string) []byte // what to write at path
	}{
		{"random bytes", func(*testing.T, string) []byte { return random }},
		{"empty file", func(*testing.T, string) []byte { return nil }}, // SQLite would start it as a new database
		{"text file", func(*testing.T, string) []byte { return []byte("id,session,title\np1,1,Posters\n") }},
		{"header only", func(*testing.T, string) []byte { return []byte("SQLite format 3\x00") }},
		{"damaged pages", func(t *testing.T, path string) []byte {
			// A real workshopbot database whose table pages were overwritten.
			db := openT(t, path)
			for i := range 200 {
				put(t, db, rec(fmt.Sprintf("s%03d", i), 0, i, bot.StatusSent))
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			const page = 4096
			if len(b) < 3*page {
				t.Fatalf("database only %d bytes; the test needs more pages", len(b))
			}
			for i := page; i < len(b); i++ {
				b[i] = 0xA5
			}
			return b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "workshopbot.db")
			content := tt.content(t, path)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}

			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			t.Logf("Open: %v", err)
			want := fmt.Sprintf("open database %s: file is not a SQLite database or is corrupt: ", path)
			if !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open error = %q, want it to start with %q and match ErrCorrupt", err, want)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !bytes.Equal(got, content) {
				t.Errorf("Open changed the corrupt file: %d bytes before, %d after", len(content), len(got))
			}
			// Nothing but the lock file may have appeared (no journal or WAL of
			// a half-opened database).
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if n := e.Name(); n != "workshopbot.db" && n != "workshopbot.db.lock" {
					t.Errorf("Open left %s behind", n)
				}
			}
			// The failed Open released its lock.
			if _, err := acquireLock(path + ".lock"); err != nil {
				t.Errorf("lock still held after a failed Open: %v", err)
			}
		})
	}
}

// A second bot reaching the file through a symlink or a hard link is refused
// too: with a hard link, each would otherwise keep its own WAL (path-wal) and
// lose the other's commits.
func TestOpenIsExclusiveThroughLinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "workshopbot.db")
	first, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	links := map[string]func(string, string) error{"symlink": os.Symlink, "hard link": os.Link}
	for name, link := range links {
		if name == "hard link" && runtime.GOOS == "windows" {
			continue // no flock there: the side lock of the real path is all (see lockInode)
		}
		other := filepath.Join(t.TempDir(), "via-"+strings.ReplaceAll(name, " ", "-")+".db")
		if err := link(path, other); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		second, err := Open(context.Background(), other)
		if err == nil {
			second.Close()
			t.Errorf("a second Open through a %s succeeded", name)
			continue
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("second Open through a %s = %v, want ErrLocked", name, err)
		}
	}
}

func TestOpenIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	first, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, first, rec("s", 0, 0, bot.StatusSent))

	start := time.Now()
	second, err := Open(context.Background(), path)
	if err == nil {
		second.Close()
		t.Fatal("second Open of the same file succeeded")
	}
	want := fmt.Sprintf("open database %s: locked by another running workshopbot (pid %d)", path, os.Getpid())
	if err.Error() != want || !errors.Is(err, ErrLocked) {
		t.Errorf("second Open error = %q, want %q matching ErrLocked", err, want)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Open took %v to fail; it must not wait", d)
	}
	// The refused Open must not have disturbed the first.
	if got := reminders(t, first); len(got) != 1 {
		t.Errorf("first DB has %d records after the refused Open, want 1", len(got))
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	again := openT(t, path)
	if got := reminders(t, again); len(got) != 1 {
		t.Errorf("reopened DB has %d records, want 1", len(got))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	db := openT(t, path)
	put(t, db, rec("s", 0, 0, bot.StatusSent))
	if _, err := db.sql.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	_, err := Open(context.Background(), path)
	want := fmt.Sprintf("open database %s: database schema is newer than this workshopbot: it is at version 99, this build knows versions up to %d;", path, len(mustLoad(t)))
	if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open error = %v, want it to start with %q", err, want)
	}
	if v := userVersion(t, path); v != 99 {
		t.Errorf("user_version after refused Open = %d, want 99 (untouched)", v)
	}
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	tests := []struct {
		name  string
		setup string
	}{
		{"another app's tables", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"},
		{"another app's id", "PRAGMA application_id = 1234"},
		{"a versioned schema with no id", "PRAGMA user_version = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(tt.setup); err != nil {
				t.Fatal(err)
			}
			raw.Close()

			_, err = Open(context.Background(), path)
			want := fmt.Sprintf("open database %s: file is a SQLite database but not a workshopbot one", path)
			if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrForeign) {
				t.Fatalf("Open error = %v, want it to start with %q", err, want)
			}
		})
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db := openT(t, filepath.Join(dir, "workshopbot.db"))
	want := []bot.ReminderRecord{rec("a", 0, 1, bot.StatusSent), rec("b", time.Minute, 2, bot.StatusFailed)}
	put(t, db, want...)
	ctx := context.Background()

	dst := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	// The running DB is still usable after a backup.
	put(t, db, rec("c", 0, 3, bot.StatusSent))

	t.Run("the copy opens and has the data", func(t *testing.T) {
		copy := openT(t, dst)
		if err := copy.IntegrityCheck(ctx); err != nil {
			t.Error(err)
		}
		if d := diffRecords(reminders(t, copy), want); d != "" {
			t.Error(d)
		}
	})
	t.Run("refuses to overwrite", func(t *testing.T) {
		existing := filepath.Join(dir, "existing.db")
		content := []byte("precious")
		if err := os.WriteFile(existing, content, 0o644); err != nil {
			t.Fatal(err)
		}
		err := db.Backup(ctx, existing)
		wantErr := fmt.Sprintf("backup database %s to %s: file already exists; choose a new file name", filepath.Join(dir, "workshopbot.db"), existing)
		if err == nil || err.Error() != wantErr {
			t.Errorf("Backup error = %v, want %q", err, wantErr)
		}
		if got, _ := os.ReadFile(existing); !bytes.Equal(got, content) {
			t.Errorf("Backup changed the existing file to %q", got)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if err := db.Backup(ctx, filepath.Join(dir, "no", "such", "dir.db")); err == nil {
			t.Error("Backup into a missing directory succeeded")
		}
	})
	// No temporary files left behind, whatever happened.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("Backup left %s behind", e.Name())
		}
	}
}

func TestChecksAndPing(t *testing.T) {
	db := openT(t, "")
	ctx := context.Background()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck on a fresh database: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	var mode string
	var sync, fk int
	if err := db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	if err := db.sql.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d (%v), want 2 (FULL)", sync, err)
	}
	if err := db.sql.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
	db.Close()
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

func TestOpenRefusesQuestionMarkInPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "what?.db")
	if _, err := Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), "must not contain") {
		t.Errorf("Open(%q) error = %v, want a refusal", path, err)
	}
}

// userVersion reads PRAGMA user_version without going through Open.
func userVersion(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPingReportsFailingWrites: with the disk full (SQLite's max_page_count
// reached, which fails writes with SQLITE_FULL as a full disk does), reads
// still work but Ping fails, naming it, so /healthz goes red; once a write
// succeeds again, Ping passes. Both the group-commit writer and the direct
// writes (a reminder's record) count (issue 11 item 8).
func TestPingReportsFailingWrites(t *testing.T) {
	db := openT(t, "")
	ctx := context.Background()
	capAt := func(pages string) {
		t.Helper()
		if pages == "" {
			if err := db.sql.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.sql.Exec("PRAGMA max_page_count = " + pages); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Unix(1e9, 0)
	long := strings.Repeat("Is the disk full yet? ", 40)
	ask := func(i int) error {
		_, err := db.Ask(ctx, bot.Question{SessionID: "panel", Text: fmt.Sprintf("%d %s", i, long), AskerID: fmt.Sprint(i), AskerName: "a",
			Status: bot.QuestionOpen, AskedAt: at, UpdatedAt: at}, bot.AskRules{})
		return err
	}
	wantFailing := func(what string) {
		t.Helper()
		if err := db.Ping(ctx); err == nil || !strings.Contains(err.Error(), "full") {
			t.Errorf("Ping after %s = %v, want an error saying the database is full", what, err)
		}
	}
	wantHealthy := func(what string) {
		t.Helper()
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Ping after %s = %v, want nil", what, err)
		}
	}

	capAt("")
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		err = ask(i)
	}
	if err == nil {
		t.Fatal("200 questions fitted in a database capped at its size")
	}
	if _, err := db.Questions(ctx, bot.QuestionFilter{}); err != nil {
		t.Errorf("reads fail too with the disk full: %v", err)
	}
	wantFailing("a question could not be stored")

	capAt("1000000")
	if err := ask(1000); err != nil {
		t.Fatalf("Ask after room was made: %v", err)
	}
	wantHealthy("a question was stored again")

	capAt("")
	err = nil
	for i := 0; i < 200 && err == nil; i++ {
		err = db.PutReminder(ctx, bot.ReminderRecord{Key: bot.ReminderKey{SessionID: fmt.Sprint("s", i)}, Due: at, Status: bot.ReminderStatus("posted"), Error: long})
	}
	if err == nil {
		t.Fatal("200 reminder records fitted in a database capped at its size")
	}
	wantFailing("a reminder's record could not be stored")
}

// TestInstanceID: each database has its own id, 8 hex digits, kept across
// reopening (issue 11 item 7: message nonces carry it).
func TestInstanceID(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	a := openT(t, path)
	id, err := a.InstanceID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 8 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("InstanceID = %q, want 8 hex digits", id)
	}
	other, err := openT(t, "").InstanceID(ctx)
	if err != nil || other == id {
		t.Errorf("a second database's id = %q (%v), want one of its own (not %q)", other, err, id)
	}
	a.Close()
	again, err := openT(t, path).InstanceID(ctx)
	if err != nil || again != id {
		t.Errorf("after reopening: %q (%v), want %q", again, err, id)
	}
}
