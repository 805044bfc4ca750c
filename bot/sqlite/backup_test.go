package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
)

// TestBackupFileWhileOpen copies a database that another DB holds open (and
// locked) and keeps writing to: the copy passes integrity_check, opens, and
// holds at least every record committed before the backup started.
func TestBackupFileWhileOpen(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "workshopbot.db")
	db := openT(t, src)
	for i := range 200 {
		put(t, db, crashRecord(i, bot.StatusSent))
	}

	// A writer keeps committing while the backups run.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for i := 200; ctx.Err() == nil; i++ {
			if err := db.PutReminder(context.Background(), crashRecord(i, bot.StatusPending)); err != nil {
				writeErr = err
				return
			}
		}
	})
	var dsts []string
	for k := range 3 {
		dst := filepath.Join(dir, fmt.Sprintf("backup-%d.db", k))
		if err := BackupFile(context.Background(), src, dst); err != nil {
			t.Fatalf("BackupFile while the database is open: %v", err)
		}
		dsts = append(dsts, dst)
	}
	cancel()
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("the writer failed during the backups: %v", writeErr)
	}
	// The running DB is untouched and still usable.
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	put(t, db, rec("after", 0, 1, bot.StatusSent))

	for _, dst := range dsts {
		cp := openT(t, dst)
		if err := cp.IntegrityCheck(context.Background()); err != nil {
			t.Errorf("%s: %v", dst, err)
		}
		got := reminders(t, cp)
		if len(got) < 200 {
			t.Errorf("%s holds %d records, want at least the 200 committed before the backup", dst, len(got))
		}
		t.Logf("%s: %d records", filepath.Base(dst), len(got))
	}
}

// TestBackupFileClosed copies a database no one has open (its WAL checkpointed
// and gone).
func TestBackupFileClosed(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "workshopbot.db")
	db, err := Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.ReminderRecord{rec("a", 0, 1, bot.StatusSent), rec("b", time.Minute, 2, bot.StatusFailed)}
	put(t, db, want...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy.db")
	if err := BackupFile(context.Background(), src, dst); err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	cp := openT(t, dst)
	if d := diffRecords(reminders(t, cp), want); d != "" {
		t.Error(d)
	}
	// The source is still a good database that Open accepts.
	openT(t, src)
}

func TestBackupFileRefusals(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	openT(t, good)
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	raw, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, src, dst string
		want           string
		is             error
	}{
		{"missing source", filepath.Join(dir, "nope.db"), filepath.Join(dir, "a.db"), "no such file; give the database the bot runs with (--db)", nil},
		{"existing destination", good, existing, "file already exists; choose a new file name", os.ErrExist},
		{"foreign database", foreign, filepath.Join(dir, "b.db"), "file is a SQLite database but not a workshopbot one", ErrForeign},
		{"not a database", garbage, filepath.Join(dir, "c.db"), "file is not a SQLite database or is corrupt", ErrCorrupt},
		{"missing directory", good, filepath.Join(dir, "no", "dir", "d.db"), "no such file or directory", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := BackupFile(context.Background(), tt.src, tt.dst)
			prefix := fmt.Sprintf("backup database %s to %s: ", tt.src, tt.dst)
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("BackupFile error = %v, want %q then %q", err, prefix, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
	if got, _ := os.ReadFile(existing); string(got) != "precious" {
		t.Errorf("the existing destination was changed to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("BackupFile left %s behind", e.Name())
		}
	}
}
