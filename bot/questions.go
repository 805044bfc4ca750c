package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// The buttons under question cards have IDs "q:<action>:<question id>"; the
// questions feature (bot/questions) answers them.
const (
	QuestionVote    = "vote"
	QuestionApprove = "approve"
	QuestionDismiss = "dismiss"
)

// QuestionButton is the ID of the button for action on question id.
func QuestionButton(action string, id int64) string { return fmt.Sprintf("q:%s:%d", action, id) }

func ephemeral(s string) Reply { return Reply{Content: s, Ephemeral: true} }

// Ephemeral is a reply only its caller sees.
func Ephemeral(s string) Reply { return ephemeral(s) }

// Internal logs an unexpected error and tells the user no more than that.
func (b *Bot) Internal(err error, op string, attrs ...any) Reply {
	return b.internal(err, op, attrs...)
}

// internal logs an unexpected error and tells the user no more than that.
func (b *Bot) internal(err error, op string, attrs ...any) Reply {
	b.log.Error(op, append(attrs, "err", err)...)
	return ephemeral("Sorry, something went wrong on our side (internal error). The moderators can see it in the log.")
}

func parseBool(s string) bool {
	v, _ := strconv.ParseBool(s)
	return v
}

// ResolveSession finds the session a question is for: by id or title, or the
// panel (the first panel session; else the last session) when empty.
func ResolveSession(s *Schedule, v string) (Session, bool) { return resolveSession(s, v) }

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

// SessionTitle names a session id for display, even if it left the program.
func SessionTitle(s *Schedule, id string) string { return sessionTitle(s, id) }

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
			out = append(out, Choice{Name: Truncate(name, MaxChoiceText), Value: sess.ID})
		}
		if len(out) == MaxChoices {
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
		Buttons: []Button{{ID: QuestionButton(QuestionVote, q.ID), Label: fmt.Sprintf("Upvote (%d)", q.Votes), Style: ButtonPrimary, Disabled: done}},
	}
}

// ModerationCard is the card moderators approve or dismiss in moderated mode.
func ModerationCard(s *Schedule, q Question) Message {
	// Built with the moderators' asker label, not by replacing "— anonymous" in
	// the attendees' card: the question's own text may contain those words.
	m := questionCard(s, q, true)
	m.Channel = ChannelModerators
	m.Nonce = fmt.Sprintf("qm:%d", q.ID)
	waiting := q.Status == QuestionWaiting
	m.Buttons = []Button{
		{ID: QuestionButton(QuestionApprove, q.ID), Label: "Approve", Style: ButtonSuccess, Disabled: !waiting},
		{ID: QuestionButton(QuestionDismiss, q.ID), Label: "Dismiss", Style: ButtonDanger, Disabled: !waiting},
	}
	return m
}

// AskerLabel names the asker: "anonymous" to attendees when they asked so;
// moderators also see who it was.
func AskerLabel(q Question, forModerators bool) string { return askerLabel(q, forModerators) }

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

// defuse keeps a spreadsheet from reading a cell as a formula (CSV injection).
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
