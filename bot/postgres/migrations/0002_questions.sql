-- Panel questions (bot.Question) and the votes on them; see
-- bot/sqlite/migrations/0002_questions.sql. An identity column draws from a
-- sequence, which never gives a number twice (SQLite's AUTOINCREMENT).
CREATE TABLE questions (
	id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	session_id      TEXT    NOT NULL CHECK (session_id <> ''),
	text            TEXT    NOT NULL CHECK (text <> ''),
	asker_id        TEXT    NOT NULL CHECK (asker_id <> ''),
	asker_name      TEXT    NOT NULL DEFAULT '',
	anonymous       BOOLEAN NOT NULL DEFAULT false,
	status          TEXT    NOT NULL CHECK (status <> ''),
	votes           INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
	asked_ms        BIGINT  NOT NULL,
	updated_ms      BIGINT  NOT NULL,
	card_channel_id TEXT    NOT NULL DEFAULT '',
	card_message_id TEXT    NOT NULL DEFAULT '',
	mod_message_id  TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX questions_asker_asked ON questions (asker_id, asked_ms);
CREATE INDEX questions_asker_text ON questions (asker_id, text);
CREATE INDEX questions_session_queue ON questions (session_id, status, votes DESC, asked_ms, id);
CREATE INDEX questions_queue ON questions (status, votes DESC, asked_ms, id);

CREATE TABLE votes (
	question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
	user_id     TEXT   NOT NULL CHECK (user_id <> ''),
	PRIMARY KEY (question_id, user_id)
);
