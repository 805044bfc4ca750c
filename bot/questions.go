package bot

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
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on a question's length, in characters.
const (
	MinQuestion = 10
	MaxQuestion = 1000
)

// askWindow is the span over which QuestionsConfig.PerTenMinutes applies.
const askWindow = 10 * time.Minute

// Button IDs are "q:<action>:<question id>".
const (
	actVote    = "vote"
	actApprove = "approve"
	actDismiss = "dismiss"
)

func buttonID(action string, id int64) string { return fmt.Sprintf("q:%s:%d", action, id) }

func parseButtonID(s string) (action string, id int64, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "q" {
		return "", 0, false
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	return parts[1], id, err == nil && id > 0
}

var questionSpecs = []CommandSpec{
	{Name: "ask", Description: "Ask the panel (or a session's speakers) a question", Options: []OptionSpec{
		{Name: "question", Description: "Your question (10 to 1000 characters)", Type: OptionString, Required: true, MinLength: MinQuestion, MaxLength: MaxQuestion},
		{Name: "session", Description: "The session it is for (default: the panel)", Type: OptionString, Autocomplete: true},
		{Name: "anonymous", Description: "Hide your name from other attendees (moderators still see it)", Type: OptionBoolean},
	}},
	{Name: "questions next", Description: "Put the top-voted open question on stage", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
	}},
	{Name: "questions list", Description: "The question queue, with votes", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
		{Name: "status", Description: "open, onstage, waiting, answered or dismissed", Type: OptionString},
	}},
	{Name: "questions answered", Description: "Mark a question answered", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions dismiss", Description: "Dismiss a question", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions reopen", Description: "Put an answered or dismissed question back in the queue", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions export", Description: "Every question as a CSV file", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
	}},
}

// QuestionsFeature is /ask and /questions, the buttons under question cards,
// and the loop that posts and redraws the cards (when Config.Questions is set).
func QuestionsFeature() Feature {
	f := Feature{
		Name:     "questions",
		Specs:    questionSpecs,
		Commands: map[string]Handler{"ask": (*Bot).ask},
		Presses:  map[string]Handler{"q": (*Bot).press},
		Run: func(b *Bot, ctx context.Context) {
			if b.qs != nil {
				b.cardLoop(ctx)
			}
		},
	}
	for _, name := range []string{"next", "list", "answered", "dismiss", "reopen", "export"} {
		f.Commands["questions "+name] = (*Bot).questionsCommand
	}
	return f
}

// ask handles /ask: validate, store, and only then say "received". The card is
// posted afterwards by the card loop, outside Discord's 3-second deadline.
func (b *Bot) ask(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	if b.qs == nil {
		return ephemeral("Questions are not collected by this bot.")
	}
	text := strings.TrimSpace(c.Options["question"])
	if !utf8.ValidString(text) {
		return ephemeral("Your question is not valid text (UTF-8). Please type it again.")
	}
	text = cleanQuestion(text)
	n := utf8.RuneCountInString(text)
	shown, ink := visibleRunes(text)
	switch {
	case (shown < MinQuestion || !ink) && shown < n:
		if !ink {
			shown = 0
		}
		return ephemeral(fmt.Sprintf("Your question shows %d characters (the rest are invisible); please write at least %d.", shown, MinQuestion))
	case n < MinQuestion:
		return ephemeral(fmt.Sprintf("Your question is %d characters; please write at least %d.", n, MinQuestion))
	case n > MaxQuestion:
		return ephemeral(fmt.Sprintf("Your question is %d characters; the limit is %d. Please shorten it.", n, MaxQuestion))
	}
	sess, ok := resolveSession(prog.Schedule, c.Options["session"])
	if !ok {
		return ephemeral(fmt.Sprintf("There is no session %q. Pick one from the list, or leave it empty for the panel.", c.Options["session"]))
	}
	limit := prog.Schedule.Questions.PerTenMinutes
	if limit <= 0 {
		limit = 5
	}
	status := QuestionOpen
	if prog.Schedule.Questions.Moderated {
		status = QuestionWaiting
	}
	// The limit and the repeat check are made by the store with the insert: made
	// here first, simultaneous asks from one attendee would all pass them.
	q, err := b.qs.Ask(ctx, Question{
		SessionID: sess.ID, Text: text, AskerID: c.User.ID, AskerName: c.User.Name,
		Anonymous: parseBool(c.Options["anonymous"]), Status: status, AskedAt: now, UpdatedAt: now,
	}, AskRules{Limit: limit, Since: now.Add(-askWindow), NoRepeat: true})
	var over *LimitError
	switch {
	case errors.As(err, &over):
		return ephemeral(fmt.Sprintf("You have asked %d questions in the last 10 minutes, the most allowed. Please wait a little, and upvote others' questions meanwhile.", over.Asked))
	case errors.Is(err, ErrRepeat):
		return ephemeral("You already asked exactly this question, and it is in the queue. No need to ask twice!")
	case err != nil:
		return b.internal(err, "store question", "user", c.User.ID)
	}
	b.log.Info("question received", "question", q.ID, "session", q.SessionID, "user", q.AskerID)
	b.kickCards()
	msg := fmt.Sprintf("Received: your question #%d for **%s** is in the queue.", q.ID, sess.Title)
	if status == QuestionWaiting {
		msg = fmt.Sprintf("Received: your question #%d for **%s** will be shown once a moderator approves it.", q.ID, sess.Title)
	}
	return ephemeral(msg)
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

func ephemeral(s string) Reply { return Reply{Content: s, Ephemeral: true} }

// internal logs an unexpected error and tells the user no more than that.
func (b *Bot) internal(err error, op string, attrs ...any) Reply {
	b.log.Error(op, append(attrs, "err", err)...)
	return ephemeral("Sorry, something went wrong on our side (internal error). The moderators can see it in the log.")
}

func parseBool(s string) bool {
	v, _ := strconv.ParseBool(s)
	return v
}

// resolveSession finds the session a question is for: by id or title, or the
// panel (the first panel session; else the last session) when empty.
func resolveSession(s *Schedule, v string) (Session, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		for _, sess := range s.Sessions {
			if sess.Kind == KindPanel {
				return sess, true
			}
		}
		if len(s.Sessions) == 0 {
			return Session{}, false
		}
		return s.Sessions[len(s.Sessions)-1], true
	}
	for _, sess := range s.Sessions {
		if sess.ID == v || strings.EqualFold(sess.Title, v) {
			return sess, true
		}
	}
	return Session{}, false
}

// sessionTitle names a session id for display, even if it left the program.
func sessionTitle(s *Schedule, id string) string {
	if sess, ok := s.Session(id); ok {
		return sess.Title
	}
	return id
}

// autocomplete suggests sessions whose title or id contains what was typed.
func autocomplete(s *Schedule, typed string) []Choice {
	typed = strings.ToLower(strings.TrimSpace(typed))
	var out []Choice
	for _, sess := range s.Sessions {
		if sess.Kind == KindBreak {
			continue
		}
		name := sess.Title
		if len(sess.Speakers) > 0 {
			name += " — " + strings.Join(sess.Speakers, ", ")
		}
		if typed == "" || strings.Contains(strings.ToLower(name), typed) || strings.Contains(sess.ID, typed) {
			out = append(out, Choice{Name: Truncate(name, 100), Value: sess.ID})
		}
		if len(out) == 25 { // Discord shows at most 25 choices
			break
		}
	}
	return out
}

// QuestionCard is the one place that turns a question into the card attendees see.
func QuestionCard(s *Schedule, q Question) Message { return questionCard(s, q, false) }

// questionCard is a question's card; forModerators names an anonymous asker.
func questionCard(s *Schedule, q Question, forModerators bool) Message {
	var b strings.Builder
	state := ""
	switch q.Status {
	case QuestionOnStage:
		state = " · 🎙️ **on stage now**"
	case QuestionAnswered:
		state = " · ✅ answered"
	case QuestionDismissed:
		state = " · 🚫 dismissed"
	case QuestionWaiting:
		state = " · ⏳ waiting for approval"
	}
	fmt.Fprintf(&b, "**Q%d** · %s · 👍 %d%s\n", q.ID, sessionTitle(s, q.SessionID), q.Votes, state)
	b.WriteString("> " + strings.ReplaceAll(q.Text, "\n", "\n> ") + "\n")
	b.WriteString("— " + askerLabel(q, forModerators))
	done := q.Status == QuestionAnswered || q.Status == QuestionDismissed
	return Message{
		Channel: ChannelQuestions,
		Content: Truncate(b.String(), MaxContent),
		Nonce:   fmt.Sprintf("q:%d", q.ID),
		Buttons: []Button{{ID: buttonID(actVote, q.ID), Label: fmt.Sprintf("Upvote (%d)", q.Votes), Style: ButtonPrimary, Disabled: done}},
	}
}

// moderationCard is the card moderators approve or dismiss in moderated mode.
func moderationCard(s *Schedule, q Question) Message {
	// Built with the moderators' asker label, not by replacing "— anonymous" in
	// the attendees' card: the question's own text may contain those words.
	m := questionCard(s, q, true)
	m.Channel = ChannelModerators
	m.Nonce = fmt.Sprintf("qm:%d", q.ID)
	waiting := q.Status == QuestionWaiting
	m.Buttons = []Button{
		{ID: buttonID(actApprove, q.ID), Label: "Approve", Style: ButtonSuccess, Disabled: !waiting},
		{ID: buttonID(actDismiss, q.ID), Label: "Dismiss", Style: ButtonDanger, Disabled: !waiting},
	}
	return m
}

// askerLabel names the asker: "anonymous" to attendees when they asked so;
// moderators also see who it was.
func askerLabel(q Question, forModerators bool) string {
	if !q.Anonymous {
		return q.AskerName
	}
	if forModerators {
		return "anonymous (asked by " + q.AskerName + ", visible to moderators only)"
	}
	return "anonymous"
}

// press handles a button under a question card.
func (b *Bot) press(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	action, id, ok := parseButtonID(c.Button)
	if !ok || b.qs == nil {
		return ephemeral("This button is not known to the bot (any more).")
	}
	switch action {
	case actVote:
		q, err := b.qs.Question(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return ephemeral(fmt.Sprintf("Question #%d does not exist.", id))
		} else if err != nil {
			return b.internal(err, "read question", "question", id)
		}
		if q.Status != QuestionOpen && q.Status != QuestionOnStage {
			return ephemeral(fmt.Sprintf("Question #%d is %s; votes are closed.", id, q.Status))
		}
		voted, votes, err := b.qs.ToggleVote(ctx, id, c.User.ID)
		if err != nil {
			return b.internal(err, "vote", "question", id, "user", c.User.ID)
		}
		q.Votes = votes
		b.log.Info("vote", "question", id, "user", c.User.ID, "voted", voted, "votes", votes)
		b.changed()
		card := QuestionCard(prog.Schedule, q)
		return Reply{Update: &card}
	case actApprove, actDismiss:
		if !IsModerator(prog.Schedule, c.User) {
			return ephemeral(fmt.Sprintf("Only moderators (role %q) can approve or dismiss questions.", prog.Schedule.Discord.Moderators))
		}
		to := QuestionOpen
		if action == actDismiss {
			to = QuestionDismissed
		}
		q, err := b.qs.SetStatus(ctx, id, to, []QuestionStatus{QuestionWaiting}, now)
		if errors.Is(err, ErrConflict) {
			return ephemeral(fmt.Sprintf("Question #%d was already handled by another moderator.", id))
		} else if err != nil {
			return b.internal(err, "moderate question", "question", id)
		}
		b.log.Info("question moderated", "question", id, "status", to, "moderator", c.User.ID)
		b.kickCards()
		card := moderationCard(prog.Schedule, q)
		card.Content += fmt.Sprintf("\n%s by %s", map[QuestionStatus]string{QuestionOpen: "Approved", QuestionDismissed: "Dismissed"}[to], c.User.Name)
		return Reply{Update: &card}
	}
	return ephemeral("This button is not known to the bot (any more).")
}

// questionsCommand handles the moderators' /questions sub-commands.
func (b *Bot) questionsCommand(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	if b.qs == nil {
		return ephemeral("Questions are not collected by this bot.")
	}
	s := prog.Schedule
	sessionID := ""
	if v := c.Options["session"]; v != "" {
		sess, ok := resolveSession(s, v)
		if !ok {
			return ephemeral(fmt.Sprintf("There is no session %q.", v))
		}
		sessionID = sess.ID
	}
	switch c.Name {
	case "questions next":
		q, prev, ok, err := b.qs.TakeNext(ctx, sessionID, now)
		if err != nil {
			return b.internal(err, "take next question")
		}
		for _, p := range prev {
			b.markDirty(p.ID)
		}
		if !ok {
			return ephemeral("No open question left" + forSession(s, sessionID) + ".")
		}
		b.markDirty(q.ID)
		b.log.Info("question on stage", "question", q.ID, "session", q.SessionID, "moderator", c.User.ID)
		return ephemeral(fmt.Sprintf("🎙️ On stage: **Q%d** (👍 %d) for %s\n> %s\n— %s",
			q.ID, q.Votes, sessionTitle(s, q.SessionID), strings.ReplaceAll(q.Text, "\n", "\n> "), askerLabel(q, true)))
	case "questions list":
		f := QuestionFilter{SessionID: sessionID}
		if st := c.Options["status"]; st != "" {
			f.Status = QuestionStatus(strings.ToLower(st))
			if !validStatus(f.Status) {
				return ephemeral(fmt.Sprintf("Unknown status %q: use open, onstage, waiting, answered or dismissed.", st))
			}
		}
		qs, err := b.qs.Questions(ctx, f)
		if err != nil {
			return b.internal(err, "list questions")
		}
		return ephemeral(questionList(s, qs, f))
	case "questions answered", "questions dismiss", "questions reopen":
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(c.Options["id"]), "#"), 10, 64)
		if err != nil || id <= 0 {
			return ephemeral(fmt.Sprintf("%q is not a question number.", c.Options["id"]))
		}
		to, from := QuestionAnswered, []QuestionStatus{QuestionOpen, QuestionOnStage, QuestionWaiting}
		switch c.Name {
		case "questions dismiss":
			to = QuestionDismissed
		case "questions reopen":
			to, from = QuestionOpen, []QuestionStatus{QuestionAnswered, QuestionDismissed, QuestionOnStage}
		}
		q, err := b.qs.SetStatus(ctx, id, to, from, now)
		switch {
		case errors.Is(err, ErrNotFound):
			return ephemeral(fmt.Sprintf("There is no question #%d.", id))
		case errors.Is(err, ErrConflict):
			cur, _ := b.qs.Question(ctx, id)
			return ephemeral(fmt.Sprintf("Question #%d is %s already.", id, cur.Status))
		case err != nil:
			return b.internal(err, "set question status", "question", id)
		}
		b.markDirty(q.ID)
		b.kickCards()
		b.log.Info("question status", "question", id, "status", to, "moderator", c.User.ID)
		return ephemeral(fmt.Sprintf("Question #%d is now %s.", id, to))
	case "questions export":
		qs, err := b.qs.Questions(ctx, QuestionFilter{SessionID: sessionID})
		if err != nil {
			return b.internal(err, "export questions")
		}
		data, err := ExportCSV(s, qs)
		if err != nil {
			return b.internal(err, "export questions")
		}
		return Reply{Content: plural(len(qs), "question") + forSession(s, sessionID) + ".", Ephemeral: true,
			Files: []File{{Name: "questions.csv", ContentType: "text/csv", Data: data}}}
	}
	return ephemeral(fmt.Sprintf("Unknown command `/%s`.", c.Name))
}

func forSession(s *Schedule, id string) string {
	if id == "" {
		return ""
	}
	return " for " + sessionTitle(s, id)
}

func validStatus(st QuestionStatus) bool {
	for _, v := range QuestionStatuses {
		if v == st {
			return true
		}
	}
	return false
}

// questionList is the moderators' view of the queue, cut to fit one message.
func questionList(s *Schedule, qs []Question, f QuestionFilter) string {
	if len(qs) == 0 {
		return "No questions" + forSession(s, f.SessionID) + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s, top-voted first:\n", plural(len(qs), "question"), forSession(s, f.SessionID))
	for i, q := range qs {
		line := fmt.Sprintf("`#%d` 👍 %d · %s · %s — %s\n", q.ID, q.Votes, q.Status, sessionTitle(s, q.SessionID), Truncate(strings.ReplaceAll(q.Text, "\n", " "), 120))
		if b.Len()+len(line) > MaxContent-40 {
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
func ExportCSV(s *Schedule, qs []Question) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	loc := s.Workshop.Location
	_ = w.Write([]string{"id", "session", "session_title", "status", "votes", "asked_at", "updated_at", "asker", "question"})
	for _, q := range qs {
		asker := q.AskerName
		if q.Anonymous {
			asker = "anonymous"
		}
		row := []string{strconv.FormatInt(q.ID, 10), q.SessionID, sessionTitle(s, q.SessionID), string(q.Status), strconv.Itoa(q.Votes),
			q.AskedAt.In(loc).Format(time.RFC3339), q.UpdatedAt.In(loc).Format(time.RFC3339), asker, q.Text}
		for i := range row {
			row[i] = defuse(row[i])
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// defuse keeps a spreadsheet from reading a cell as a formula (CSV injection).
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// kickCards wakes the card loop, and the dashboard: every change to a question
// goes through it.
func (b *Bot) kickCards() {
	b.changed()
	signal(b.cardWake)
}

// markDirty asks the card loop to redraw question id's cards.
func (b *Bot) markDirty(id int64) {
	b.mu.Lock()
	b.dirty[id] = true
	b.mu.Unlock()
	b.kickCards()
}

// cardLoop posts the cards of questions that have none yet, and redraws cards whose
// question changed. It looks at the database, not at a queue, so a crash between
// "received" and the card loses nothing: the next start posts the missing cards.
//
// A card that could not be posted, recorded or redrawn (after the transport's
// own retries) is tried again after cardRetryMin, doubling to cardRetryMax,
// until every card shows what the database holds: a vote count or a status
// must not stay wrong because Discord had a bad minute.
func (b *Bot) cardLoop(ctx context.Context) {
	var backoff time.Duration
	for {
		var retry <-chan time.Time
		if b.syncCards(ctx) {
			backoff = 0
		} else {
			backoff = min(max(2*backoff, cardRetryMin), cardRetryMax)
			retry = b.clock.After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.cardWake:
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
func (b *Bot) syncCards(ctx context.Context) (ok bool) {
	prog := b.Program()
	// Take the dirty set before reading the questions: a change marked dirty
	// after this is redrawn by the next round (markDirty wakes it); one marked
	// before is already in what Questions returns. Taken after, a change could
	// be cleared from the set and drawn from the questions as they were before it.
	b.mu.Lock()
	dirty := b.dirty
	b.dirty = map[int64]bool{}
	b.mu.Unlock()
	// Only what needs a card, and what changed: not every question, which after
	// each /ask of a burst of thousands would be a lot of reading for nothing.
	qs, err := b.qs.Questions(ctx, QuestionFilter{Uncarded: true})
	for id := range dirty {
		if err != nil {
			break
		}
		if slices.ContainsFunc(qs, func(q Question) bool { return q.ID == id }) {
			continue
		}
		var q Question
		q, err = b.qs.Question(ctx, id)
		if errors.Is(err, ErrNotFound) {
			err = nil
			continue
		}
		qs = append(qs, q)
	}
	if err != nil {
		b.log.Error("card loop: read questions", "err", err)
		b.mu.Lock()
		for id := range dirty {
			b.dirty[id] = true
		}
		b.mu.Unlock()
		return false
	}
	ok = true
	// again marks q to be redrawn next round: its card is behind the database.
	again := func(id int64) {
		ok = false
		b.mu.Lock()
		b.dirty[id] = true
		b.mu.Unlock()
	}
	// A card posted must be recorded even if ctx ends meanwhile (shutdown):
	// else the next start would post it again.
	record := context.WithoutCancel(ctx)
	// Oldest first, so cards appear in the order questions were asked (qs is in
	// queue order, by votes, then oldest; and the changed ones after it).
	slices.SortFunc(qs, func(a, b Question) int { return cmp.Compare(a.ID, b.ID) })
	for _, q := range qs {
		if ctx.Err() != nil {
			return ok
		}
		switch {
		case q.Status == QuestionWaiting && q.ModMessageID == "":
			posted, err := b.postQuestionCard(ctx, moderationCard(prog.Schedule, q))
			if err != nil {
				b.log.Error("post moderation card", "question", q.ID, "err", err)
				ok = false // still uncarded: the next round's query finds it
				continue
			}
			if err := b.qs.SetCards(record, q.ID, q.CardChannelID, q.CardMessageID, posted.MessageID); err != nil {
				b.log.Error("record moderation card", "question", q.ID, "err", err)
				ok = false
			}
		case q.Status != QuestionWaiting && q.CardMessageID == "" && q.Status != QuestionDismissed:
			posted, err := b.postQuestionCard(ctx, QuestionCard(prog.Schedule, q))
			if err != nil {
				b.log.Error("post question card", "question", q.ID, "err", err)
				ok = false
				continue
			}
			if err := b.qs.SetCards(record, q.ID, posted.ChannelID, posted.MessageID, q.ModMessageID); err != nil {
				b.log.Error("record question card", "question", q.ID, "err", err)
				ok = false
			}
			b.log.Info("question carded", "question", q.ID, "message", posted.MessageID)
		case dirty[q.ID] && q.CardMessageID != "":
			ed, can := b.out.(Editor)
			if !can {
				continue
			}
			if err := ed.Edit(ctx, q.CardChannelID, q.CardMessageID, QuestionCard(prog.Schedule, q)); err != nil {
				b.log.Error("redraw question card", "question", q.ID, "err", err)
				again(q.ID)
			}
		}
	}
	return ok
}

// cardNonce is the nonce of a card the bot edits later: nonce in this
// bot's database (Config.Instance).
func (b *Bot) cardNonce(nonce string) string {
	if b.instance == "" || nonce == "" {
		return nonce
	}
	return b.instance + ":" + nonce
}

// postQuestionCard posts a question card. A post in flight when ctx ends
// (shutdown) is finished, within a few seconds, so that the card is recorded:
// otherwise Discord would have the card and the database would not know it.
func (b *Bot) postQuestionCard(ctx context.Context, m Message) (Posted, error) {
	m.Nonce = b.cardNonce(m.Nonce)
	pctx, cancel := inFlight(ctx)
	defer cancel()
	return b.out.Post(pctx, m)
}
