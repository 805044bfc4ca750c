package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"workshopbot/bot"
)

// The last good program's files, for a restart on a broken file. Table in
// migrations/0007_last_good_program.sql.
var _ bot.ProgramStore = (*DB)(nil)

// LastGoodProgram returns the files last recorded; ok is false if none.
func (db *DB) LastGoodProgram(ctx context.Context) (bot.Files, bool, error) {
	var f bot.Files
	var saved int64
	err := db.sql.QueryRowContext(ctx, `
		SELECT schedule_path, posters_path, schedule, posters, version, saved_ms, source, upstream
		FROM last_good_program WHERE id = 1`).Scan(&f.SchedulePath, &f.PostersPath, &f.Schedule, &f.Posters, &f.Version, &saved, &f.Source, &f.Upstream)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Files{}, false, nil
	}
	if err != nil {
		return bot.Files{}, false, fmt.Errorf("read last good program: %w", err)
	}
	if saved != 0 {
		f.Saved = fromMillis(saved)
	}
	f.Schedule, f.Posters = nonNil(f.Schedule), nonNil(f.Posters) // an empty file is read as empty, not absent
	if f.Source == "" {
		f.Upstream = nil
	}
	return f, true, nil
}

// PutLastGoodProgram replaces the recorded files; they are on disk when it
// returns.
func (db *DB) PutLastGoodProgram(ctx context.Context, f bot.Files) error {
	if f.Version == "" {
		return errors.New("put last good program: empty version")
	}
	var saved int64
	if !f.Saved.IsZero() {
		saved = f.Saved.UnixMilli()
	}
	_, err := db.exec(ctx, `
		INSERT INTO last_good_program (id, schedule_path, posters_path, schedule, posters, version, saved_ms, source, upstream)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET schedule_path = excluded.schedule_path, posters_path = excluded.posters_path,
			schedule = excluded.schedule, posters = excluded.posters, version = excluded.version, saved_ms = excluded.saved_ms,
			source = excluded.source, upstream = excluded.upstream`,
		f.SchedulePath, f.PostersPath, nonNil(f.Schedule), nonNil(f.Posters), f.Version, saved, f.Source, nonNil(f.Upstream))
	if err != nil {
		return fmt.Errorf("put last good program %s: %w", f.Short(), err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
