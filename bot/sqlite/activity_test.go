package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

// TestOpenReadOnlyBesideTheBot: the report reads a database a bot has open
// (and locked), sees its last commit, and cannot write.
func TestOpenReadOnlyBesideTheBot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	db := openT(t, path)
	if err := db.PutReminder(ctx, rec("talk", 0, 0, bot.StatusSent)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	recs, err := ro.Reminders(ctx)
	if err != nil || len(recs) != 1 {
		t.Fatalf("Reminders read-only: %v %v", recs, err)
	}
	if err := ro.PutReminder(ctx, rec("talk", time.Minute, 0, bot.StatusSent)); err == nil {
		t.Error("PutReminder on a read-only database: no error")
	}
	// The bot goes on writing, and the reader sees it.
	if err := db.PutReminder(ctx, rec("talk", 5*time.Minute, 0, bot.StatusSent)); err != nil {
		t.Fatal(err)
	}
	if recs, err := ro.Reminders(ctx); err != nil || len(recs) != 2 {
		t.Errorf("after the bot's write: %d records, %v", len(recs), err)
	}
}

func TestOpenReadOnlyRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := OpenReadOnly(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a missing file: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("OpenReadOnly created the missing file")
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, but long enough to look like a header..................................................................................."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(ctx, junk); !errors.Is(err, ErrCorrupt) {
		t.Errorf("junk: %v, want ErrCorrupt", err)
	}
}

// TestActivityOfAnOlderDatabase: a database from before the counts (a backup
// of an earlier version) reads as having none.
func TestActivityOfAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var old []migration
	for _, m := range migs {
		if m.SQL != "" && !containsActivity(m.SQL) {
			old = append(old, m)
		}
	}
	db, err := open(ctx, path, old)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	c, err := ro.Activity(ctx)
	if err != nil || len(c.Messages)+len(c.Members) != 0 {
		t.Errorf("Activity of an old database: %+v, %v", c, err)
	}
}

func containsActivity(sql string) bool {
	return strings.Contains(sql, "CREATE TABLE activity_messages")
}
