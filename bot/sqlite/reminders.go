package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"workshopbot/bot"
)

// Reminders returns every recorded reminder, by due time, then session and lead.
// Times come back in UTC, to the millisecond.
func (db *DB) Reminders(ctx context.Context) ([]bot.ReminderRecord, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT session_id, lead_ns, due_ms, status, nonce, posted_ms, channel_id, message_id, error
		FROM reminders
		ORDER BY due_ms, session_id, lead_ns`)
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	defer rows.Close()
	var out []bot.ReminderRecord
	for rows.Next() {
		var (
			r         bot.ReminderRecord
			lead, due int64
			posted    sql.NullInt64
			status    string
		)
		if err := rows.Scan(&r.Key.SessionID, &lead, &due, &status, &r.Nonce, &posted, &r.ChannelID, &r.MessageID, &r.Error); err != nil {
			return nil, fmt.Errorf("list reminders: %w", err)
		}
		r.Key.Lead = time.Duration(lead)
		r.Due = fromMillis(due)
		r.Status = bot.ReminderStatus(status)
		if posted.Valid {
			r.PostedAt = fromMillis(posted.Int64)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	return out, nil
}

// PutReminder inserts or replaces the record for r.Key. When it returns nil the
// record is on disk. Times are kept to the millisecond.
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
	var posted sql.NullInt64
	if !r.PostedAt.IsZero() {
		posted = sql.NullInt64{Int64: r.PostedAt.UnixMilli(), Valid: true}
	}
	// ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: REPLACE deletes the
	// row first, which would cascade to rows that later reference it.
	_, err := db.exec(ctx, `
		INSERT INTO reminders (session_id, lead_ns, due_ms, status, nonce, posted_ms, channel_id, message_id, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, lead_ns) DO UPDATE SET
			due_ms = excluded.due_ms,
			status = excluded.status,
			nonce = excluded.nonce,
			posted_ms = excluded.posted_ms,
			channel_id = excluded.channel_id,
			message_id = excluded.message_id,
			error = excluded.error`,
		r.Key.SessionID, int64(r.Key.Lead), r.Due.UnixMilli(), string(r.Status), r.Nonce, posted,
		r.ChannelID, r.MessageID, r.Error)
	if err != nil {
		return wrap(err)
	}
	return nil
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

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
