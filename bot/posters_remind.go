package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// posterListHead starts the list of a poster session's posters in its reminder.
const posterListHead = "\nPosters in this session"

// posterReminderLines are a poster session's posters, one line each, with
// their channels once they exist.
func posterReminderLines(p *Program, s Session) []string {
	var lines []string
	for _, po := range p.Posters {
		if po.Session == s.PosterSession {
			lines = append(lines, "• "+Truncate(po.Title, 300)+posterChannelHint(p, po))
		}
	}
	return lines
}

// splitPosterList puts after head as many poster lines as 2000 characters
// hold, and returns the rest as the texts of continuation messages.
func splitPosterList(head string, lines []string) (first string, more []string) {
	if len(lines) == 0 {
		return head, nil
	}
	first = head + fmt.Sprintf("%s (%d):", posterListHead, len(lines))
	i := 0
	for ; i < len(lines); i++ {
		if utf8.RuneCountInString(first)+1+utf8.RuneCountInString(lines[i]) > MaxContent {
			break
		}
		first += "\n" + lines[i]
	}
	const cont = "Posters in this session (continued):"
	cur := ""
	for _, l := range lines[i:] {
		if cur == "" {
			cur = cont
		}
		if utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(l) > MaxContent {
			more = append(more, cur)
			cur = cont
		}
		cur += "\n" + l
	}
	if cur != "" {
		more = append(more, cur)
	}
	return first, more
}

// PosterReminderExtras are the messages that follow a poster session's
// reminder: the rest of its poster list when one message does not hold it,
// and, at the session's start, one message in each poster channel that pings
// its presenters (and only them).
func PosterReminderExtras(p *Program, r Reminder, now time.Time, late bool) []Message {
	s := r.Session
	if s.Kind != KindPosters {
		return nil
	}
	var out []Message
	first := RenderReminder(p, r, now, late)
	head, _, _ := strings.Cut(first.Content, posterListHead)
	_, more := splitPosterList(head, posterReminderLines(p, s))
	for i, text := range more {
		out = append(out, Message{Channel: first.Channel, Content: text, Nonce: fmt.Sprintf("%s:%d", r.Nonce(), i+2)})
	}
	if r.Key.Lead != minLead(p.Schedule.Reminders.Leads) {
		return out
	}
	for _, po := range p.Posters {
		pl, ok := p.Places[po.ID]
		if po.Session != s.PosterSession || !ok || len(pl.PresenterIDs) == 0 {
			continue
		}
		var who []string
		for _, id := range pl.PresenterIDs {
			who = append(who, "<@"+id+">")
		}
		out = append(out, Message{
			Channel: pl.ChannelID,
			Content: Truncate(fmt.Sprintf("🪧 **%s** starts now: %s, attendees are on their way to this channel. `/poster here` tells everyone you are at your poster.",
				s.Title, strings.Join(who, " ")), MaxContent),
			Nonce:     r.Nonce() + ":" + po.ID,
			PingUsers: slices.Clone(pl.PresenterIDs),
		})
	}
	return out
}

func minLead(leads []time.Duration) time.Duration {
	if len(leads) == 0 {
		return 0
	}
	return slices.Min(leads)
}

// postPosterExtras posts a poster reminder's extra messages; a failure is
// logged and the rest goes on.
func (b *Bot) postPosterExtras(ctx context.Context, prog *Program, r Reminder, now time.Time, late bool) {
	for _, m := range PosterReminderExtras(prog, r, now, late) {
		if _, err := b.out.Post(ctx, m); err != nil {
			b.log.Error("poster reminder", "session", r.Key.SessionID, "channel", m.Channel, "err", err)
		}
	}
}
