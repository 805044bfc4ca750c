-- What the bot remembers so that a changing program is followed exactly once;
-- see bot/sqlite/migrations/0004_schedule.sql.
CREATE TABLE announced_program (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	snapshot BYTEA   NOT NULL
);

CREATE TABLE session_events (
	session_id TEXT PRIMARY KEY CHECK (session_id <> ''),
	event_id   TEXT NOT NULL CHECK (event_id <> '')
);

CREATE TABLE dm_subscriptions (
	user_id    TEXT   NOT NULL CHECK (user_id <> ''),
	session_id TEXT   NOT NULL CHECK (session_id <> ''),
	user_name  TEXT   NOT NULL DEFAULT '',
	before_ns  BIGINT NOT NULL,
	PRIMARY KEY (user_id, session_id)
);

CREATE TABLE dm_records (
	user_id    TEXT   NOT NULL CHECK (user_id <> ''),
	session_id TEXT   NOT NULL CHECK (session_id <> ''),
	due_ms     BIGINT NOT NULL,
	status     TEXT   NOT NULL CHECK (status <> ''),
	at_ms      BIGINT,            -- NULL while pending
	error      TEXT   NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, session_id)
);
