-- Counts for the report after the event and the dashboard's figures
-- (bot/figures.go): how many, never what or who. Times are UTC unix
-- milliseconds; a bucket is the start of a 10-minute window (bot.ActivityBucket).
-- Questions, votes, reminders and direct messages are counted from their own
-- tables, not here.

-- Messages people posted, per channel and 10 minutes. channel is a logical
-- channel ('announcements', 'panel-questions') or a poster channel's id.
CREATE TABLE activity_messages (
	channel   TEXT    NOT NULL CHECK (channel <> ''),
	bucket_ms INTEGER NOT NULL,
	messages  INTEGER NOT NULL CHECK (messages >= 0),
	PRIMARY KEY (channel, bucket_ms)
) STRICT, WITHOUT ROWID;

-- The guild's members per 10 minutes: who joined and left in the window, and
-- the member count at its end where the bot knew it (the count Discord gave at
-- connection, plus joins, less leaves since); NULL where it did not.
CREATE TABLE activity_members (
	bucket_ms INTEGER PRIMARY KEY,
	joins     INTEGER NOT NULL DEFAULT 0 CHECK (joins >= 0),
	leaves    INTEGER NOT NULL DEFAULT 0 CHECK (leaves >= 0),
	members   INTEGER
) STRICT;
