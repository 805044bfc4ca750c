package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// QuestionStatus is where a question is in its life.
type QuestionStatus string

// Question statuses, as stored.
const (
	QuestionWaiting   QuestionStatus = "waiting"   // moderated mode: not yet approved
	QuestionOpen      QuestionStatus = "open"      // shown, collecting votes
	QuestionOnStage   QuestionStatus = "onstage"   // pulled by a moderator, being answered
	QuestionAnswered  QuestionStatus = "answered"  // done
	QuestionDismissed QuestionStatus = "dismissed" // not taken (off-topic, duplicate, abuse)
)

// QuestionStatuses lists every status, in the order lists show them.
var QuestionStatuses = []QuestionStatus{QuestionOnStage, QuestionOpen, QuestionWaiting, QuestionAnswered, QuestionDismissed}

// Question is one question asked by an attendee.
type Question struct {
	ID        int64
	SessionID string // the session it is for (the panel by default)
	Text      string
	AskerID   string // always stored, even when Anonymous: moderators may need it
	AskerName string
	Anonymous bool
	Status    QuestionStatus
	Votes     int
	AskedAt   time.Time
	UpdatedAt time.Time
	// Where its cards are, once posted.
	CardChannelID string
	CardMessageID string
	ModMessageID  string // the card in the moderators channel (moderated mode)
}

// QuestionFilter selects questions; empty fields select all.
type QuestionFilter struct {
	SessionID string
	Status    QuestionStatus
	// Uncarded selects only the questions still waiting for a card: a waiting
	// one without its moderators' card, an open, on-stage or answered one
	// without its card in the questions channel. The card loop reads these,
	// not every question, after each /ask.
	Uncarded bool
}

// AskRules are the checks Ask makes in the same step as storing the question,
// so that they hold however many questions one attendee sends at once.
type AskRules struct {
	// Limit is how many questions the asker may have asked at or after Since
	// (0: no limit). Reaching it gives a *LimitError.
	Limit int
	Since time.Time
	// NoRepeat refuses, with ErrRepeat, a text the asker already asked exactly
	// (byte for byte, in any status).
	NoRepeat bool
}

// ErrRepeat is returned by Ask for a question its asker already asked.
var ErrRepeat = errors.New("question already asked")

// LimitError is returned by Ask when the asker has reached AskRules.Limit.
type LimitError struct {
	Asked int // questions asked since AskRules.Since
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("question limit reached: %d asked", e.Asked)
}

// ErrNotFound is returned for an id that no stored question has.
var ErrNotFound = errors.New("not found")

// QuestionStore keeps questions and votes. Implemented by bot/sqlite. Every method
// is atomic: two moderators, or two voters, at the same instant see consistent
// results.
type QuestionStore interface {
	// AddQuestion stores q (ID is assigned) and returns it as stored. The write is
	// durable when it returns: only then does the bot say "received".
	AddQuestion(ctx context.Context, q Question) (Question, error)
	// Ask is AddQuestion after the checks of r, made atomically with the
	// insert: it returns a *LimitError or ErrRepeat instead of storing q.
	Ask(ctx context.Context, q Question, r AskRules) (Question, error)
	// Question returns one question, or ErrNotFound.
	Question(ctx context.Context, id int64) (Question, error)
	// Questions returns the questions matching f, top-voted first, oldest first among equals.
	Questions(ctx context.Context, f QuestionFilter) ([]Question, error)
	// AskedSince counts the questions userID asked at or after since.
	AskedSince(ctx context.Context, userID string, since time.Time) (int, error)
	// HasAsked reports whether userID already asked exactly text.
	HasAsked(ctx context.Context, userID, text string) (bool, error)
	// ToggleVote adds userID's vote to question id, or takes it back if it was there.
	// It returns whether the user now votes for it, and the new count.
	ToggleVote(ctx context.Context, id int64, userID string) (voted bool, votes int, err error)
	// SetStatus moves question id to status if its current status is one of from
	// (any, if from is empty), and returns it as stored; ErrNotFound for an unknown id,
	// and ErrConflict if its status was not in from.
	SetStatus(ctx context.Context, id int64, status QuestionStatus, from []QuestionStatus, at time.Time) (Question, error)
	// TakeNext atomically marks the top-voted open question (oldest first among
	// equals) of sessionID (any session, if empty) as on stage, and marks the
	// question that was on stage for that session answered. ok is false when no
	// open question is left. Two calls at once never take the same question.
	TakeNext(ctx context.Context, sessionID string, at time.Time) (q Question, previous []Question, ok bool, err error)
	// SetCards records where question id's cards are.
	SetCards(ctx context.Context, id int64, channelID, messageID, modMessageID string) error
}

// ErrConflict is returned when a question's status changed under a request.
var ErrConflict = errors.New("status changed meanwhile")
