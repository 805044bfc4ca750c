-- The green room's pings and check-ins; see
-- bot/sqlite/migrations/0008_green_room.sql.
CREATE TABLE green_pings (
	session_id TEXT   NOT NULL CHECK (session_id <> ''),
	kind       TEXT   NOT NULL CHECK (kind <> ''),
	lead_ns    BIGINT NOT NULL,
	due_ms     BIGINT NOT NULL,
	status     TEXT   NOT NULL CHECK (status <> ''),
	at_ms      BIGINT,            -- NULL while pending
	channel_id TEXT   NOT NULL DEFAULT '',
	message_id TEXT   NOT NULL DEFAULT '',
	shown      TEXT   NOT NULL DEFAULT '',
	error      TEXT   NOT NULL DEFAULT '',
	PRIMARY KEY (session_id, kind, lead_ns)
);

CREATE TABLE check_ins (
	session_id TEXT   NOT NULL CHECK (session_id <> ''),
	entry      TEXT   NOT NULL CHECK (entry <> ''),
	user_id    TEXT   NOT NULL DEFAULT '',
	user_name  TEXT   NOT NULL DEFAULT '',
	at_ms      BIGINT NOT NULL,
	PRIMARY KEY (session_id, entry)
);
