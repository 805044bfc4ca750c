package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

var _ bot.RoleStore = (*DB)(nil)

// RemindRoles lists /remindme's reminder roles, by session then lead.
func (db *DB) RemindRoles(ctx context.Context) ([]bot.RemindRole, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT session_id, before_ns, role_id, due_ms, status, at_ms, error, removed
		FROM remindme_roles ORDER BY session_id COLLATE "C", before_ns`)
	if err != nil {
		return nil, fmt.Errorf("list reminder roles: %w", err)
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (bot.RemindRole, error) {
		var (
			r       bot.RemindRole
			before  int64
			due, at *int64
			status  string
		)
		if err := row.Scan(&r.SessionID, &before, &r.RoleID, &due, &status, &at, &r.Error, &r.Removed); err != nil {
			return r, err
		}
		r.Before, r.Status = time.Duration(before), bot.ReminderStatus(status)
		if due != nil {
			r.Due = fromMillis(*due)
		}
		if at != nil {
			r.At = fromMillis(*at)
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list reminder roles: %w", err)
	}
	return out, nil
}

// PutRemindRole inserts or replaces the reminder role of r's session and lead;
// it is committed when it returns.
func (db *DB) PutRemindRole(ctx context.Context, r bot.RemindRole) error {
	if r.SessionID == "" || r.RoleID == "" {
		return errors.New("put reminder role: empty session or role id")
	}
	_, err := db.exec(ctx, `
		INSERT INTO remindme_roles (session_id, before_ns, role_id, due_ms, status, at_ms, error, removed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (session_id, before_ns) DO UPDATE SET role_id = excluded.role_id, due_ms = excluded.due_ms,
			status = excluded.status, at_ms = excluded.at_ms, error = excluded.error, removed = excluded.removed`,
		r.SessionID, int64(r.Before), r.RoleID, millis(r.Due), string(r.Status), millis(r.At), r.Error, r.Removed)
	if err != nil {
		return fmt.Errorf("put reminder role of %s (%s before): %w", r.SessionID, r.Before, err)
	}
	return nil
}
