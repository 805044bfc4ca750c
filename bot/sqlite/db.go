package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"workshopbot/bot"
)

// Errors Open reports, for errors.Is. The error's text names the file and, where
// it can, the fix.
var (
	// ErrLocked: another DB, in this process or another, has the file open.
	ErrLocked = errors.New("locked by another running workshopbot")
	// ErrCorrupt: the file is not a SQLite database, or is damaged.
	ErrCorrupt = errors.New("file is not a SQLite database or is corrupt")
	// ErrForeign: the file is a SQLite database of some other application.
	ErrForeign = errors.New("file is a SQLite database but not a workshopbot one")
	// ErrNewerSchema: the database was written by a newer workshopbot.
	ErrNewerSchema = errors.New("database schema is newer than this workshopbot")
)

// busyTimeoutMS bounds how long a statement waits for a lock held by someone
// else. The bot is the only writer (the side-file lock sees to that), so only an
// operator's sqlite3 shell can make it wait, and then it should fail soon, not hang.
const busyTimeoutMS = 1000

// maxReaders is how many connections serve reads at once.
const maxReaders = 4

// DB is the SQLite store. It is safe for concurrent use. Writes run on one
// connection: the frequent ones through the writer's group commit (writer.go),
// the rare ones (reminders, posters, the program) directly. Reads run on
// connections of their own, which in WAL mode see the last commit and never wait
// for the writer, nor make it wait.
type DB struct {
	path string
	sql  *sql.DB // the writing connection
	read *sql.DB // the reading connections (query_only)
	ckpt *sql.DB // the checkpointer's connection (writer.go), and Backup's: query_only refuses VACUUM INTO
	w    *writer
	lock *dbLock

	// failing is the last write's storage error (disk full, I/O error, file
	// gone read-only), nil once a write succeeds again: Ping reports it, so
	// /healthz goes red while reads still work and /ask cannot store.
	failing atomic.Pointer[error]

	closeOnce sync.Once
	closeErr  error
}

var _ bot.Store = (*DB)(nil)

// Open opens, creating it if missing, the database file at path, takes the
// exclusive lock on it, checks it, and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return open(ctx, path, migs)
}

// open is Open with the migrations as a parameter, for tests of the mechanism.
func open(ctx context.Context, path string, migs []migration) (_ *DB, err error) {
	wrap := func(err error) error {
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("open database %s: %w (restore a backup, or move the file aside to start empty)", path, err)
		}
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if strings.ContainsAny(path, "?#") {
		// The driver splits its DSN at '?'; such a name would open another file.
		return nil, wrap(errors.New("file name must not contain '?' or '#'"))
	}

	// Lock first: a second bot must not so much as read-check the file,
	// whatever name (symlink, hard link) it finds the file by.
	lock, real, err := lockDatabase(path)
	if err != nil {
		return nil, wrap(err)
	}
	if strings.ContainsAny(real, "?#") {
		lock.release()
		return nil, wrap(fmt.Errorf("file name must not contain '?' or '#' (the link resolves to %s)", real))
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()

	// Per-connection settings go in the DSN, so a connection database/sql
	// replaces gets them too. journal_mode is not among them: it is persistent
	// and writes the header, which must wait until the file has been checked.
	base := real + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMS)
	// The writing connection leaves checkpoints to the checkpointer (writer.go).
	sdb, err := sql.Open("sqlite", base+"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, wrap(err)
	}
	// One connection: statements are serialised here rather than by SQLite's
	// locks, so the bot never meets SQLITE_BUSY from itself.
	sdb.SetMaxOpenConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	defer func() {
		if err != nil {
			sdb.Close()
		}
	}()

	if err := prepare(ctx, sdb, migs); err != nil {
		return nil, wrap(err)
	}
	// Readers are opened once the file is checked and in WAL mode.
	rdb, cdb, err := openReaders(ctx, base)
	if err != nil {
		return nil, wrap(err)
	}
	db := &DB{path: path, sql: sdb, read: rdb, ckpt: cdb, lock: lock}
	db.w = startWriter(sdb, cdb, db.wrote)
	return db, nil
}

// prepare checks the file, switches it to WAL and migrates it, on the
// writing connection.
func prepare(ctx context.Context, sdb *sql.DB, migs []migration) error {
	if err := check(ctx, sdb, "quick_check"); err != nil {
		return classify(err)
	}
	var mode string
	if err := sdb.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("set journal_mode=WAL: %w", classify(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("set journal_mode=WAL: the file system kept journal_mode=%s", mode)
	}
	if err := migrate(ctx, sdb, migs); err != nil {
		return classify(err)
	}
	return nil
}

// openReaders opens the reading connections (query_only makes a write
// slipped onto them an error rather than a second writer) and the
// checkpointer's (writer.go).
func openReaders(ctx context.Context, base string) (rdb, cdb *sql.DB, err error) {
	rdb, err = sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		return nil, nil, err
	}
	rdb.SetMaxOpenConns(maxReaders)
	rdb.SetMaxIdleConns(maxReaders)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	if err := rdb.PingContext(ctx); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("open a reading connection: %w", classify(err))
	}
	cdb, err = sql.Open("sqlite", base+"&_pragma=synchronous(FULL)")
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	cdb.SetMaxOpenConns(1)
	cdb.SetConnMaxLifetime(0)
	cdb.SetConnMaxIdleTime(0)
	return rdb, cdb, nil
}

// Close closes the database and then releases the lock. Later calls return the
// first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		// Writes handed to the writer are committed first. Release the lock
		// only after the last connection is gone: closing it checkpoints the
		// WAL, and the next owner must not start before that is done.
		// A read-only copy (OpenReadOnly) has neither a writer nor a
		// connection of its own for reads or checkpoints.
		var err error
		if db.w != nil {
			db.w.stopWriter()
			err = errors.Join(db.read.Close(), db.ckpt.Close())
		}
		if werr := db.sql.Close(); err == nil {
			err = werr
		}
		if lerr := db.lock.release(); err == nil {
			err = lerr
		}
		if err != nil {
			db.closeErr = fmt.Errorf("close database %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// WriteStats reports how many transactions the writer has committed, and how
// many writes they carried (group commit: several per transaction).
func (db *DB) WriteStats() (commits, writes int64) {
	return db.w.Stats()
}

// Ping reports whether the database file can still be read, and whether the
// last write reached it: a full disk leaves reads working, and without this a
// bot that can no longer store a question would look healthy.
func (db *DB) Ping(ctx context.Context) error {
	if p := db.failing.Load(); p != nil {
		return fmt.Errorf("ping database %s: writes are failing: %w", db.path, *p)
	}
	var v int
	// schema_version is read from the file header, so this touches the file,
	// unlike "SELECT 1".
	if err := db.sql.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return fmt.Errorf("ping database %s: %w", db.path, err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check, the full check (Open runs the
// faster quick_check), and returns an error listing what it found.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if err := check(ctx, db.sql, "integrity_check"); err != nil {
		return fmt.Errorf("integrity check %s: %w", db.path, err)
	}
	return nil
}

// Backup writes a consistent copy of the database to dst with VACUUM INTO, while
// the bot keeps running. It refuses to overwrite dst. The copy is written to a
// temporary file beside dst, synced, and only then given its name, so a crash
// mid-backup never leaves a partial file called dst.
func (db *DB) Backup(ctx context.Context, dst string) error {
	if err := vacuumInto(ctx, db.ckpt, dst); err != nil {
		return fmt.Errorf("backup database %s to %s: %w", db.path, dst, err)
	}
	return nil
}

// publish gives tmp the name dst without replacing a dst that appeared since
// Backup looked. A hard link fails if dst exists; where the file system has no
// hard links, a rename after a second look is the best available.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	if err == nil {
		return os.Remove(tmp)
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w; choose a new file name", fs.ErrExist)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%w; choose a new file name", fs.ErrExist)
	}
	return os.Rename(tmp, dst)
}

// syncFile flushes the file name to disk. (Windows wants write access for that.)
func syncFile(name string) error { return syncOpened(name, os.O_RDWR) }

// syncOpened opens name with flag, syncs it and closes it.
func syncOpened(name string, flag int) error {
	f, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// queryer is what check needs: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// maxCheckProblems bounds how many of integrity_check's findings an error lists.
const maxCheckProblems = 10

// check runs a checking pragma (quick_check, integrity_check) that returns the
// single row "ok" or rows of problems, and turns problems into an error.
func check(ctx context.Context, q queryer, pragma string) error {
	rows, err := q.QueryContext(ctx, fmt.Sprintf("PRAGMA %s(%d)", pragma, maxCheckProblems))
	if err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("%s: %w", pragma, err)
		}
		problems = append(problems, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	if len(problems) == 0 {
		return fmt.Errorf("%s: returned nothing", pragma)
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, pragma, strings.Join(problems, "; "))
}

// wrote records the outcome of a write for Ping: a storage error marks the
// database failing, a success clears it; other errors (a constraint, a
// cancelled caller) say nothing about the disk. It returns err.
func (db *DB) wrote(err error) error {
	switch {
	case err == nil:
		db.failing.Store(nil)
	case storageError(err):
		db.failing.Store(&err)
	}
	return err
}

// storageError reports whether err is SQLite failing to write the file.
func storageError(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// exec runs a direct write (one not worth the group commit) on the writing
// connection, and records its outcome for Ping.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.sql.ExecContext(ctx, query, args...)
	return res, db.wrote(err)
}

// classify marks SQLite's "not a database" and "corrupt" results with
// ErrCorrupt, so the message says what is wrong with the file in plain words.
func classify(err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	return err
}

// InstanceID is the database's own id, 8 hex digits made when the database
// (or its schema version 9) was created: what tells this bot's messages from
// those of another bot, with another database, on the same guild.
func (db *DB) InstanceID(ctx context.Context) (string, error) {
	var id string
	if err := db.read.QueryRowContext(ctx, "SELECT id FROM instance").Scan(&id); err != nil {
		return "", fmt.Errorf("read instance id of %s: %w", db.path, err)
	}
	return id, nil
}
