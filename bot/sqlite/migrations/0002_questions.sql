-- Panel questions (bot.Question) and the votes on them.
-- Times are UTC unix milliseconds. As for reminders, the set of statuses is the
-- domain's (bot.QuestionStatus) and is not checked here.
--
-- AUTOINCREMENT, not a plain rowid: question numbers are shown to people
-- ("Q12") and must never be given to a second question, even after the
-- highest-numbered row is deleted.
CREATE TABLE questions (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id      TEXT    NOT NULL CHECK (session_id <> ''),
	text            TEXT    NOT NULL CHECK (text <> ''),
	asker_id        TEXT    NOT NULL CHECK (asker_id <> ''),
	asker_name      TEXT    NOT NULL DEFAULT '',
	anonymous       INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
	status          TEXT    NOT NULL CHECK (status <> ''),
	-- The number of rows in votes for this question, kept in step by the
	-- transaction that changes them, so the queue can be ordered by an index.
	votes           INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
	asked_ms        INTEGER NOT NULL,
	updated_ms      INTEGER NOT NULL,
	card_channel_id TEXT    NOT NULL DEFAULT '',
	card_message_id TEXT    NOT NULL DEFAULT '',
	mod_message_id  TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The rate limit: how many questions a user asked since a time.
CREATE INDEX questions_asker_asked ON questions (asker_id, asked_ms);
-- The repeat check: has this user asked exactly this text.
CREATE INDEX questions_asker_text ON questions (asker_id, text);
-- The queue, in the order /questions next takes it: of one session, and of all.
CREATE INDEX questions_session_queue ON questions (session_id, status, votes DESC, asked_ms, id);
CREATE INDEX questions_queue ON questions (status, votes DESC, asked_ms, id);

-- One row per user voting for a question; a second press deletes it.
CREATE TABLE votes (
	question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
	user_id     TEXT    NOT NULL CHECK (user_id <> ''),
	PRIMARY KEY (question_id, user_id)
) STRICT, WITHOUT ROWID;
