-- The database's own id, made once; see bot/sqlite/migrations/0009_instance.sql.
-- The two bots of a pair share it: they are one instance, and a standby that
-- takes over must post with the same nonces as the bot it replaces.
CREATE TABLE instance (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	id  TEXT    NOT NULL CHECK (length(id) = 8)
);

INSERT INTO instance (one, id) VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 8));
