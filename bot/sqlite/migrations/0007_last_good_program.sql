-- The files of the last program the bot put in force (bot.Files), so that a bot
-- restarted on a broken schedule.yaml or posters.csv starts on them instead of
-- exiting (bot.StartProgram). One row. saved_ms is the files' modification time,
-- UTC unix milliseconds, 0 if unknown; source and upstream are the live source
-- and its program as schedule.yaml text, empty for a program of files alone.
CREATE TABLE last_good_program (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	schedule_path TEXT    NOT NULL,
	posters_path  TEXT    NOT NULL,
	schedule      BLOB    NOT NULL,
	posters       BLOB    NOT NULL,
	version       TEXT    NOT NULL CHECK (version <> ''),
	saved_ms      INTEGER NOT NULL,
	source        TEXT    NOT NULL DEFAULT '',
	upstream      BLOB    NOT NULL DEFAULT x''
) STRICT;
