-- The last good copy of the program's live source (schedule.yaml's
-- `source: {frab: URL}`, bot/source.go), as fetched: a bot whose source is
-- down, even one that just restarted, runs on it. One row.
CREATE TABLE source_copy (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	url  TEXT    NOT NULL CHECK (url <> ''),
	data BLOB    NOT NULL
) STRICT;
