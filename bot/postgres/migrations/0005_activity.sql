-- Counts for the report and the dashboard's figures; see
-- bot/sqlite/migrations/0005_activity.sql.
CREATE TABLE activity_messages (
	channel   TEXT    NOT NULL CHECK (channel <> ''),
	bucket_ms BIGINT  NOT NULL,
	messages  INTEGER NOT NULL CHECK (messages >= 0),
	PRIMARY KEY (channel, bucket_ms)
);

CREATE TABLE activity_members (
	bucket_ms BIGINT  PRIMARY KEY,
	joins     INTEGER NOT NULL DEFAULT 0 CHECK (joins >= 0),
	leaves    INTEGER NOT NULL DEFAULT 0 CHECK (leaves >= 0),
	members   INTEGER
);
