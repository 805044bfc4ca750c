package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

// questionColumns is what every query that returns questions selects, in the
// order scanQuestion reads.
const questionColumns = `id, session_id, text, asker_id, asker_name, anonymous, status, votes,
	asked_ms, updated_ms, card_channel_id, card_message_id, mod_message_id`

// queueOrder is the order of the queue: top-voted first, then oldest, then by number.
const queueOrder = `ORDER BY votes DESC, asked_ms, id`

// AddQuestion stores q with a new number and returns it as stored: times in UTC
// to the millisecond, and no votes. A zero UpdatedAt is taken to be AskedAt.
// The question is committed when it returns.
func (db *DB) AddQuestion(ctx context.Context, q bot.Question) (bot.Question, error) {
	return db.Ask(ctx, q, bot.AskRules{})
}

// Ask is AddQuestion after r's checks, made in the insert's transaction under
// questionsLock: of two questions by one asker at once, from one bot or two,
// the second is counted against the first.
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
	err := db.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if r.Limit > 0 {
			var n int
			if err := tx.QueryRow(ctx, askedSinceQuery, q.AskerID, r.Since.UnixMilli()).Scan(&n); err != nil {
				return err
			}
			if n >= r.Limit {
				return &bot.LimitError{Asked: n}
			}
		}
		if r.NoRepeat {
			var dup bool
			if err := tx.QueryRow(ctx, hasAskedQuery, q.AskerID, q.Text).Scan(&dup); err != nil {
				return err
			}
			if dup {
				return bot.ErrRepeat
			}
		}
		var err error
		stored, err = scanQuestion(tx.QueryRow(ctx, `
			INSERT INTO questions (session_id, text, asker_id, asker_name, anonymous, status, votes,
				asked_ms, updated_ms, card_channel_id, card_message_id, mod_message_id)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11)
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
	q, err := scanQuestion(db.pool.QueryRow(ctx, "SELECT "+questionColumns+" FROM questions WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.SessionID != "" {
		where = append(where, "session_id = "+arg(f.SessionID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.Uncarded {
		where = append(where, fmt.Sprintf("((status = %s AND mod_message_id = '') OR (status NOT IN (%s, %s) AND card_message_id = ''))",
			arg(string(bot.QuestionWaiting)), arg(string(bot.QuestionWaiting)), arg(string(bot.QuestionDismissed))))
	}
	query := "SELECT " + questionColumns + " FROM questions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.pool.Query(ctx, query+" "+queueOrder, args...)
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
const askedSinceQuery = `SELECT count(*) FROM questions WHERE asker_id = $1 AND asked_ms >= $2`

// AskedSince counts the questions userID asked at or after since, to the millisecond.
func (db *DB) AskedSince(ctx context.Context, userID string, since time.Time) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, askedSinceQuery, userID, since.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count questions by %s: %w", userID, err)
	}
	return n, nil
}

// hasAskedQuery looks for a user's question by its exact text. PostgreSQL's
// '=' on text is byte equality under every deterministic collation.
const hasAskedQuery = `SELECT EXISTS (SELECT 1 FROM questions WHERE asker_id = $1 AND text = $2)`

// HasAsked reports whether userID already asked exactly text, byte for byte, in
// any status.
func (db *DB) HasAsked(ctx context.Context, userID, text string) (bool, error) {
	var found bool
	if err := db.pool.QueryRow(ctx, hasAskedQuery, userID, text).Scan(&found); err != nil {
		return false, fmt.Errorf("check repeat by %s: %w", userID, err)
	}
	return found, nil
}

// ToggleVote adds userID's vote to question id, or takes it back if it was
// there, and returns whether the user now votes for it and the new count, in
// one transaction.
func (db *DB) ToggleVote(ctx context.Context, id int64, userID string) (voted bool, votes int, err error) {
	wrap := func(err error) error { return fmt.Errorf("toggle vote of %s on question %d: %w", userID, id, err) }
	if userID == "" {
		return false, 0, wrap(errors.New("empty user id"))
	}
	err = db.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		voted = false
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM questions WHERE id = $1)`, id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return bot.ErrNotFound
		}
		tag, err := tx.Exec(ctx, `DELETE FROM votes WHERE question_id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO votes (question_id, user_id) VALUES ($1, $2)`, id, userID); err != nil {
				return err
			}
			voted = true
		}
		return tx.QueryRow(ctx, `
			UPDATE questions SET votes = (SELECT count(*) FROM votes WHERE question_id = $1)
			WHERE id = $1
			RETURNING votes`, id).Scan(&votes)
	})
	if err != nil {
		return false, 0, wrap(err)
	}
	return voted, votes, nil
}

// SetStatus moves question id to status if its status is one of from (any, if
// from is empty), stamps it updated at at, and returns it as stored.
func (db *DB) SetStatus(ctx context.Context, id int64, status bot.QuestionStatus, from []bot.QuestionStatus, at time.Time) (bot.Question, error) {
	wrap := func(err error) error { return fmt.Errorf("set question %d %s: %w", id, status, err) }
	if status == "" {
		return bot.Question{}, wrap(errors.New("empty status"))
	}
	var q bot.Question
	err := db.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var cur string
		err := tx.QueryRow(ctx, `SELECT status FROM questions WHERE id = $1`, id).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.ErrNotFound
		} else if err != nil {
			return err
		}
		if len(from) > 0 && !slices.Contains(from, bot.QuestionStatus(cur)) {
			return fmt.Errorf("%w (it is %s)", bot.ErrConflict, cur)
		}
		q, err = scanQuestion(tx.QueryRow(ctx, `
			UPDATE questions SET status = $1, updated_ms = $2 WHERE id = $3
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
// session of the question taken (for sessionID, or every session, if none is
// left). Under questionsLock, two calls, from one bot or two, never take the
// same question.
func (db *DB) TakeNext(ctx context.Context, sessionID string, at time.Time) (q bot.Question, previous []bot.Question, ok bool, err error) {
	err = db.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ok, previous = false, nil
		var (
			id    int64
			scope = sessionID
		)
		pick, args := nextQuery(sessionID)
		err := tx.QueryRow(ctx, pick, args...).Scan(&id, &scope)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			ok = true
		}

		done := `UPDATE questions SET status = $1, updated_ms = $2 WHERE status = $3`
		args = []any{string(bot.QuestionAnswered), at.UnixMilli(), string(bot.QuestionOnStage)}
		if scope != "" {
			done, args = done+` AND session_id = $4`, append(args, scope)
		}
		rows, err := tx.Query(ctx, done+` RETURNING `+questionColumns, args...)
		if err != nil {
			return err
		}
		if previous, err = scanQuestions(rows); err != nil {
			return err
		}
		slices.SortFunc(previous, func(a, b bot.Question) int { return cmp.Compare(a.ID, b.ID) })

		if !ok {
			return nil
		}
		q, err = scanQuestion(tx.QueryRow(ctx, `
			UPDATE questions SET status = $1, updated_ms = $2 WHERE id = $3
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

// nextQuery selects the id and session of the question TakeNext takes.
func nextQuery(sessionID string) (string, []any) {
	if sessionID == "" {
		return `SELECT id, session_id FROM questions WHERE status = $1 ` + queueOrder + ` LIMIT 1`,
			[]any{string(bot.QuestionOpen)}
	}
	return `SELECT id, session_id FROM questions WHERE status = $1 AND session_id = $2 ` + queueOrder + ` LIMIT 1`,
		[]any{string(bot.QuestionOpen), sessionID}
}

// SetCards records where question id's cards are. It does not change UpdatedAt.
func (db *DB) SetCards(ctx context.Context, id int64, channelID, messageID, modMessageID string) error {
	n, err := db.exec(ctx, `
		UPDATE questions SET card_channel_id = $1, card_message_id = $2, mod_message_id = $3
		WHERE id = $4`, channelID, messageID, modMessageID, id)
	if err == nil && n == 0 {
		err = bot.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set cards of question %d: %w", id, err)
	}
	return nil
}

// scanQuestion reads one row of questionColumns.
func scanQuestion(s pgx.Row) (bot.Question, error) {
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
func scanQuestions(rows pgx.Rows) ([]bot.Question, error) {
	return collect(rows, func(row pgx.CollectableRow) (bot.Question, error) { return scanQuestion(row) })
}
