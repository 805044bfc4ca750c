package bot

import (
	"context"
	"time"
)

// ReminderKey names one reminder: a session and a lead time.
type ReminderKey struct {
	SessionID string
	Lead      time.Duration
}

// ReminderStatus is what became of a reminder.
type ReminderStatus string

// Reminder statuses, as stored.
const (
	// StatusPending: the bot decided to post it and may have; a restart retries it
	// with the same nonce on transports that deduplicate, and gives up otherwise.
	StatusPending ReminderStatus = "pending"
	StatusSent    ReminderStatus = "sent"    // posted on time
	StatusLate    ReminderStatus = "late"    // posted after its due time, within the catch-up window
	StatusSkipped ReminderStatus = "skipped" // missed by more than the catch-up window
	StatusFailed  ReminderStatus = "failed"  // the transport refused it after its retries
	StatusUnknown ReminderStatus = "unknown" // pending at a crash on a transport that cannot deduplicate
	// StatusSuperseded: due together with a shorter lead of the same session
	// (the bot was busy, or a rehearsal ran fast); only that one was posted.
	StatusSuperseded ReminderStatus = "superseded"
)

// ReminderRecord is the stored trace of one reminder.
type ReminderRecord struct {
	Key       ReminderKey
	Due       time.Time
	Status    ReminderStatus
	Nonce     string
	PostedAt  time.Time // zero unless posted
	ChannelID string
	MessageID string
	Error     string
}

// Store keeps what must survive a restart. Implemented by bot/sqlite.
type Store interface {
	// Reminders returns every recorded reminder.
	Reminders(ctx context.Context) ([]ReminderRecord, error)
	// PutReminder inserts or replaces the record for r.Key.
	PutReminder(ctx context.Context, r ReminderRecord) error
}
