package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"workshopbot/bot"
)

var _ bot.GreenStore = (*DB)(nil)

// GreenRecords lists what became of every green-room ping, by due time.
func (db *DB) GreenRecords(ctx context.Context) ([]bot.GreenRecord, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT session_id, kind, lead_ns, due_ms, status, at_ms, channel_id, message_id, shown, error
		FROM green_pings ORDER BY due_ms, session_id, kind, lead_ns`)
	if err != nil {
		return nil, fmt.Errorf("list green-room pings: %w", err)
	}
	defer rows.Close()
	var out []bot.GreenRecord
	for rows.Next() {
		var (
			r         bot.GreenRecord
			kind      string
			lead, due int64
			at        sql.NullInt64
			status    string
		)
		if err := rows.Scan(&r.Key.SessionID, &kind, &lead, &due, &status, &at, &r.ChannelID, &r.MessageID, &r.Shown, &r.Error); err != nil {
			return nil, fmt.Errorf("list green-room pings: %w", err)
		}
		r.Key.Kind, r.Key.Lead = bot.GreenKind(kind), time.Duration(lead)
		r.Due, r.Status = fromMillis(due), bot.ReminderStatus(status)
		if at.Valid {
			r.At = fromMillis(at.Int64)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list green-room pings: %w", err)
	}
	return out, nil
}

// PutGreenRecord inserts or replaces the record for r.Key; it is on disk when
// it returns.
func (db *DB) PutGreenRecord(ctx context.Context, r bot.GreenRecord) error {
	wrap := func(err error) error {
		return fmt.Errorf("put green-room %s of %s/%s: %w", r.Key.Kind, r.Key.SessionID, formatLead(r.Key.Lead), err)
	}
	if r.Key.SessionID == "" || r.Key.Kind == "" || r.Status == "" {
		return wrap(errors.New("empty session, kind or status"))
	}
	var at sql.NullInt64
	if !r.At.IsZero() {
		at = sql.NullInt64{Int64: r.At.UnixMilli(), Valid: true}
	}
	_, err := db.exec(ctx, `
		INSERT INTO green_pings (session_id, kind, lead_ns, due_ms, status, at_ms, channel_id, message_id, shown, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, kind, lead_ns) DO UPDATE SET
			due_ms = excluded.due_ms, status = excluded.status, at_ms = excluded.at_ms,
			channel_id = excluded.channel_id, message_id = excluded.message_id,
			shown = excluded.shown, error = excluded.error`,
		r.Key.SessionID, string(r.Key.Kind), int64(r.Key.Lead), r.Due.UnixMilli(), string(r.Status), at,
		r.ChannelID, r.MessageID, r.Shown, r.Error)
	if err != nil {
		return wrap(err)
	}
	return nil
}

// CheckIns lists every check-in, by time.
func (db *DB) CheckIns(ctx context.Context) ([]bot.CheckIn, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT session_id, entry, user_id, user_name, at_ms FROM check_ins ORDER BY at_ms, session_id, entry`)
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	defer rows.Close()
	var out []bot.CheckIn
	for rows.Next() {
		var c bot.CheckIn
		var at int64
		if err := rows.Scan(&c.SessionID, &c.Entry, &c.UserID, &c.UserName, &at); err != nil {
			return nil, fmt.Errorf("list check-ins: %w", err)
		}
		c.At = fromMillis(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	return out, nil
}

// AddCheckIn records c unless its person is already checked in for its
// session (the first check-in counts); it reports whether c was new.
func (db *DB) AddCheckIn(ctx context.Context, c bot.CheckIn) (bool, error) {
	if c.SessionID == "" || c.Entry == "" {
		return false, errors.New("add check-in: empty session or person")
	}
	res, err := db.exec(ctx, `
		INSERT INTO check_ins (session_id, entry, user_id, user_name, at_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (session_id, entry) DO NOTHING`,
		c.SessionID, c.Entry, c.UserID, c.UserName, c.At.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("add check-in of %s for %s: %w", c.Entry, c.SessionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add check-in of %s for %s: %w", c.Entry, c.SessionID, err)
	}
	return n == 1, nil
}
