package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"workshopbot/bot/internal/schema"
)

// migrationFiles is the schema, one file per change: migrations/NNNN_name.sql,
// numbered from 0001 without gaps. A file runs inside the transaction migrate
// opens, so it must not contain BEGIN or COMMIT. Once shipped, a file is never
// edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID marks a file as workshopbot's (PRAGMA application_id, "wsbt"), so
// Open can tell a workshopbot database from another program's.
const applicationID = 0x77736274

// migration is one schema change (bot/internal/schema).
type migration = schema.Migration

// loadMigrations reads migrations/*.sql from fsys and checks their numbering.
var loadMigrations = schema.Load

// migrate brings the schema up to the last of migs, all pending migrations in one
// transaction: the database ends at its old version or at the new one, never
// between. It refuses a database of another application and one newer than migs.
func migrate(ctx context.Context, sdb *sql.DB, migs []migration) (err error) {
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()

	var appID, version, objects int
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("migrate: read application_id: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read user_version: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return fmt.Errorf("migrate: read schema: %w", err)
	}
	known := len(migs)
	switch {
	case appID != applicationID && (appID != 0 || version != 0 || objects != 0):
		// Not ours and not empty: adding our tables to it would be wrong.
		return fmt.Errorf("%w (application_id %#x, user_version %d, %d schema objects); check the path", ErrForeign, appID, version, objects)
	case version > known:
		return fmt.Errorf("%w: it is at version %d, this build knows versions up to %d; run a newer workshopbot or restore a backup made by this one", ErrNewerSchema, version, known)
	case version == known:
		return tx.Rollback()
	}

	for _, m := range migs[version:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	// foreign_keys cannot be switched off inside a transaction, so a migration
	// that rebuilds a table defers the checks instead; make sure it left none
	// broken.
	var broken int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil {
		return fmt.Errorf("migrate: foreign_key_check: %w", err)
	}
	if broken > 0 {
		return fmt.Errorf("migrate: to version %d: %d rows break foreign keys", known, broken)
	}
	// PRAGMA takes no parameters; both values are integers this code made.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", known)); err != nil {
		return fmt.Errorf("migrate: set user_version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return fmt.Errorf("migrate: set application_id: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: to version %d: commit: %w", known, err)
	}
	return nil
}
