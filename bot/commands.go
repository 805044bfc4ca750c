package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Handle answers one command. It never calls a transport: it returns the reply,
// and the transport sends it (within Discord's 3-second deadline).
func (b *Bot) Handle(ctx context.Context, c Command) Reply {
	prog := b.Program()
	now := b.clock.Now()
	if c.Button != "" {
		return b.press(ctx, prog, c, now)
	}
	if c.Focused != "" {
		return Reply{Choices: autocomplete(prog.Schedule, c.Options[c.Focused])}
	}
	spec, ok := findSpec(c.Name)
	if !ok {
		return Reply{Content: fmt.Sprintf("Unknown command `/%s`. Try `/help`.", c.Name), Ephemeral: true}
	}
	if spec.Moderator && !IsModerator(prog.Schedule, c.User) {
		return Reply{Content: fmt.Sprintf("`/%s` is for moderators (role %q).", c.Name, prog.Schedule.Discord.Moderators), Ephemeral: true}
	}
	switch c.Name {
	case "schedule":
		return Reply{Content: ScheduleText(prog.Schedule, now), Ephemeral: true}
	case "next":
		return Reply{Content: NextText(prog.Schedule, now), Ephemeral: true}
	case "help":
		return Reply{Content: HelpText(prog.Schedule, c.User), Ephemeral: true}
	}
	if spec.Name == "ask" || strings.HasPrefix(spec.Name, "questions ") {
		if b.qs == nil {
			return ephemeral("Questions are not collected by this bot.")
		}
		if spec.Name == "ask" {
			return b.ask(ctx, prog, c, now)
		}
		return b.questionsCommand(ctx, prog, c, now)
	}
	return Reply{Content: fmt.Sprintf("`/%s` is not available yet.", c.Name), Ephemeral: true}
}

func findSpec(name string) (CommandSpec, bool) {
	for _, s := range CommandSpecs {
		if s.Name == name {
			return s, true
		}
	}
	return CommandSpec{}, false
}

// IsModerator reports whether u holds the moderators role (by name or id).
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
func ScheduleText(s *Schedule, now time.Time) string {
	head := fmt.Sprintf("**%s** — %s\n", s.Workshop.Name, stamp(s.Workshop.Date.Add(12*time.Hour), 'D'))
	var lines []string
	for _, sess := range s.Sessions {
		line := stamp(sess.Start, 't') + " " + kindIcon(sess.Kind) + " " + sess.Title
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

// HelpText lists the commands u may use.
func HelpText(s *Schedule, u User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s bot** — commands:\n", s.Workshop.ShortName)
	mod := IsModerator(s, u)
	for _, c := range CommandSpecs {
		if c.Moderator && !mod {
			continue
		}
		fmt.Fprintf(&b, "`/%s` — %s\n", c.Name, c.Description)
	}
	return strings.TrimRight(b.String(), "\n")
}
