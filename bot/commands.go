package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// handler answers one command for a feature. Features register theirs in
// handlers (by command name) and pressHandlers (by button ID prefix, the part
// before the first ':'), each from its own file, so that adding a feature touches
// no other feature's code.
type handler func(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) Reply

var (
	handlers      = map[string]handler{}
	pressHandlers = map[string]handler{}
)

// feature is the commands and buttons of one feature, by command name and by
// button ID prefix.
type feature struct {
	commands map[string]handler
	presses  map[string]handler
}

// features are the features wired here, explicitly, rather than from an init
// func of their own file (the older way, above): new features are added here.
var features = []feature{greenRoomFeature()}

// lookupHandler finds the handler of a command (press false) or of a button ID
// prefix (press true).
func lookupHandler(name string, press bool) (handler, bool) {
	m := handlers
	if press {
		m = pressHandlers
	}
	if h, ok := m[name]; ok {
		return h, true
	}
	for _, f := range features {
		fm := f.commands
		if press {
			fm = f.presses
		}
		if h, ok := fm[name]; ok {
			return h, true
		}
	}
	return nil, false
}

func init() {
	handlers["schedule"] = func(b *Bot, _ context.Context, prog *Program, _ Command, now time.Time) Reply {
		return scheduleReply(b, prog, now) // the day, and the .ics (ics.go)
	}
	handlers["next"] = func(_ *Bot, _ context.Context, prog *Program, _ Command, now time.Time) Reply {
		return ephemeral(NextText(prog.Schedule, now))
	}
	handlers["help"] = func(_ *Bot, _ context.Context, prog *Program, c Command, _ time.Time) Reply {
		return ephemeral(HelpText(prog.Schedule, c.User))
	}
}

// Handle answers one command, button press or autocomplete request. It never calls
// a transport: it returns the reply, and the transport sends it (within Discord's
// 3-second deadline). Moderator-only commands are checked here, by role, whatever
// Discord's own command permissions say.
func (b *Bot) Handle(ctx context.Context, c Command) Reply {
	prog := b.Program()
	now := b.clock.Now()
	if c.Button != "" {
		prefix, _, _ := strings.Cut(c.Button, ":")
		if h, ok := lookupHandler(prefix, true); ok {
			return h(b, ctx, prog, c, now)
		}
		return ephemeral("This button is not known to the bot (any more).")
	}
	if c.Focused != "" {
		return Reply{Choices: autocomplete(prog.Schedule, c.Options[c.Focused])}
	}
	spec, ok := findSpec(c.Name)
	h, known := lookupHandler(c.Name, false)
	if !ok || !known {
		return ephemeral(fmt.Sprintf("Unknown command `/%s`. Try `/help`.", c.Name))
	}
	if spec.Moderator && !IsModerator(prog.Schedule, c.User) {
		return ephemeral(fmt.Sprintf("`/%s` is for moderators (role %q).", c.Name, prog.Schedule.Discord.Moderators))
	}
	return h(b, ctx, prog, c, now)
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
