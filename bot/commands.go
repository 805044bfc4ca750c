package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ScheduleFeature is /schedule and /next: the program, and what comes next.
func ScheduleFeature() Feature {
	return Feature{
		Name:  "schedule",
		Specs: scheduleSpecs,
		Commands: map[string]Handler{
			"schedule": func(b *Bot, _ context.Context, prog *Program, _ Command, now time.Time) Reply {
				return scheduleReply(b, prog, now) // the day, and the .ics (ics.go)
			},
			"next": func(_ *Bot, _ context.Context, prog *Program, _ Command, now time.Time) Reply {
				return ephemeral(NextText(prog.Schedule, now))
			},
		},
	}
}

// HelpFeature is /help: every command of the bot the caller may use. List it
// last, as /help lists itself.
func HelpFeature() Feature {
	return Feature{
		Name:  "help",
		Specs: helpSpecs,
		Commands: map[string]Handler{
			"help": func(b *Bot, _ context.Context, prog *Program, c Command, _ time.Time) Reply {
				return ephemeral(HelpText(prog.Schedule, b.Specs(), c.User))
			},
		},
	}
}

// IsModerator reports whether u holds the moderators role (by name or id).
// The Discord transport lists that name only for the role it resolved by id at
// start, never for another role of the same name in any case.
func IsModerator(s *Schedule, u User) bool {
	role := s.Discord.Moderators
	return role != "" && slices.ContainsFunc(u.Roles, func(r string) bool { return strings.EqualFold(r, role) })
}

// liveAt is the session running at now, if any.
func liveAt(s *Schedule, now time.Time) (Session, bool) {
	for _, sess := range s.Sessions {
		if !now.Before(sess.Start) && now.Before(sess.End) {
			return sess, true
		}
	}
	return Session{}, false
}

// ScheduleText is the day as Discord timestamps, with what is live now marked and
// what is over struck through. Past sessions make room first if it is too long.
// Each session shows its day and time (<t:…:f>): Discord writes them in each
// reader's zone, where the workshop's day may be two, and a reader in Tokyo must
// not see the 23:00 panel as "13:00" listed after the evening's talks.
func ScheduleText(s *Schedule, now time.Time) string {
	head := fmt.Sprintf("**%s** — %s\n", s.Workshop.Name, stamp(s.Workshop.Date.Add(12*time.Hour), 'D'))
	var lines []string
	for _, sess := range s.Sessions {
		line := stamp(sess.Start, 'f') + " " + kindIcon(sess.Kind) + " " + sess.Title
		if len(sess.Speakers) > 0 {
			line += " — " + strings.Join(sess.Speakers, ", ")
		}
		switch {
		case !now.Before(sess.Start) && now.Before(sess.End):
			line = "▶ **" + line + "** (live now)"
		case !now.Before(sess.End):
			line = "~~" + line + "~~"
		}
		lines = append(lines, line)
	}
	for len(lines) > 1 && len([]rune(head+strings.Join(lines, "\n"))) > MaxContent {
		if strings.HasPrefix(lines[0], "~~") {
			lines = lines[1:]
			continue
		}
		break
	}
	return Truncate(head+strings.Join(lines, "\n"), MaxContent)
}

func kindIcon(k Kind) string {
	switch k {
	case KindInvited, KindSpotlight:
		return "🎤"
	case KindBreak:
		return "☕"
	case KindPosters:
		return "🪧"
	case KindPanel:
		return "🎙️"
	}
	return "📣"
}

// NextText says what is live now and what comes next, with its links.
func NextText(s *Schedule, now time.Time) string {
	var b strings.Builder
	if live, ok := liveAt(s, now); ok {
		fmt.Fprintf(&b, "Live now: %s: %s (until %s)\n", kindLabel(live), headline(live), stamp(live.End, 't'))
	}
	for _, sess := range s.Sessions {
		if sess.Start.After(now) {
			fmt.Fprintf(&b, "Next: %s: %s at %s (%s)", kindLabel(sess), headline(sess), stamp(sess.Start, 't'), stamp(sess.Start, 'R'))
			if l := linkLine(s, sess); l != "" {
				b.WriteString("\n" + l)
			}
			return Truncate(b.String(), MaxContent)
		}
	}
	b.WriteString("The program is over. Thank you for joining " + s.Workshop.ShortName + "!")
	return b.String()
}

// HelpText lists the commands of specs u may use.
func HelpText(s *Schedule, specs []CommandSpec, u User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s bot** — commands:\n", s.Workshop.ShortName)
	mod := IsModerator(s, u)
	for _, c := range specs {
		if c.Moderator && !mod {
			continue
		}
		fmt.Fprintf(&b, "`/%s` — %s\n", c.Name, c.Description)
	}
	return strings.TrimRight(b.String(), "\n")
}
