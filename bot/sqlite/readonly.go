package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// OpenReadOnly opens the database file at path for reading only: a backup copy,
// or the file a bot is running on (it takes no lock and changes nothing, not
// even the schema). It is what `workshopbot report` reads. Every reading method
// of DB works on it; writing ones fail. A file written by an older workshopbot
// is read as it is: what it lacks reads as empty.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	wrap := func(err error) error { return fmt.Errorf("open database %s read-only: %w", path, err) }
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, wrap(errors.New("no such file; give the database the bot runs with (--db)"))
		}
		return nil, wrap(err)
	}
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, wrap(err)
	}
	sdb, err := openRO(ctx, path)
	if err != nil {
		return nil, wrap(err)
	}
	var version int
	if err := sdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		sdb.Close()
		return nil, wrap(classify(err))
	}
	if version > len(migs) {
		sdb.Close()
		return nil, wrap(fmt.Errorf("%w: it is at version %d, this build knows versions up to %d; run a newer workshopbot", ErrNewerSchema, version, len(migs)))
	}
	return &DB{path: path, sql: sdb, read: sdb}, nil // reads only: no writer
}
