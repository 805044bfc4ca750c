-- The green room (bot/greenroom.go): what became of each ping to the people a
-- session lists, and their check-ins. Times are UTC unix milliseconds; lead is
-- a Go time.Duration in nanoseconds.

-- One row per ping decided on: a session, a kind (checkin, nudge, escalate,
-- briefing) and a lead; written as pending before it is sent. A posted message
-- keeps where it is and a hash of what it shows, so that it is edited once per
-- change.
CREATE TABLE green_pings (
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	kind       TEXT    NOT NULL CHECK (kind <> ''),
	lead_ns    INTEGER NOT NULL,
	due_ms     INTEGER NOT NULL,
	status     TEXT    NOT NULL CHECK (status <> ''),
	at_ms      INTEGER,            -- NULL while pending
	channel_id TEXT    NOT NULL DEFAULT '',
	message_id TEXT    NOT NULL DEFAULT '',
	shown      TEXT    NOT NULL DEFAULT '',
	error      TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (session_id, kind, lead_ns)
) STRICT;

-- One row per listed person (as schedule.yaml lists them) and session: the
-- first check-in counts.
CREATE TABLE check_ins (
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	entry      TEXT    NOT NULL CHECK (entry <> ''),
	user_id    TEXT    NOT NULL DEFAULT '',
	user_name  TEXT    NOT NULL DEFAULT '',
	at_ms      INTEGER NOT NULL,
	PRIMARY KEY (session_id, entry)
) STRICT;
