package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

// Reminders returns every recorded reminder, by due time, then session (byte
// order, as SQLite) and lead. Times come back in UTC, to the millisecond.
func (db *DB) Reminders(ctx context.Context) ([]bot.ReminderRecord, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT session_id, lead_ns, due_ms, status, nonce, posted_ms, channel_id, message_id, error
		FROM reminders
		ORDER BY due_ms, session_id COLLATE "C", lead_ns`)
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (bot.ReminderRecord, error) {
		var (
			r         bot.ReminderRecord
			lead, due int64
			posted    *int64
			status    string
		)
		if err := row.Scan(&r.Key.SessionID, &lead, &due, &status, &r.Nonce, &posted, &r.ChannelID, &r.MessageID, &r.Error); err != nil {
			return r, err
		}
		r.Key.Lead = time.Duration(lead)
		r.Due = fromMillis(due)
		r.Status = bot.ReminderStatus(status)
		if posted != nil {
			r.PostedAt = fromMillis(*posted)
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	return out, nil
}

// PutReminder inserts or replaces the record for r.Key. When it returns nil the
// record is committed. Times are kept to the millisecond.
func (db *DB) PutReminder(ctx context.Context, r bot.ReminderRecord) error {
	wrap := func(err error) error {
		return fmt.Errorf("put reminder %s/%s: %w", r.Key.SessionID, formatLead(r.Key.Lead), err)
	}
	switch {
	case r.Key.SessionID == "":
		return wrap(errors.New("empty session id"))
	case r.Status == "":
		return wrap(errors.New("empty status"))
	}
	_, err := db.exec(ctx, `
		INSERT INTO reminders (session_id, lead_ns, due_ms, status, nonce, posted_ms, channel_id, message_id, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (session_id, lead_ns) DO UPDATE SET
			due_ms = excluded.due_ms,
			status = excluded.status,
			nonce = excluded.nonce,
			posted_ms = excluded.posted_ms,
			channel_id = excluded.channel_id,
			message_id = excluded.message_id,
			error = excluded.error`,
		r.Key.SessionID, int64(r.Key.Lead), r.Due.UnixMilli(), string(r.Status), r.Nonce, millis(r.PostedAt),
		r.ChannelID, r.MessageID, r.Error)
	if err != nil {
		return wrap(err)
	}
	return nil
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// millis is t in unix milliseconds, or NULL for the zero time.
func millis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// formatLead writes a lead the way schedule.yaml does: "15m", "1h", "1h30m", "0s".
func formatLead(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
