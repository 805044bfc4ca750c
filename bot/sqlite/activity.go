package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"workshopbot/bot"
)

var _ bot.ActivityStore = (*DB)(nil)

// AddActivity implements bot.ActivityStore: one transaction that adds c's
// messages, joins and leaves to the stored windows and sets the member count of
// the windows where c knows it.
func (db *DB) AddActivity(ctx context.Context, c bot.ActivityCounts) error {
	err := db.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, m := range c.Messages {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO activity_messages (channel, bucket_ms, messages) VALUES (?, ?, ?)
				ON CONFLICT (channel, bucket_ms) DO UPDATE SET messages = messages + excluded.messages`,
				m.Channel, m.Bucket.UnixMilli(), m.Messages); err != nil {
				return err
			}
		}
		for _, m := range c.Members {
			var members sql.NullInt64
			if m.Known {
				members = sql.NullInt64{Int64: int64(m.Members), Valid: true}
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO activity_members (bucket_ms, joins, leaves, members) VALUES (?, ?, ?, ?)
				ON CONFLICT (bucket_ms) DO UPDATE SET
					joins = joins + excluded.joins,
					leaves = leaves + excluded.leaves,
					members = coalesce(excluded.members, members)`,
				m.Bucket.UnixMilli(), m.Joins, m.Leaves, members); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add activity: %w", err)
	}
	return nil
}

// Activity implements bot.ActivityStore. A database from before the counts were
// kept (a read-only copy, see OpenReadOnly) has none: that is no error.
func (db *DB) Activity(ctx context.Context) (bot.ActivityCounts, error) {
	var c bot.ActivityCounts
	var tables int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type = 'table' AND name IN ('activity_messages', 'activity_members')`).Scan(&tables); err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	if tables < 2 {
		return c, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT channel, bucket_ms, messages FROM activity_messages ORDER BY channel, bucket_ms`)
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m  bot.MessageCount
			ms int64
		)
		if err := rows.Scan(&m.Channel, &ms, &m.Messages); err != nil {
			return c, fmt.Errorf("read activity: %w", err)
		}
		m.Bucket = fromMillis(ms)
		c.Messages = append(c.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	rows.Close()
	rows, err = db.sql.QueryContext(ctx, `SELECT bucket_ms, joins, leaves, members FROM activity_members ORDER BY bucket_ms`)
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m       bot.MemberCount
			ms      int64
			members sql.NullInt64
		)
		if err := rows.Scan(&ms, &m.Joins, &m.Leaves, &members); err != nil {
			return c, fmt.Errorf("read activity: %w", err)
		}
		m.Bucket = fromMillis(ms)
		m.Members, m.Known = int(members.Int64), members.Valid
		c.Members = append(c.Members, m)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	return c, nil
}
