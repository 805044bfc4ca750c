package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

// AddActivity implements bot.ActivityStore: one transaction that adds c's
// messages, joins and leaves to the stored windows and sets the member count of
// the windows where c knows it.
func (db *DB) AddActivity(ctx context.Context, c bot.ActivityCounts) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, m := range c.Messages {
			if _, err := tx.Exec(ctx, `
				INSERT INTO activity_messages (channel, bucket_ms, messages) VALUES ($1, $2, $3)
				ON CONFLICT (channel, bucket_ms) DO UPDATE SET messages = activity_messages.messages + excluded.messages`,
				m.Channel, m.Bucket.UnixMilli(), m.Messages); err != nil {
				return err
			}
		}
		for _, m := range c.Members {
			var members *int64
			if m.Known {
				n := int64(m.Members)
				members = &n
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO activity_members (bucket_ms, joins, leaves, members) VALUES ($1, $2, $3, $4)
				ON CONFLICT (bucket_ms) DO UPDATE SET
					joins = activity_members.joins + excluded.joins,
					leaves = activity_members.leaves + excluded.leaves,
					members = coalesce(excluded.members, activity_members.members)`,
				m.Bucket.UnixMilli(), m.Joins, m.Leaves, members); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add activity: %w", err)
	}
	db.commits.Add(1)
	return nil
}

// Activity implements bot.ActivityStore.
func (db *DB) Activity(ctx context.Context) (bot.ActivityCounts, error) {
	var c bot.ActivityCounts
	rows, err := db.pool.Query(ctx, `SELECT channel, bucket_ms, messages FROM activity_messages ORDER BY channel COLLATE "C", bucket_ms`)
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	c.Messages, err = collect(rows, func(row pgx.CollectableRow) (bot.MessageCount, error) {
		var (
			m  bot.MessageCount
			ms int64
		)
		err := row.Scan(&m.Channel, &ms, &m.Messages)
		m.Bucket = fromMillis(ms)
		return m, err
	})
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	rows, err = db.pool.Query(ctx, `SELECT bucket_ms, joins, leaves, members FROM activity_members ORDER BY bucket_ms`)
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	c.Members, err = collect(rows, func(row pgx.CollectableRow) (bot.MemberCount, error) {
		var (
			m       bot.MemberCount
			ms      int64
			members *int64
		)
		err := row.Scan(&ms, &m.Joins, &m.Leaves, &members)
		m.Bucket = fromMillis(ms)
		if members != nil {
			m.Members, m.Known = int(*members), true
		}
		return m, err
	})
	if err != nil {
		return c, fmt.Errorf("read activity: %w", err)
	}
	return c, nil
}
