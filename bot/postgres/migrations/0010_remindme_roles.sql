-- /remindme's reminder roles; see bot/sqlite/migrations/0010_remindme_roles.sql.
-- Subscriptions made before this version asked for a direct message.
ALTER TABLE dm_subscriptions ADD COLUMN dm BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE dm_subscriptions ADD COLUMN dm_channel TEXT NOT NULL DEFAULT '';

CREATE TABLE remindme_roles (
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	before_ns  BIGINT  NOT NULL,
	role_id    TEXT    NOT NULL CHECK (role_id <> ''),
	due_ms     BIGINT,
	status     TEXT    NOT NULL DEFAULT '',
	at_ms      BIGINT,
	error      TEXT    NOT NULL DEFAULT '',
	removed    BOOLEAN NOT NULL DEFAULT false,
	PRIMARY KEY (session_id, before_ns)
);
