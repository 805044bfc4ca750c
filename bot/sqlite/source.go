package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"workshopbot/bot"
)

// The last good copy of the live source; table in migrations/0006_source.sql.
var _ bot.SourceStore = (*DB)(nil)

// SourceCopy returns the copy last put and its URL; "", nil, nil if none.
func (db *DB) SourceCopy(ctx context.Context) (url string, data []byte, err error) {
	err = db.sql.QueryRowContext(ctx, `SELECT url, data FROM source_copy WHERE id = 1`).Scan(&url, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("read the source's copy: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return url, data, nil
}

// PutSourceCopy replaces the copy; it is on disk when it returns.
func (db *DB) PutSourceCopy(ctx context.Context, url string, data []byte) error {
	if url == "" {
		return errors.New("put the source's copy: no URL")
	}
	if data == nil {
		data = []byte{}
	}
	_, err := db.exec(ctx, `
		INSERT INTO source_copy (id, url, data) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, data = excluded.data`, url, data)
	if err != nil {
		return fmt.Errorf("put the source's copy of %s: %w", url, err)
	}
	return nil
}
