package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"workshopbot/bot"
	"workshopbot/bot/internal/groupcommit"
	"workshopbot/bot/internal/schema"
)

// Errors Open reports, for errors.Is.
var (
	// ErrForeign: the database holds tables, but not workshopbot's.
	ErrForeign = errors.New("database is not empty and not a workshopbot one")
	// ErrNewerSchema: the database was written by a newer workshopbot.
	ErrNewerSchema = errors.New("database schema is newer than this workshopbot")
)

// Advisory lock keys. The leader's lock is the one-bigint form; the
// transaction locks use the two-int form, which PostgreSQL keeps apart, so
// they never meet the leader's.
const (
	appKey         = 0x77736274 // "wsbt", as bot/sqlite's application_id
	leaderLock     = int64(appKey)
	migrateLock    = 1 // with appKey: Open's migration
	questionsLock  = 2 // with appKey: the writes bot/sqlite's writer serialises
	lockTimeoutSQL = "SET LOCAL lock_timeout = '10s'"
)

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://) rather than a SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// DB is the PostgreSQL store. It is safe for concurrent use, also by several
// processes on one database.
type DB struct {
	name string // the URL without its password, for messages
	url  string
	pool *pgxpool.Pool
	w    *groupcommit.Queue[writeFunc] // writer.go

	commits atomic.Int64 // commits of the writes that bypass the writer
}

var (
	_ bot.Store          = (*DB)(nil)
	_ bot.QuestionStore  = (*DB)(nil)
	_ bot.PosterStore    = (*DB)(nil)
	_ bot.AnnouncedStore = (*DB)(nil)
	_ bot.EventStore     = (*DB)(nil)
	_ bot.DMStore        = (*DB)(nil)
	_ bot.ActivityStore  = (*DB)(nil)
)

// Open connects to the database at url (postgres://...), checks it is empty or
// workshopbot's, and brings its schema up to date.
func Open(ctx context.Context, url string) (*DB, error) {
	migs, err := schema.Load(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return open(ctx, url, migs)
}

func open(ctx context.Context, url string, migs []schema.Migration) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: say less.
		return nil, errors.New("open database: --db is not a valid postgres:// URL")
	}
	name := redact(cfg.ConnConfig)
	wrap := func(err error) error { return fmt.Errorf("open database %s: %w", name, err) }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, wrap(err)
	}
	if err := migrate(ctx, pool, migs); err != nil {
		pool.Close()
		return nil, wrap(err)
	}
	return &DB{name: name, url: url, pool: pool, w: startWriter(pool)}, nil
}

// redact names a database by user, host and database, never the password.
func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s/%s", c.User, c.Host, c.Database)
}

// Close commits the writes handed to the writer, then closes the connections.
func (db *DB) Close() error {
	db.w.Stop()
	db.pool.Close()
	return nil
}

// Ping reports whether the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database %s: %w", db.name, err)
	}
	return nil
}

// WriteStats reports the transactions committed, and the writes they carried
// (several per transaction through the writer's group commit).
func (db *DB) WriteStats() (commits, writes int64) {
	n := db.commits.Load()
	c, w := db.w.Stats()
	return n + c, n + w
}

// exec runs one statement in its own transaction and counts the commit.
func (db *DB) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := db.pool.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	db.commits.Add(1)
	return tag.RowsAffected(), nil
}

// inTx runs fn through the writer (writer.go): in a transaction holding
// questionsLock, shared with the other writes of its batch, its changes undone
// alone if it fails; it returns once the transaction is committed.
func (db *DB) inTx(ctx context.Context, fn writeFunc) error {
	return db.w.Do(ctx, fn)
}

// migrationFiles is the schema, one file per change (bot/internal/schema), as
// in bot/sqlite and with its numbers.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate brings the schema up to the last of migs in one transaction, under an
// advisory lock so that two bots starting at once migrate once. It refuses a
// database with other tables and one newer than migs.
func migrate(ctx context.Context, pool *pgxpool.Pool, migs []schema.Migration) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", int32(appKey), int32(migrateLock)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var ours bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('workshopbot_schema') IS NOT NULL`).Scan(&ours); err != nil {
			return fmt.Errorf("read schema: %w", err)
		}
		version := 0
		if ours {
			if err := tx.QueryRow(ctx, `SELECT version FROM workshopbot_schema`).Scan(&version); err != nil {
				return fmt.Errorf("read version: %w", err)
			}
		} else {
			var (
				tables int
				where  string
			)
			if err := tx.QueryRow(ctx, `SELECT count(*), current_schema() FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables, &where); err != nil {
				return fmt.Errorf("read schema: %w", err)
			}
			if tables > 0 {
				return fmt.Errorf("%w (schema %s holds %d table(s), none of them workshopbot_schema); check the URL", ErrForeign, where, tables)
			}
			if _, err := tx.Exec(ctx, `
				CREATE TABLE workshopbot_schema (
					one     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
					version INTEGER NOT NULL
				);
				INSERT INTO workshopbot_schema (version) VALUES (0)`); err != nil {
				return fmt.Errorf("create workshopbot_schema: %w", err)
			}
		}
		known := len(migs)
		switch {
		case version > known:
			return fmt.Errorf("%w: it is at version %d, this build knows versions up to %d; run a newer workshopbot", ErrNewerSchema, version, known)
		case version == known:
			return nil
		}
		for _, m := range migs[version:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE workshopbot_schema SET version = $1`, known); err != nil {
			return fmt.Errorf("set version: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// InstanceID is the database's own id, 8 hex digits made when its schema was
// created: what tells this pair's messages from those of another bot, with
// another database, on the same guild.
func (db *DB) InstanceID(ctx context.Context) (string, error) {
	var id string
	if err := db.pool.QueryRow(ctx, "SELECT id FROM instance").Scan(&id); err != nil {
		return "", fmt.Errorf("read instance id: %w", err)
	}
	return id, nil
}
