-- One row per reminder the bot decided on: a session and a lead time.
-- bot/sqlite/migrations/0001_reminders.sql in PostgreSQL's words: times are UTC
-- unix milliseconds, lead is a Go time.Duration in nanoseconds, so both engines
-- keep the same values to the same precision.
CREATE TABLE reminders (
	session_id TEXT   NOT NULL CHECK (session_id <> ''),
	lead_ns    BIGINT NOT NULL,
	due_ms     BIGINT NOT NULL,
	status     TEXT   NOT NULL CHECK (status <> ''),
	nonce      TEXT   NOT NULL DEFAULT '',
	posted_ms  BIGINT,            -- NULL unless posted
	channel_id TEXT   NOT NULL DEFAULT '',
	message_id TEXT   NOT NULL DEFAULT '',
	error      TEXT   NOT NULL DEFAULT '',
	PRIMARY KEY (session_id, lead_ns)
);
