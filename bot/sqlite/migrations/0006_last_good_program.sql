-- The files of the last program the bot put in force (bot.Files), so that a bot
-- restarted on a broken schedule.yaml or posters.csv starts on them instead of
-- exiting (bot.StartProgram). One row. saved_ms is the files' modification time,
-- UTC unix milliseconds, 0 if unknown.
CREATE TABLE last_good_program (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	schedule_path TEXT    NOT NULL,
	posters_path  TEXT    NOT NULL,
	schedule      BLOB    NOT NULL,
	posters       BLOB    NOT NULL,
	version       TEXT    NOT NULL CHECK (version <> ''),
	saved_ms      INTEGER NOT NULL
) STRICT;
