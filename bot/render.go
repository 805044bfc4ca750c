package bot

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// kindLabel is how a reminder names a session's kind.
func kindLabel(s Session) string {
	switch s.Kind {
	case KindOpening:
		return "Opening"
	case KindInvited:
		return "Invited talk"
	case KindSpotlight:
		return "Spotlight talk"
	case KindPosters:
		return "Poster session"
	case KindPanel:
		return "Panel"
	case KindClosing:
		return "Closing"
	case KindBreak:
		return "Break"
	}
	return "Session"
}

// headline is the session's title with its speakers.
func headline(s Session) string {
	h := "**" + s.Title + "**"
	if len(s.Speakers) > 0 {
		h += " — " + strings.Join(s.Speakers, ", ")
	}
	return h
}

// primaryLinks are the link names a reminder shows first for a kind of session.
func primaryLinks(k Kind) []string {
	switch k {
	case KindPosters:
		return []string{"gathertown"}
	case KindBreak:
		return nil
	}
	return []string{"livestream", "zoom"}
}

// linkLine lists the links a session's reminder should carry: the kind's primary
// links (per-session ones win over workshop-wide ones), then the session's own others.
func linkLine(sc *Schedule, s Session) string {
	var parts []string
	seen := map[string]bool{}
	for _, name := range primaryLinks(s.Kind) {
		if u, ok := sc.Link(s, name); ok {
			parts = append(parts, linkName(name)+": <"+u+">")
			seen[name] = true
		}
	}
	for _, l := range s.Links {
		if !seen[l.Name] {
			parts = append(parts, linkName(l.Name)+": <"+l.URL+">")
		}
	}
	return strings.Join(parts, " · ")
}

var linkNames = map[string]string{"livestream": "Livestream", "zoom": "Zoom", "gathertown": "GatherTown", "recordings": "Recordings", "slides": "Slides", "paper": "Paper"}

func linkName(n string) string {
	if v, ok := linkNames[strings.ToLower(n)]; ok {
		return v
	}
	if n == "" {
		return n
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// nextAfter is the first session starting at or after s ends, if any.
func nextAfter(sc *Schedule, s Session) (Session, bool) {
	for _, o := range sc.Sessions {
		if o.ID != s.ID && !o.Start.Before(s.End) {
			return o, true
		}
	}
	return Session{}, false
}

// RenderReminder is the one place that turns a reminder into the message attendees
// read. now is when it is being posted; a reminder caught up after a restart (late)
// says how long ago its session started.
func RenderReminder(p *Program, r Reminder, now time.Time, late bool) Message {
	sc := p.Schedule
	s := r.Session
	var b strings.Builder
	starts := "starts " + stamp(s.Start, 't') + " (" + stamp(s.Start, 'R') + ")"
	if r.Key.Lead == 0 || !now.Before(s.Start) {
		if late && now.Sub(s.Start) >= time.Minute {
			starts = "started " + stamp(s.Start, 't') + " (" + minutesAgo(now.Sub(s.Start)) + ")"
		} else {
			starts = "starts now (" + stamp(s.Start, 't') + ")"
		}
	}
	switch s.Kind {
	case KindBreak:
		fmt.Fprintf(&b, "☕ **%s** %s, until %s.", s.Title, starts, stamp(s.End, 't'))
		if n, ok := nextAfter(sc, s); ok {
			fmt.Fprintf(&b, "\nNext: %s: %s at %s.", kindLabel(n), headline(n), stamp(n.Start, 't'))
		}
	case KindPosters:
		fmt.Fprintf(&b, "🪧 **%s** %s.", s.Title, starts)
		if l := linkLine(sc, s); l != "" {
			b.WriteString("\n" + l)
		}
		// The posters that do not fit follow in more messages (PosterReminderExtras).
		first, _ := splitPosterList(b.String(), posterReminderLines(p, s))
		b.Reset()
		b.WriteString(first)
	case KindPanel:
		fmt.Fprintf(&b, "🎙️ **%s** %s.", s.Title, starts)
		if len(s.Speakers) > 0 {
			b.WriteString("\nWith " + strings.Join(s.Speakers, ", ") + ".")
		}
		if l := linkLine(sc, s); l != "" {
			b.WriteString("\n" + l)
		}
		b.WriteString("\nSend your questions with `/ask`; upvote the ones you want answered in #" + channelLabel(sc.Discord.PanelQuestions) + ".")
	default:
		fmt.Fprintf(&b, "📣 %s %s: %s.", kindLabel(s), starts, headline(s))
		if l := linkLine(sc, s); l != "" {
			b.WriteString("\n" + l)
		}
	}
	content := b.String()
	if len([]rune(content)) > MaxContent {
		content = Truncate(content, MaxContent)
	}
	return Message{
		Channel:  sc.AnnouncementsFor(s),
		Content:  content,
		Nonce:    r.Nonce(),
		PingRole: r.Key.Lead == maxLead(sc.Reminders.Leads),
	}
}

// ReminderPart is one session's reminder, rendered, on its way to a bundle.
type ReminderPart struct {
	Reminder Reminder
	Late     bool // caught up after a restart
	Message  Message
}

// ReminderBundle is one message carrying the reminders of one or more sessions.
type ReminderBundle struct {
	Parts   []ReminderPart
	Message Message
}

// bundleSeparator goes between two sessions' parts of one message.
const bundleSeparator = "\n\n"

// BundleReminders puts the parts (reminders of different sessions due
// together) into as few messages as hold them, in order, each session on its
// own lines: attendees get less noise, and Discord's 5 messages per 5 s per
// channel go further. A part with buttons or embeds, or for another channel,
// is not merged. A bundle's nonce is made of its parts' nonces, so the same
// set posted again is the same message.
func BundleReminders(parts []ReminderPart) []ReminderBundle {
	var out []ReminderBundle
	for _, p := range parts {
		if n := len(out); n > 0 && mergeable(out[n-1].Message, p.Message) {
			last := &out[n-1]
			last.Parts = append(last.Parts, p)
			last.Message = mergeMessages(last.Message, p.Message)
			continue
		}
		out = append(out, ReminderBundle{Parts: []ReminderPart{p}, Message: p.Message})
	}
	return out
}

// mergeable reports whether b can join a's message.
func mergeable(a, b Message) bool {
	return a.Channel == b.Channel && len(a.Buttons)+len(a.Embeds)+len(b.Buttons)+len(b.Embeds) == 0 &&
		a.MentionRole == "" && b.MentionRole == "" &&
		len([]rune(a.Content))+len([]rune(bundleSeparator))+len([]rune(b.Content)) <= MaxContent
}

// mergeMessages is a's message with b's appended: what either may ping, the
// bundle may ping. (A field added to Message that names whom it pings must be
// merged here too.)
func mergeMessages(a, b Message) Message {
	m := a
	m.Content = a.Content + bundleSeparator + b.Content
	m.Nonce = a.Nonce + "+" + b.Nonce
	m.PingRole = a.PingRole || b.PingRole
	m.PingUsers = nil
	for _, id := range append(append([]string{}, a.PingUsers...), b.PingUsers...) {
		if !slices.Contains(m.PingUsers, id) {
			m.PingUsers = append(m.PingUsers, id)
		}
	}
	return m
}

// posterChannelHint names the poster's channel once poster channels exist;
// before, the poster id, which the channel name starts with.
func posterChannelHint(p *Program, po Poster) string {
	if pl, ok := p.Places[po.ID]; ok {
		return " <#" + pl.ChannelID + ">"
	}
	return " (" + po.ID + ")"
}

func channelLabel(nameOrID string) string {
	if nameOrID == "" {
		return "panel-questions"
	}
	return nameOrID
}

func maxLead(leads []time.Duration) time.Duration {
	var m time.Duration
	for _, l := range leads {
		m = max(m, l)
	}
	return m
}

func minutesAgo(d time.Duration) string {
	m := int(math.Round(d.Minutes()))
	if m == 1 {
		return "1 minute ago"
	}
	return fmt.Sprintf("%d minutes ago", m)
}

var stampRE = regexp.MustCompile(`<t:(-?\d+)(?::([tTdDfFR]))?>`)

// RenderTimestamps replaces Discord timestamps in text with what a reader in loc
// would see at instant now: the console uses it, since it has no client to do it.
func RenderTimestamps(text string, loc *time.Location, now time.Time) string {
	return stampRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := stampRE.FindStringSubmatch(m)
		sec, err := strconv.ParseInt(sub[1], 10, 64)
		if err != nil {
			return m
		}
		t := time.Unix(sec, 0).In(loc)
		switch sub[2] {
		case "R":
			return Relative(t.Sub(now))
		case "d":
			return t.Format("2006-01-02")
		case "D":
			return t.Format("2 January 2006")
		case "T":
			return t.Format("15:04:05 -07:00")
		case "f", "F":
			return t.Format("Mon 2 Jan 2006 15:04 -07:00")
		}
		return t.Format("15:04 -07:00")
	})
}

// Relative says how far away d is, the way Discord's relative timestamps do.
func Relative(d time.Duration) string {
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d < 30*time.Second:
		return "now"
	case d < 90*time.Second:
		s = "1 minute"
	case d < 90*time.Minute:
		s = fmt.Sprintf("%d minutes", int(math.Round(d.Minutes())))
	case d < 36*time.Hour:
		s = fmt.Sprintf("%d hours", int(math.Round(d.Hours())))
	default:
		s = fmt.Sprintf("%d days", int(math.Round(d.Hours()/24)))
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}
