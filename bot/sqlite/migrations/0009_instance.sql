-- The database's own id, made once, when the schema reaches this version.
-- The Discord transport puts it in every message nonce: Discord answers a
-- repeated nonce with the message it already has (enforce_nonce), so two bots
-- with separate databases on one guild, both posting "q:1", would otherwise
-- share one card, and each edit the other's. One row, 8 hex digits.
CREATE TABLE instance (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	id  TEXT    NOT NULL CHECK (length(id) = 8)
) STRICT;

INSERT INTO instance (one, id) VALUES (1, lower(hex(randomblob(4))));
