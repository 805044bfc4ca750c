-- What the bot remembers of each poster's channel (bot.PosterRecord); see
-- bot/sqlite/migrations/0003_posters.sql. links is a JSON array of
-- {"name","url"}, kept as text so both engines return the same bytes.
CREATE TABLE posters (
	poster_id       TEXT   PRIMARY KEY CHECK (poster_id <> ''),
	channel_id      TEXT   NOT NULL DEFAULT '',
	card_message_id TEXT   NOT NULL DEFAULT '',
	card_hash       TEXT   NOT NULL DEFAULT '',
	topic           TEXT   NOT NULL DEFAULT '',
	links           TEXT   NOT NULL DEFAULT '[]',
	here_ms         BIGINT            -- NULL until /poster here
);

CREATE TABLE poster_settings (
	key   TEXT PRIMARY KEY CHECK (key <> ''),
	value TEXT NOT NULL
);
