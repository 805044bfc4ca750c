package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"workshopbot/bot"
)

var _ bot.RoleStore = (*DB)(nil)

// RemindRoles lists /remindme's reminder roles, by session then lead.
func (db *DB) RemindRoles(ctx context.Context) ([]bot.RemindRole, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT session_id, before_ns, role_id, due_ms, status, at_ms, error, removed
		FROM remindme_roles ORDER BY session_id, before_ns`)
	if err != nil {
		return nil, fmt.Errorf("list reminder roles: %w", err)
	}
	defer rows.Close()
	var out []bot.RemindRole
	for rows.Next() {
		var (
			r       bot.RemindRole
			before  int64
			due, at sql.NullInt64
			status  string
		)
		if err := rows.Scan(&r.SessionID, &before, &r.RoleID, &due, &status, &at, &r.Error, &r.Removed); err != nil {
			return nil, fmt.Errorf("list reminder roles: %w", err)
		}
		r.Before, r.Status = time.Duration(before), bot.ReminderStatus(status)
		if due.Valid {
			r.Due = fromMillis(due.Int64)
		}
		if at.Valid {
			r.At = fromMillis(at.Int64)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reminder roles: %w", err)
	}
	return out, nil
}

// PutRemindRole inserts or replaces the reminder role of r's session and lead;
// it is on disk when it returns.
func (db *DB) PutRemindRole(ctx context.Context, r bot.RemindRole) error {
	if r.SessionID == "" || r.RoleID == "" {
		return errors.New("put reminder role: empty session or role id")
	}
	ms := func(t time.Time) sql.NullInt64 {
		if t.IsZero() {
			return sql.NullInt64{}
		}
		return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
	}
	_, err := db.exec(ctx, `
		INSERT INTO remindme_roles (session_id, before_ns, role_id, due_ms, status, at_ms, error, removed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, before_ns) DO UPDATE SET role_id = excluded.role_id, due_ms = excluded.due_ms,
			status = excluded.status, at_ms = excluded.at_ms, error = excluded.error, removed = excluded.removed`,
		r.SessionID, int64(r.Before), r.RoleID, ms(r.Due), string(r.Status), ms(r.At), r.Error, r.Removed)
	if err != nil {
		return fmt.Errorf("put reminder role of %s (%s before): %w", r.SessionID, r.Before, err)
	}
	return nil
}
