-- The last good copy of the program's live source; see
-- bot/sqlite/migrations/0006_source.sql.
CREATE TABLE source_copy (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	url  TEXT    NOT NULL CHECK (url <> ''),
	data BYTEA   NOT NULL
);
