-- What the bot remembers so that a changing program is followed exactly once
-- (bot/changes.go, bot/events.go, bot/remindme.go). Times are UTC unix
-- milliseconds; durations are Go time.Duration nanoseconds.

-- The program attendees were last told about (bot.Snapshot, JSON): a change is
-- announced once, across restarts. One row.
CREATE TABLE announced_program (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	snapshot BLOB    NOT NULL
) STRICT;

-- The guild scheduled event that mirrors each session.
CREATE TABLE session_events (
	session_id TEXT PRIMARY KEY CHECK (session_id <> ''),
	event_id   TEXT NOT NULL CHECK (event_id <> '')
) STRICT;

-- /remindme: who wants a direct message before which session.
CREATE TABLE dm_subscriptions (
	user_id    TEXT    NOT NULL CHECK (user_id <> ''),
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	user_name  TEXT    NOT NULL DEFAULT '',
	before_ns  INTEGER NOT NULL,
	PRIMARY KEY (user_id, session_id)
) STRICT;

-- What became of each direct message: one row per user and session, written
-- before the message is sent.
CREATE TABLE dm_records (
	user_id    TEXT    NOT NULL CHECK (user_id <> ''),
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	due_ms     INTEGER NOT NULL,
	status     TEXT    NOT NULL CHECK (status <> ''),
	at_ms      INTEGER,            -- NULL while pending
	error      TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, session_id)
) STRICT;
