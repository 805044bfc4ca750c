package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"workshopbot/bot"
)

var _ bot.QuestionStore = (*DB)(nil)

// questionColumns is what every query that returns questions selects, in the
// order scanQuestion reads.
const questionColumns = `id, session_id, text, asker_id, asker_name, anonymous, status, votes,
	asked_ms, updated_ms, card_channel_id, card_message_id, mod_message_id`

// queueOrder is the order of the queue: top-voted first, then oldest, then by
// number (two questions asked in the same millisecond).
const queueOrder = `ORDER BY votes DESC, asked_ms, id`

// AddQuestion stores q with a new number and returns it as stored: times in UTC
// to the millisecond, and no votes (votes come only from ToggleVote). A zero
// UpdatedAt is taken to be AskedAt. The question is on disk when it returns.
func (db *DB) AddQuestion(ctx context.Context, q bot.Question) (bot.Question, error) {
	return db.Ask(ctx, q, bot.AskRules{})
}

// Ask is AddQuestion after r's checks, which the writer makes in the same
// transaction as the insert: of two questions by one asker in one batch, the
// second is counted against the first. It returns a *bot.LimitError or
// bot.ErrRepeat (wrapped) instead of storing q.
func (db *DB) Ask(ctx context.Context, q bot.Question, r bot.AskRules) (bot.Question, error) {
	wrap := func(err error) error { return fmt.Errorf("add question by %s: %w", q.AskerID, err) }
	switch {
	case q.SessionID == "":
		return bot.Question{}, wrap(errors.New("empty session id"))
	case q.AskerID == "":
		return bot.Question{}, wrap(errors.New("empty asker id"))
	case q.Text == "":
		return bot.Question{}, wrap(errors.New("empty text"))
	case q.Status == "":
		return bot.Question{}, wrap(errors.New("empty status"))
	case q.AskedAt.IsZero():
		return bot.Question{}, wrap(errors.New("no asked time"))
	}
	updated := q.UpdatedAt
	if updated.IsZero() {
		updated = q.AskedAt
	}
	var stored bot.Question
	err := db.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if r.Limit > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, askedSinceQuery, q.AskerID, r.Since.UnixMilli()).Scan(&n); err != nil {
				return err
			}
			if n >= r.Limit {
				return &bot.LimitError{Asked: n}
			}
		}
		if r.NoRepeat {
			var dup bool
			if err := tx.QueryRowContext(ctx, hasAskedQuery, q.AskerID, q.Text).Scan(&dup); err != nil {
				return err
			}
			if dup {
				return bot.ErrRepeat
			}
		}
		var err error
		stored, err = scanQuestion(tx.QueryRowContext(ctx, `
			INSERT INTO questions (session_id, text, asker_id, asker_name, anonymous, status, votes,
				asked_ms, updated_ms, card_channel_id, card_message_id, mod_message_id)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
			RETURNING `+questionColumns,
			q.SessionID, q.Text, q.AskerID, q.AskerName, q.Anonymous, string(q.Status),
			q.AskedAt.UnixMilli(), updated.UnixMilli(), q.CardChannelID, q.CardMessageID, q.ModMessageID))
		return err
	})
	if err != nil {
		return bot.Question{}, wrap(err)
	}
	return stored, nil
}

// Question returns question id, or an error matching bot.ErrNotFound.
func (db *DB) Question(ctx context.Context, id int64) (bot.Question, error) {
	q, err := scanQuestion(db.read.QueryRowContext(ctx, "SELECT "+questionColumns+" FROM questions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = bot.ErrNotFound
	}
	if err != nil {
		return bot.Question{}, fmt.Errorf("get question %d: %w", id, err)
	}
	return q, nil
}

// Questions returns the questions matching f, top-voted first, then oldest first.
func (db *DB) Questions(ctx context.Context, f bot.QuestionFilter) ([]bot.Question, error) {
	var (
		where []string
		args  []any
	)
	if f.SessionID != "" {
		where, args = append(where, "session_id = ?"), append(args, f.SessionID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Uncarded {
		where = append(where, "((status = ? AND mod_message_id = '') OR (status NOT IN (?, ?) AND card_message_id = ''))")
		args = append(args, string(bot.QuestionWaiting), string(bot.QuestionWaiting), string(bot.QuestionDismissed))
	}
	query := "SELECT " + questionColumns + " FROM questions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, query+" "+queueOrder, args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	out, err := scanQuestions(rows)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	return out, nil
}

// askedSinceQuery counts a user's questions since a time (index questions_asker_asked).
const askedSinceQuery = `SELECT count(*) FROM questions WHERE asker_id = ? AND asked_ms >= ?`

// AskedSince counts the questions userID asked at or after since, to the millisecond.
func (db *DB) AskedSince(ctx context.Context, userID string, since time.Time) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, askedSinceQuery, userID, since.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count questions by %s: %w", userID, err)
	}
	return n, nil
}

// hasAskedQuery looks for a user's question by its exact text (index
// questions_asker_text). '=' on TEXT compares bytes: case and spacing count.
const hasAskedQuery = `SELECT EXISTS (SELECT 1 FROM questions WHERE asker_id = ? AND text = ?)`

// HasAsked reports whether userID already asked exactly text, byte for byte, in
// any status.
func (db *DB) HasAsked(ctx context.Context, userID, text string) (bool, error) {
	var found bool
	if err := db.read.QueryRowContext(ctx, hasAskedQuery, userID, text).Scan(&found); err != nil {
		return false, fmt.Errorf("check repeat by %s: %w", userID, err)
	}
	return found, nil
}

// ToggleVote adds userID's vote to question id, or takes it back if it was
// there, and returns whether the user now votes for it and the new count. The
// vote and the count change in one transaction. Whether the question still
// takes votes is the domain's decision, not checked here.
func (db *DB) ToggleVote(ctx context.Context, id int64, userID string) (voted bool, votes int, err error) {
	wrap := func(err error) error { return fmt.Errorf("toggle vote of %s on question %d: %w", userID, id, err) }
	if userID == "" {
		return false, 0, wrap(errors.New("empty user id"))
	}
	err = db.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM questions WHERE id = ?)`, id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return bot.ErrNotFound
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM votes WHERE question_id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO votes (question_id, user_id) VALUES (?, ?)`, id, userID); err != nil {
				return err
			}
			voted = true
		}
		// Recounted rather than incremented: the column cannot drift from the
		// rows, whatever happened before.
		return tx.QueryRowContext(ctx, `
			UPDATE questions SET votes = (SELECT count(*) FROM votes WHERE question_id = ?1)
			WHERE id = ?1
			RETURNING votes`, id).Scan(&votes)
	})
	if err != nil {
		return false, 0, wrap(err)
	}
	return voted, votes, nil
}

// SetStatus moves question id to status if its status is one of from (any, if
// from is empty), stamps it updated at at, and returns it as stored. The error
// matches bot.ErrNotFound for an unknown id and bot.ErrConflict, naming the
// status found, if that was not in from.
func (db *DB) SetStatus(ctx context.Context, id int64, status bot.QuestionStatus, from []bot.QuestionStatus, at time.Time) (bot.Question, error) {
	wrap := func(err error) error { return fmt.Errorf("set question %d %s: %w", id, status, err) }
	if status == "" {
		return bot.Question{}, wrap(errors.New("empty status"))
	}
	var q bot.Question
	err := db.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM questions WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.ErrNotFound
		} else if err != nil {
			return err
		}
		if len(from) > 0 && !slices.Contains(from, bot.QuestionStatus(cur)) {
			return fmt.Errorf("%w (it is %s)", bot.ErrConflict, cur)
		}
		q, err = scanQuestion(tx.QueryRowContext(ctx, `
			UPDATE questions SET status = ?, updated_ms = ? WHERE id = ?
			RETURNING `+questionColumns, string(status), at.UnixMilli(), id))
		return err
	})
	if err != nil {
		return bot.Question{}, wrap(err)
	}
	return q, nil
}

// TakeNext puts the top-voted open question of sessionID (of any session, if
// empty) on stage, and marks answered the questions that were on stage for the
// session of the question taken; they are returned as previous, by number.
// When no open question is left, ok is false, and what was on stage for
// sessionID (for every session, if empty) is still marked answered: "next"
// means the one on stage is done. All of it is one write of the writer, which
// runs writes one after the other, so concurrent calls never take the same
// question.
func (db *DB) TakeNext(ctx context.Context, sessionID string, at time.Time) (q bot.Question, previous []bot.Question, ok bool, err error) {
	err = db.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			id    int64
			scope = sessionID
		)
		pick, args := nextQuery(sessionID)
		err := tx.QueryRowContext(ctx, pick, args...).Scan(&id, &scope)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			ok = true
		}

		done := `UPDATE questions SET status = ?, updated_ms = ? WHERE status = ?`
		args = []any{string(bot.QuestionAnswered), at.UnixMilli(), string(bot.QuestionOnStage)}
		if scope != "" {
			done, args = done+` AND session_id = ?`, append(args, scope)
		}
		rows, err := tx.QueryContext(ctx, done+` RETURNING `+questionColumns, args...)
		if err != nil {
			return err
		}
		if previous, err = scanQuestions(rows); err != nil {
			return err
		}
		// RETURNING comes in no promised order.
		slices.SortFunc(previous, func(a, b bot.Question) int { return cmp.Compare(a.ID, b.ID) })

		if !ok {
			return nil
		}
		q, err = scanQuestion(tx.QueryRowContext(ctx, `
			UPDATE questions SET status = ?, updated_ms = ? WHERE id = ?
			RETURNING `+questionColumns, string(bot.QuestionOnStage), at.UnixMilli(), id))
		return err
	})
	if err != nil {
		where := sessionID
		if where == "" {
			where = "any session"
		}
		return bot.Question{}, nil, false, fmt.Errorf("take next question of %s: %w", where, err)
	}
	return q, previous, ok, nil
}

// nextQuery selects the id and session of the question TakeNext takes (index
// questions_session_queue, or questions_queue for any session).
func nextQuery(sessionID string) (string, []any) {
	if sessionID == "" {
		return `SELECT id, session_id FROM questions WHERE status = ? ` + queueOrder + ` LIMIT 1`,
			[]any{string(bot.QuestionOpen)}
	}
	return `SELECT id, session_id FROM questions WHERE status = ? AND session_id = ? ` + queueOrder + ` LIMIT 1`,
		[]any{string(bot.QuestionOpen), sessionID}
}

// SetCards records where question id's cards are: its card in the questions
// channel, and its card in the moderators channel. It does not change
// UpdatedAt: where a card is says nothing about the question.
func (db *DB) SetCards(ctx context.Context, id int64, channelID, messageID, modMessageID string) error {
	err := db.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE questions SET card_channel_id = ?, card_message_id = ?, mod_message_id = ?
			WHERE id = ?`, channelID, messageID, modMessageID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return bot.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set cards of question %d: %w", id, err)
	}
	return nil
}

// inTx runs fn through the writer: in a transaction (shared with the other
// writes of its batch), its changes undone alone if it fails, and returns once
// the transaction is committed. fn must use tx only.
func (db *DB) inTx(ctx context.Context, fn writeFunc) error {
	return db.w.do(ctx, fn)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanQuestion reads one row of questionColumns.
func scanQuestion(s scanner) (bot.Question, error) {
	var (
		q              bot.Question
		status         string
		asked, updated int64
	)
	err := s.Scan(&q.ID, &q.SessionID, &q.Text, &q.AskerID, &q.AskerName, &q.Anonymous, &status, &q.Votes,
		&asked, &updated, &q.CardChannelID, &q.CardMessageID, &q.ModMessageID)
	if err != nil {
		return bot.Question{}, err
	}
	q.Status = bot.QuestionStatus(status)
	q.AskedAt, q.UpdatedAt = fromMillis(asked), fromMillis(updated)
	return q, nil
}

// scanQuestions reads and closes rows of questionColumns.
func scanQuestions(rows *sql.Rows) ([]bot.Question, error) {
	defer rows.Close()
	var out []bot.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
