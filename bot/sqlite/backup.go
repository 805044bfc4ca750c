package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// BackupFile writes a consistent copy of the database file src to dst while a
// bot may be running on src. It is what `workshopbot backup` runs.
//
// A running bot holds the exclusive lock Open takes, so BackupFile does not use
// Open: it opens src read-only (SQLite's mode=ro), without the lock and without
// migrating anything, and copies it with VACUUM INTO. WAL mode lets that read
// run beside the bot's writes; the copy is the last committed state at the
// moment the copy's read transaction starts. Like (*DB).Backup it refuses to
// overwrite dst and never leaves a partial file called dst.
func BackupFile(ctx context.Context, src, dst string) (err error) {
	wrap := func(err error) error { return fmt.Errorf("backup database %s to %s: %w", src, dst, err) }
	if _, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return wrap(errors.New("no such file; give the database the bot runs with (--db)"))
		}
		return wrap(err)
	}
	sdb, err := openRO(ctx, src)
	if err != nil {
		return wrap(err)
	}
	defer sdb.Close()
	if err := vacuumInto(ctx, sdb, dst); err != nil {
		return wrap(err)
	}
	return nil
}

// openRO opens the existing database file path read-only (SQLite's mode=ro),
// without the lock and without migrating anything, and checks that it is a
// workshopbot database. WAL mode lets it read beside a running bot's writes.
func openRO(ctx context.Context, path string) (_ *sql.DB, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// A "file:" URI, so that SQLite itself reads mode=ro (the driver would drop
	// it from a plain name). The path is escaped, so '?' and '#' in it are safe.
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro"}).String() +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", backupBusyMS)
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			sdb.Close()
		}
	}()
	sdb.SetMaxOpenConns(1)
	if err := check(ctx, sdb, "quick_check"); err != nil {
		return nil, classify(err)
	}
	var appID int64
	if err := sdb.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return nil, classify(err)
	}
	if appID != applicationID {
		return nil, fmt.Errorf("%w (application_id %#x); check the path", ErrForeign, appID)
	}
	return sdb, nil
}

// backupBusyMS bounds how long the backup waits for a lock: only a checkpoint or
// a WAL recovery by the bot can make it wait, and those are short.
const backupBusyMS = 5000

// vacuumInto writes a copy of the database behind q to dst with VACUUM INTO:
// to a temporary file beside dst first, synced, and only then given its name.
// It refuses to overwrite dst.
func vacuumInto(ctx context.Context, q *sql.DB, dst string) (err error) {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%w; choose a new file name", fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(dst)
	// VACUUM INTO accepts an existing empty file; CreateTemp gives one with a
	// unique name and mode 0600, which suits a copy of the bot's data.
	tmp, err := os.CreateTemp(dir, filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Close(); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return err
	}
	// SQLite does not sync the file VACUUM INTO writes.
	if err := syncFile(tmpName); err != nil {
		return err
	}
	if err := publish(tmpName, dst); err != nil {
		return err
	}
	return syncDir(dir)
}
