package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

// The stores of a changing program: the announced program (change notices), the
// scheduled events that mirror sessions, and /remindme's subscriptions and direct
// messages. Tables in migrations/0004_schedule.sql.

// AnnouncedProgram returns the program snapshot last stored, or nil if none.
func (db *DB) AnnouncedProgram(ctx context.Context) ([]byte, error) {
	var snap []byte
	err := db.pool.QueryRow(ctx, `SELECT snapshot FROM announced_program WHERE id = 1`).Scan(&snap)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read announced program: %w", err)
	}
	if snap == nil {
		snap = []byte{}
	}
	return snap, nil
}

// PutAnnouncedProgram replaces the stored snapshot; it is committed when it returns.
func (db *DB) PutAnnouncedProgram(ctx context.Context, snapshot []byte) error {
	if snapshot == nil {
		snapshot = []byte{}
	}
	_, err := db.exec(ctx, `
		INSERT INTO announced_program (id, snapshot) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot`, snapshot)
	if err != nil {
		return fmt.Errorf("put announced program: %w", err)
	}
	return nil
}

// EventIDs maps each session id to the id of the scheduled event mirroring it.
func (db *DB) EventIDs(ctx context.Context) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT session_id, event_id FROM session_events`)
	if err != nil {
		return nil, fmt.Errorf("list session events: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var sid, eid string
		if err := rows.Scan(&sid, &eid); err != nil {
			return nil, fmt.Errorf("list session events: %w", err)
		}
		out[sid] = eid
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list session events: %w", err)
	}
	return out, nil
}

// PutEventID records the event of a session; an empty eventID forgets it.
func (db *DB) PutEventID(ctx context.Context, sessionID, eventID string) error {
	if sessionID == "" {
		return errors.New("put session event: empty session id")
	}
	var err error
	if eventID == "" {
		_, err = db.exec(ctx, `DELETE FROM session_events WHERE session_id = $1`, sessionID)
	} else {
		_, err = db.exec(ctx, `
			INSERT INTO session_events (session_id, event_id) VALUES ($1, $2)
			ON CONFLICT (session_id) DO UPDATE SET event_id = excluded.event_id`, sessionID, eventID)
	}
	if err != nil {
		return fmt.Errorf("put session event %s: %w", sessionID, err)
	}
	return nil
}

// Subscriptions lists every /remindme subscription, by session then user.
func (db *DB) Subscriptions(ctx context.Context) ([]bot.Subscription, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT user_id, user_name, session_id, before_ns, dm, dm_channel FROM dm_subscriptions
		ORDER BY session_id COLLATE "C", user_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (bot.Subscription, error) {
		var s bot.Subscription
		var before int64
		err := row.Scan(&s.UserID, &s.UserName, &s.SessionID, &before, &s.DM, &s.DMChannel)
		s.Before = time.Duration(before)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return out, nil
}

// PutSubscription adds or replaces the subscription of s.UserID to s.SessionID.
func (db *DB) PutSubscription(ctx context.Context, s bot.Subscription) error {
	if s.UserID == "" || s.SessionID == "" {
		return errors.New("put subscription: empty user or session id")
	}
	_, err := db.exec(ctx, `
		INSERT INTO dm_subscriptions (user_id, session_id, user_name, before_ns, dm, dm_channel) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id, session_id) DO UPDATE SET user_name = excluded.user_name, before_ns = excluded.before_ns,
			dm = excluded.dm, dm_channel = excluded.dm_channel`,
		s.UserID, s.SessionID, s.UserName, int64(s.Before), s.DM, s.DMChannel)
	if err != nil {
		return fmt.Errorf("put subscription of %s to %s: %w", s.UserID, s.SessionID, err)
	}
	return nil
}

// DeleteSubscription removes a subscription, if there is one.
func (db *DB) DeleteSubscription(ctx context.Context, userID, sessionID string) error {
	_, err := db.exec(ctx, `DELETE FROM dm_subscriptions WHERE user_id = $1 AND session_id = $2`, userID, sessionID)
	if err != nil {
		return fmt.Errorf("delete subscription of %s to %s: %w", userID, sessionID, err)
	}
	return nil
}

// DMRecords lists what became of every direct message, by due time.
func (db *DB) DMRecords(ctx context.Context) ([]bot.DMRecord, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT user_id, session_id, due_ms, status, at_ms, error FROM dm_records
		ORDER BY due_ms, session_id COLLATE "C", user_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list direct messages: %w", err)
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (bot.DMRecord, error) {
		var (
			r      bot.DMRecord
			due    int64
			at     *int64
			status string
		)
		if err := row.Scan(&r.Key.UserID, &r.Key.SessionID, &due, &status, &at, &r.Error); err != nil {
			return r, err
		}
		r.Due, r.Status = fromMillis(due), bot.ReminderStatus(status)
		if at != nil {
			r.At = fromMillis(*at)
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list direct messages: %w", err)
	}
	return out, nil
}

// PutDMRecord inserts or replaces the record for r.Key; it is committed when it
// returns.
func (db *DB) PutDMRecord(ctx context.Context, r bot.DMRecord) error {
	if r.Key.UserID == "" || r.Key.SessionID == "" || r.Status == "" {
		return errors.New("put direct message: empty user, session or status")
	}
	_, err := db.exec(ctx, `
		INSERT INTO dm_records (user_id, session_id, due_ms, status, at_ms, error) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id, session_id) DO UPDATE SET
			due_ms = excluded.due_ms, status = excluded.status, at_ms = excluded.at_ms, error = excluded.error`,
		r.Key.UserID, r.Key.SessionID, r.Due.UnixMilli(), string(r.Status), millis(r.At), r.Error)
	if err != nil {
		return fmt.Errorf("put direct message to %s for %s: %w", r.Key.UserID, r.Key.SessionID, err)
	}
	return nil
}
