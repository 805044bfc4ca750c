// Package questions is the panel questions feature: /ask, the moderators'
// /questions, the buttons under question cards, and the loop that posts the
// cards and redraws them. It is a bot.Feature (Feature), registered in main.
//
// It imports package bot, and never a transport (bot/discord, bot/console,
// bot/web) nor another feature's package (bot/posters). A question's card is
// drawn by bot (bot.QuestionCard), which the dashboard shares.
package questions

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"workshopbot/bot"
)

// Store keeps the questions, their votes and their cards. bot/sqlite and
// bot/postgres implement it; the bot hands it over as Config.Questions.
type Store interface {
	Ask(ctx context.Context, q bot.Question, rules bot.AskRules) (bot.Question, error)
	Question(ctx context.Context, id int64) (bot.Question, error)
	Questions(ctx context.Context, f bot.QuestionFilter) ([]bot.Question, error)
	ToggleVote(ctx context.Context, id int64, userID string) (voted bool, votes int, err error)
	SetStatus(ctx context.Context, id int64, to bot.QuestionStatus, from []bot.QuestionStatus, now time.Time) (bot.Question, error)
	TakeNext(ctx context.Context, sessionID string, now time.Time) (q bot.Question, prev []bot.Question, ok bool, err error)
	SetCards(ctx context.Context, id int64, channelID, messageID, modMessageID string) error
}

// The bot's question store is one.
var _ Store = bot.QuestionStore(nil)

// feature is the questions feature of one bot: its store, and the cards to
// draw.
type feature struct {
	store Store         // nil: questions are not collected (Config.Questions unset)
	wake  chan struct{} // a question needs a card or a redraw

	mu    sync.Mutex
	dirty map[int64]bool // questions whose cards need a redraw
}

// Feature is /ask and /questions, the buttons under question cards, and the
// loop that posts and redraws the cards (when Config.Questions is set). Each
// bot needs its own: the value holds the cards to draw.
func Feature() bot.Feature {
	f := &feature{wake: make(chan struct{}, 1), dirty: map[int64]bool{}}
	bf := bot.Feature{
		Name:     "questions",
		Specs:    specs,
		Commands: map[string]bot.Handler{"ask": f.ask},
		Presses:  map[string]bot.Handler{"q": f.press},
		Init: func(b *bot.Bot) error {
			if qs := b.QuestionStore(); qs != nil {
				f.store = qs
			}
			return nil
		},
		Run: func(b *bot.Bot, ctx context.Context) {
			if f.store != nil {
				f.cardLoop(b, ctx)
			}
		},
	}
	for _, name := range []string{"next", "list", "answered", "dismiss", "reopen", "export"} {
		bf.Commands["questions "+name] = f.command
	}
	return bf
}

func parseBool(s string) bool {
	v, _ := strconv.ParseBool(s)
	return v
}

// Limits on a question's length, in characters.
const (
	MinQuestion = 10
	MaxQuestion = 1000
)

// askWindow is the span over which QuestionsConfig.PerTenMinutes applies.
const askWindow = 10 * time.Minute

func parseButtonID(s string) (action string, id int64, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "q" {
		return "", 0, false
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	return parts[1], id, err == nil && id > 0
}

var specs = []bot.CommandSpec{
	{Name: "ask", Description: "Ask the panel (or a session's speakers) a question", Options: []bot.OptionSpec{
		{Name: "question", Description: "Your question (10 to 1000 characters)", Type: bot.OptionString, Required: true, MinLength: MinQuestion, MaxLength: MaxQuestion},
		{Name: "session", Description: "The session it is for (default: the panel)", Type: bot.OptionString, Autocomplete: true},
		{Name: "anonymous", Description: "Hide your name from other attendees (moderators still see it)", Type: bot.OptionBoolean},
	}},
	{Name: "questions next", Description: "Put the top-voted open question on stage", Moderator: true, Options: []bot.OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: bot.OptionString, Autocomplete: true},
	}},
	{Name: "questions list", Description: "The question queue, with votes", Moderator: true, Options: []bot.OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: bot.OptionString, Autocomplete: true},
		{Name: "status", Description: "open, onstage, waiting, answered or dismissed", Type: bot.OptionString},
	}},
	{Name: "questions answered", Description: "Mark a question answered", Moderator: true, Options: []bot.OptionSpec{
		{Name: "id", Description: "The question number", Type: bot.OptionInteger, Required: true},
	}},
	{Name: "questions dismiss", Description: "Dismiss a question", Moderator: true, Options: []bot.OptionSpec{
		{Name: "id", Description: "The question number", Type: bot.OptionInteger, Required: true},
	}},
	{Name: "questions reopen", Description: "Put an answered or dismissed question back in the queue", Moderator: true, Options: []bot.OptionSpec{
		{Name: "id", Description: "The question number", Type: bot.OptionInteger, Required: true},
	}},
	{Name: "questions export", Description: "Every question as a CSV file", Moderator: true, Options: []bot.OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: bot.OptionString, Autocomplete: true},
	}},
}

// ask handles /ask: validate, store, and only then say "received". The card is
// posted afterwards by the card loop, outside Discord's 3-second deadline.
func (f *feature) ask(b *bot.Bot, ctx context.Context, prog *bot.Program, c bot.Command, now time.Time) bot.Reply {
	if f.store == nil {
		return bot.Ephemeral("Questions are not collected by this bot.")
	}
	text := strings.TrimSpace(c.Options["question"])
	if !utf8.ValidString(text) {
		return bot.Ephemeral("Your question is not valid text (UTF-8). Please type it again.")
	}
	text = cleanQuestion(text)
	n := utf8.RuneCountInString(text)
	shown, ink := visibleRunes(text)
	switch {
	case (shown < MinQuestion || !ink) && shown < n:
		if !ink {
			shown = 0
		}
		return bot.Ephemeral(fmt.Sprintf("Your question shows %d characters (the rest are invisible); please write at least %d.", shown, MinQuestion))
	case n < MinQuestion:
		return bot.Ephemeral(fmt.Sprintf("Your question is %d characters; please write at least %d.", n, MinQuestion))
	case n > MaxQuestion:
		return bot.Ephemeral(fmt.Sprintf("Your question is %d characters; the limit is %d. Please shorten it.", n, MaxQuestion))
	}
	sess, ok := bot.ResolveSession(prog.Schedule, c.Options["session"])
	if !ok {
		return bot.Ephemeral(fmt.Sprintf("There is no session %q. Pick one from the list, or leave it empty for the panel.", c.Options["session"]))
	}
	limit := prog.Schedule.Questions.PerTenMinutes
	if limit <= 0 {
		limit = 5
	}
	status := bot.QuestionOpen
	if prog.Schedule.Questions.Moderated {
		status = bot.QuestionWaiting
	}
	// The limit and the repeat check are made by the store with the insert: made
	// here first, simultaneous asks from one attendee would all pass them.
	q, err := f.store.Ask(ctx, bot.Question{
		SessionID: sess.ID, Text: text, AskerID: c.User.ID, AskerName: c.User.Name,
		Anonymous: parseBool(c.Options["anonymous"]), Status: status, AskedAt: now, UpdatedAt: now,
	}, bot.AskRules{Limit: limit, Since: now.Add(-askWindow), NoRepeat: true})
	var over *bot.LimitError
	switch {
	case errors.As(err, &over):
		return bot.Ephemeral(fmt.Sprintf("You have asked %d questions in the last 10 minutes, the most allowed. Please wait a little, and upvote others' questions meanwhile.", over.Asked))
	case errors.Is(err, bot.ErrRepeat):
		return bot.Ephemeral("You already asked exactly this question, and it is in the queue. No need to ask twice!")
	case err != nil:
		return b.Internal(err, "store question", "user", c.User.ID)
	}
	b.Logger().Info("question received", "question", q.ID, "session", q.SessionID, "user", q.AskerID)
	f.kickCards(b)
	msg := fmt.Sprintf("Received: your question #%d for **%s** is in the queue.", q.ID, sess.Title)
	if status == bot.QuestionWaiting {
		msg = fmt.Sprintf("Received: your question #%d for **%s** will be shown once a moderator approves it.", q.ID, sess.Title)
	}
	return bot.Ephemeral(msg)
}

// cleanQuestion drops what no question needs and what can disguise one: the
// bidirectional embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069, which can make a card read backwards or hide words, as in
// the "Trojan Source" attacks, CVE-2021-42574), the direction marks, and
// control characters but the line break (a tab becomes a space). Zero-width joiners stay: emoji and
// several scripts need them.
func cleanQuestion(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return -1
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// visibleRunes counts the characters of s that show, spaces included, and
// reports whether any but spaces does. Invisible are the format characters
// (zero-width space, joiners, word joiner, BOM, soft hyphen) and the blanks
// that pass for letters (the braille blank U+2800, the Hangul fillers, the
// Khmer and Mongolian invisible vowels).
func visibleRunes(s string) (n int, ink bool) {
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r) && r != '\n':
		case r == 0x2800, r == 0x3164, r == 0x115F, r == 0x1160, r == 0xFFA0, r == 0x17B4, r == 0x17B5, r == 0x180E:
		case unicode.IsSpace(r):
			n++
		default:
			n, ink = n+1, true
		}
	}
	return n, ink
}

// press handles a button under a question card.
func (f *feature) press(b *bot.Bot, ctx context.Context, prog *bot.Program, c bot.Command, now time.Time) bot.Reply {
	action, id, ok := parseButtonID(c.Button)
	if !ok || f.store == nil {
		return bot.Ephemeral("This button is not known to the bot (any more).")
	}
	switch action {
	case bot.QuestionVote:
		q, err := f.store.Question(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			return bot.Ephemeral(fmt.Sprintf("Question #%d does not exist.", id))
		} else if err != nil {
			return b.Internal(err, "read question", "question", id)
		}
		if q.Status != bot.QuestionOpen && q.Status != bot.QuestionOnStage {
			return bot.Ephemeral(fmt.Sprintf("Question #%d is %s; votes are closed.", id, q.Status))
		}
		voted, votes, err := f.store.ToggleVote(ctx, id, c.User.ID)
		if err != nil {
			return b.Internal(err, "vote", "question", id, "user", c.User.ID)
		}
		q.Votes = votes
		b.Logger().Info("vote", "question", id, "user", c.User.ID, "voted", voted, "votes", votes)
		b.Changed()
		card := bot.QuestionCard(prog.Schedule, q)
		return bot.Reply{Update: &card}
	case bot.QuestionApprove, bot.QuestionDismiss:
		if !bot.IsModerator(prog.Schedule, c.User) {
			return bot.Ephemeral(fmt.Sprintf("Only moderators (role %q) can approve or dismiss questions.", prog.Schedule.Discord.Moderators))
		}
		to := bot.QuestionOpen
		if action == bot.QuestionDismiss {
			to = bot.QuestionDismissed
		}
		q, err := f.store.SetStatus(ctx, id, to, []bot.QuestionStatus{bot.QuestionWaiting}, now)
		if errors.Is(err, bot.ErrConflict) {
			return bot.Ephemeral(fmt.Sprintf("Question #%d was already handled by another moderator.", id))
		} else if err != nil {
			return b.Internal(err, "moderate question", "question", id)
		}
		b.Logger().Info("question moderated", "question", id, "status", to, "moderator", c.User.ID)
		f.kickCards(b)
		card := bot.ModerationCard(prog.Schedule, q)
		card.Content += fmt.Sprintf("\n%s by %s", map[bot.QuestionStatus]string{bot.QuestionOpen: "Approved", bot.QuestionDismissed: "Dismissed"}[to], c.User.Name)
		return bot.Reply{Update: &card}
	}
	return bot.Ephemeral("This button is not known to the bot (any more).")
}

// questionsCommand handles the moderators' /questions sub-commands.
func (f *feature) command(b *bot.Bot, ctx context.Context, prog *bot.Program, c bot.Command, now time.Time) bot.Reply {
	if f.store == nil {
		return bot.Ephemeral("Questions are not collected by this bot.")
	}
	s := prog.Schedule
	sessionID := ""
	if v := c.Options["session"]; v != "" {
		sess, ok := bot.ResolveSession(s, v)
		if !ok {
			return bot.Ephemeral(fmt.Sprintf("There is no session %q.", v))
		}
		sessionID = sess.ID
	}
	switch c.Name {
	case "questions next":
		q, prev, ok, err := f.store.TakeNext(ctx, sessionID, now)
		if err != nil {
			return b.Internal(err, "take next question")
		}
		for _, p := range prev {
			f.markDirty(b, p.ID)
		}
		if !ok {
			return bot.Ephemeral("No open question left" + forSession(s, sessionID) + ".")
		}
		f.markDirty(b, q.ID)
		b.Logger().Info("question on stage", "question", q.ID, "session", q.SessionID, "moderator", c.User.ID)
		return bot.Ephemeral(fmt.Sprintf("🎙️ On stage: **Q%d** (👍 %d) for %s\n> %s\n— %s",
			q.ID, q.Votes, bot.SessionTitle(s, q.SessionID), strings.ReplaceAll(q.Text, "\n", "\n> "), bot.AskerLabel(q, true)))
	case "questions list":
		filter := bot.QuestionFilter{SessionID: sessionID}
		if st := c.Options["status"]; st != "" {
			filter.Status = bot.QuestionStatus(strings.ToLower(st))
			if !validStatus(filter.Status) {
				return bot.Ephemeral(fmt.Sprintf("Unknown status %q: use open, onstage, waiting, answered or dismissed.", st))
			}
		}
		qs, err := f.store.Questions(ctx, filter)
		if err != nil {
			return b.Internal(err, "list questions")
		}
		return bot.Ephemeral(questionList(s, qs, filter))
	case "questions answered", "questions dismiss", "questions reopen":
		return f.setStatus(b, ctx, c, now)
	case "questions export":
		qs, err := f.store.Questions(ctx, bot.QuestionFilter{SessionID: sessionID})
		if err != nil {
			return b.Internal(err, "export questions")
		}
		data, err := ExportCSV(s, qs)
		if err != nil {
			return b.Internal(err, "export questions")
		}
		return bot.Reply{Content: bot.Plural(len(qs), "question") + forSession(s, sessionID) + ".", Ephemeral: true,
			Files: []bot.File{{Name: "questions.csv", ContentType: "text/csv", Data: data}}}
	}
	return bot.Ephemeral(fmt.Sprintf("Unknown command `/%s`.", c.Name))
}

// setStatus handles /questions answered, dismiss and reopen.
func (f *feature) setStatus(b *bot.Bot, ctx context.Context, c bot.Command, now time.Time) bot.Reply {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(c.Options["id"]), "#"), 10, 64)
	if err != nil || id <= 0 {
		return bot.Ephemeral(fmt.Sprintf("%q is not a question number.", c.Options["id"]))
	}
	to, from := bot.QuestionAnswered, []bot.QuestionStatus{bot.QuestionOpen, bot.QuestionOnStage, bot.QuestionWaiting}
	switch c.Name {
	case "questions dismiss":
		to = bot.QuestionDismissed
	case "questions reopen":
		to, from = bot.QuestionOpen, []bot.QuestionStatus{bot.QuestionAnswered, bot.QuestionDismissed, bot.QuestionOnStage}
	}
	q, err := f.store.SetStatus(ctx, id, to, from, now)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return bot.Ephemeral(fmt.Sprintf("There is no question #%d.", id))
	case errors.Is(err, bot.ErrConflict):
		cur, _ := f.store.Question(ctx, id)
		return bot.Ephemeral(fmt.Sprintf("Question #%d is %s already.", id, cur.Status))
	case err != nil:
		return b.Internal(err, "set question status", "question", id)
	}
	f.markDirty(b, q.ID)
	f.kickCards(b)
	b.Logger().Info("question status", "question", id, "status", to, "moderator", c.User.ID)
	return bot.Ephemeral(fmt.Sprintf("Question #%d is now %s.", id, to))
}

func forSession(s *bot.Schedule, id string) string {
	if id == "" {
		return ""
	}
	return " for " + bot.SessionTitle(s, id)
}

func validStatus(st bot.QuestionStatus) bool {
	for _, v := range bot.QuestionStatuses {
		if v == st {
			return true
		}
	}
	return false
}

// questionList is the moderators' view of the queue, cut to fit one message.
func questionList(s *bot.Schedule, qs []bot.Question, f bot.QuestionFilter) string {
	if len(qs) == 0 {
		return "No questions" + forSession(s, f.SessionID) + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s, top-voted first:\n", bot.Plural(len(qs), "question"), forSession(s, f.SessionID))
	for i, q := range qs {
		line := fmt.Sprintf("`#%d` 👍 %d · %s · %s — %s\n", q.ID, q.Votes, q.Status, bot.SessionTitle(s, q.SessionID), bot.Truncate(strings.ReplaceAll(q.Text, "\n", " "), 120))
		if b.Len()+len(line) > bot.MaxContent-40 {
			fmt.Fprintf(&b, "… and %d more (use /questions export)", len(qs)-i)
			break
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ExportCSV writes questions as CSV: one row each with status, votes, times, and the
// asker unless anonymous. Cells that a spreadsheet would run as a formula are
// defused with a leading quote.
func ExportCSV(s *bot.Schedule, qs []bot.Question) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	loc := s.Workshop.Location
	_ = w.Write([]string{"id", "session", "session_title", "status", "votes", "asked_at", "updated_at", "asker", "question"})
	for _, q := range qs {
		asker := q.AskerName
		if q.Anonymous {
			asker = "anonymous"
		}
		row := []string{strconv.FormatInt(q.ID, 10), q.SessionID, bot.SessionTitle(s, q.SessionID), string(q.Status), strconv.Itoa(q.Votes),
			q.AskedAt.In(loc).Format(time.RFC3339), q.UpdatedAt.In(loc).Format(time.RFC3339), asker, q.Text}
		for i := range row {
			row[i] = bot.SafeCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// kickCards wakes the card loop, and the dashboard: every change to a question
// goes through it.
func (f *feature) kickCards(b *bot.Bot) {
	b.Changed()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// markDirty asks the card loop to redraw question id's cards.
func (f *feature) markDirty(b *bot.Bot, id int64) {
	f.mu.Lock()
	f.dirty[id] = true
	f.mu.Unlock()
	f.kickCards(b)
}

// cardLoop posts the cards of questions that have none yet, and redraws cards whose
// question changed. It looks at the database, not at a queue, so a crash between
// "received" and the card loses nothing: the next start posts the missing cards.
//
// A card that could not be posted, recorded or redrawn (after the transport's
// own retries) is tried again after cardRetryMin, doubling to cardRetryMax,
// until every card shows what the database holds: a vote count or a status
// must not stay wrong because Discord had a bad minute.
func (f *feature) cardLoop(b *bot.Bot, ctx context.Context) {
	var backoff time.Duration
	for {
		var retry <-chan time.Time
		if f.syncCards(b, ctx) {
			backoff = 0
		} else {
			backoff = min(max(2*backoff, cardRetryMin), cardRetryMax)
			retry = b.Clock().After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-retry:
		}
	}
}

// How long the card loop waits to retry a failed card: doubling from
// cardRetryMin to cardRetryMax.
const (
	cardRetryMin = time.Second
	cardRetryMax = time.Minute
)

// syncCards posts and redraws the cards that need it, and reports whether
// all of it went through; what failed is left to do for the next round.
func (f *feature) syncCards(b *bot.Bot, ctx context.Context) (ok bool) {
	prog := b.Program()
	// Take the dirty set before reading the questions: a change marked dirty
	// after this is redrawn by the next round (markDirty wakes it); one marked
	// before is already in what Questions returns. Taken after, a change could
	// be cleared from the set and drawn from the questions as they were before it.
	f.mu.Lock()
	dirty := f.dirty
	f.dirty = map[int64]bool{}
	f.mu.Unlock()
	qs, err := f.toDraw(ctx, dirty)
	if err != nil {
		b.Logger().Error("card loop: read questions", "err", err)
		f.mu.Lock()
		for id := range dirty {
			f.dirty[id] = true
		}
		f.mu.Unlock()
		return false
	}
	ok = true
	// again marks q to be redrawn next round: its card is behind the database.
	again := func(id int64) {
		ok = false
		f.mu.Lock()
		f.dirty[id] = true
		f.mu.Unlock()
	}
	// A card posted must be recorded even if ctx ends meanwhile (shutdown):
	// else the next start would post it again.
	record := context.WithoutCancel(ctx)
	// Oldest first, so cards appear in the order questions were asked (qs is in
	// queue order, by votes, then oldest; and the changed ones after it).
	slices.SortFunc(qs, func(a, b bot.Question) int { return cmp.Compare(a.ID, b.ID) })
	for _, q := range qs {
		if ctx.Err() != nil {
			return ok
		}
		switch {
		case q.Status == bot.QuestionWaiting && q.ModMessageID == "":
			posted, err := postQuestionCard(b, ctx, bot.ModerationCard(prog.Schedule, q))
			if err != nil {
				b.Logger().Error("post moderation card", "question", q.ID, "err", err)
				ok = false // still uncarded: the next round's query finds it
				continue
			}
			if err := f.store.SetCards(record, q.ID, q.CardChannelID, q.CardMessageID, posted.MessageID); err != nil {
				b.Logger().Error("record moderation card", "question", q.ID, "err", err)
				ok = false
			}
		case q.Status != bot.QuestionWaiting && q.CardMessageID == "" && q.Status != bot.QuestionDismissed:
			posted, err := postQuestionCard(b, ctx, bot.QuestionCard(prog.Schedule, q))
			if err != nil {
				b.Logger().Error("post question card", "question", q.ID, "err", err)
				ok = false
				continue
			}
			if err := f.store.SetCards(record, q.ID, posted.ChannelID, posted.MessageID, q.ModMessageID); err != nil {
				b.Logger().Error("record question card", "question", q.ID, "err", err)
				ok = false
			}
			b.Logger().Info("question carded", "question", q.ID, "message", posted.MessageID)
		case dirty[q.ID] && q.CardMessageID != "":
			ed, can := b.Transport().(bot.Editor)
			if !can {
				continue
			}
			if err := ed.Edit(ctx, q.CardChannelID, q.CardMessageID, bot.QuestionCard(prog.Schedule, q)); err != nil {
				b.Logger().Error("redraw question card", "question", q.ID, "err", err)
				again(q.ID)
			}
		}
	}
	return ok
}

// toDraw reads the questions that need a card, and those of dirty (whose
// cards need a redraw).
func (f *feature) toDraw(ctx context.Context, dirty map[int64]bool) ([]bot.Question, error) {
	// Only what needs a card, and what changed: not every question, which after
	// each /ask of a burst of thousands would be a lot of reading for nothing.
	qs, err := f.store.Questions(ctx, bot.QuestionFilter{Uncarded: true})
	for id := range dirty {
		if err != nil {
			break
		}
		if slices.ContainsFunc(qs, func(q bot.Question) bool { return q.ID == id }) {
			continue
		}
		var q bot.Question
		q, err = f.store.Question(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			err = nil
			continue
		}
		qs = append(qs, q)
	}
	return qs, err
}

// postQuestionCard posts a question card. A post in flight when ctx ends
// (shutdown) is finished, within a few seconds, so that the card is recorded:
// otherwise Discord would have the card and the database would not know it.
func postQuestionCard(b *bot.Bot, ctx context.Context, m bot.Message) (bot.Posted, error) {
	m.Nonce = b.CardNonce(m.Nonce)
	pctx, cancel := bot.InFlight(ctx)
	defer cancel()
	return b.Transport().Post(pctx, m)
}
