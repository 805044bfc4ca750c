-- One row per reminder the bot decided on: a session and a lead time.
-- Times are UTC unix milliseconds; lead is a Go time.Duration in nanoseconds.
-- The set of statuses is the domain's (bot.ReminderStatus), not checked here, so
-- a new status needs no table rebuild.
CREATE TABLE reminders (
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	lead_ns    INTEGER NOT NULL,
	due_ms     INTEGER NOT NULL,
	status     TEXT    NOT NULL CHECK (status <> ''),
	nonce      TEXT    NOT NULL DEFAULT '',
	posted_ms  INTEGER,            -- NULL unless posted
	channel_id TEXT    NOT NULL DEFAULT '',
	message_id TEXT    NOT NULL DEFAULT '',
	error      TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (session_id, lead_ns)
) STRICT;
