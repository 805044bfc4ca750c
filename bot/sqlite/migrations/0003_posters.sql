-- What the bot remembers of each poster's channel (bot.PosterRecord). The
-- mapping poster -> channel can also be recovered from the guild (the poster id
-- starts the channel name), so losing this table never duplicates a channel; it
-- saves reading the pins, and keeps what presenters set with /poster topic,
-- /poster link and /poster here.
-- card_hash is bot.CardHash of the card as last posted or edited: a sync edits
-- the card only when the rendered card hashes differently.
-- links is a JSON array of {"name","url"}, in the order presenters added them.
CREATE TABLE posters (
	poster_id       TEXT    PRIMARY KEY CHECK (poster_id <> ''),
	channel_id      TEXT    NOT NULL DEFAULT '',
	card_message_id TEXT    NOT NULL DEFAULT '',
	card_hash       TEXT    NOT NULL DEFAULT '',
	topic           TEXT    NOT NULL DEFAULT '',
	links           TEXT    NOT NULL DEFAULT '[]',
	here_ms         INTEGER            -- NULL until /poster here
) STRICT, WITHOUT ROWID;

-- Switches of the poster channels as a whole; one row per key.
-- archived: '1' once /workshop archive made them read-only.
CREATE TABLE poster_settings (
	key   TEXT PRIMARY KEY CHECK (key <> ''),
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
