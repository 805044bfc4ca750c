-- /remindme at the scale of a panel: on Discord a subscriber gets the
-- session's reminder role, and one message pings the role. A subscriber may
-- still ask for a direct message (dm = 1), whose channel is opened when they
-- subscribe (dm_channel). Subscriptions made before this version asked for a
-- direct message, so they keep one.
ALTER TABLE dm_subscriptions ADD COLUMN dm INTEGER NOT NULL DEFAULT 1;
ALTER TABLE dm_subscriptions ADD COLUMN dm_channel TEXT NOT NULL DEFAULT '';

-- One reminder role per session and lead: the role the bot created (found by
-- its name if this row is lost), what became of its ping (status '' until it
-- falls due), and whether it was deleted after the session.
CREATE TABLE remindme_roles (
	session_id TEXT    NOT NULL CHECK (session_id <> ''),
	before_ns  INTEGER NOT NULL,
	role_id    TEXT    NOT NULL CHECK (role_id <> ''),
	due_ms     INTEGER,
	status     TEXT    NOT NULL DEFAULT '',
	at_ms      INTEGER,
	error      TEXT    NOT NULL DEFAULT '',
	removed    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (session_id, before_ns)
) STRICT;
