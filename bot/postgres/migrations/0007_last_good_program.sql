-- The files of the last program the bot put in force; see
-- bot/sqlite/migrations/0007_last_good_program.sql.
CREATE TABLE last_good_program (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	schedule_path TEXT    NOT NULL,
	posters_path  TEXT    NOT NULL,
	schedule      BYTEA   NOT NULL,
	posters       BYTEA   NOT NULL,
	version       TEXT    NOT NULL CHECK (version <> ''),
	saved_ms      BIGINT  NOT NULL,
	source        TEXT    NOT NULL DEFAULT '',
	upstream      BYTEA   NOT NULL DEFAULT '\x'
);
