package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The green room: the people a session lists (checkin: and chair: in
// schedule.yaml) check in before it starts, in a private channel they share
// with the moderators. The bot pings them there at the check-in lead, nudges
// those not in yet (in the green room, then by direct message), tells the
// moderators who is still missing at the escalation lead (and edits that
// message as people arrive), and sends the chair a briefing. Like reminders,
// every ping is decided by a pure rule (DecideGreen) and recorded in the store
// before it is sent, so a restart neither repeats one nor forgets a check-in.

// GreenRoomConfig is the `green_room:` block of schedule.yaml.
type GreenRoomConfig struct {
	Channel  string          // the private channel's name (or id)
	CheckIn  time.Duration   // the check-in post, this long before the start
	Nudges   []time.Duration // reminders to those not in: the first in the green room, the others by DM
	Escalate time.Duration   // the moderators hear who is missing
	Briefing time.Duration   // the chair's direct message
}

// DefaultGreenRoom is the green_room block when schedule.yaml leaves it out.
func DefaultGreenRoom() GreenRoomConfig {
	return GreenRoomConfig{
		Channel:  "green-room",
		CheckIn:  30 * time.Minute,
		Nudges:   []time.Duration{15 * time.Minute, 5 * time.Minute},
		Escalate: 10 * time.Minute,
		Briefing: 5 * time.Minute,
	}
}

var greenRoomKeys = []string{"channel", "checkin", "nudges", "escalate", "briefing"}

func (d *yamlDecoder) greenRoom(n *yaml.Node, c *GreenRoomConfig) {
	m := d.fields(n, "green_room", greenRoomKeys)
	d.name(m, "green_room", "channel", &c.Channel)
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"checkin", &c.CheckIn}, {"escalate", &c.Escalate}, {"briefing", &c.Briefing}} {
		if e, ok := m[f.key]; ok {
			if t, ok := d.duration(e.value, "green_room."+f.key); ok {
				if t > MaxLead {
					d.errorf(e.value, "green_room."+f.key, "%s is more than %s before a session; at most 7 days (168h)", formatDuration(t), formatDuration(MaxLead))
					continue
				}
				*f.dst = t
			}
		}
	}
	if e, ok := m["nudges"]; ok {
		if isNull(e.value) {
			c.Nudges = nil
		} else {
			c.Nudges = d.durations(e.value, "green_room.nudges")
		}
	}
}

// accounts reads a list of Discord accounts (usernames or user ids), checked as
// posters.csv checks presenters; one listed twice counts once.
func (d *yamlDecoder) accounts(n *yaml.Node, field string) []string {
	var out []string
	for _, a := range d.checkedTexts(n, field, "[weinan.e, neha_yadav]", d.account) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// account checks one Discord account: a username or a 17-20 digit user id.
func (d *yamlDecoder) account(n *yaml.Node, field, v string) string {
	v = strings.TrimPrefix(v, "@")
	if !snowflakeRE.MatchString(v) && (!usernameRE.MatchString(v) || strings.Contains(v, "..")) {
		d.errorf(n, field, "%q is not a Discord username or user id; want a username (2-32 lower-case letters, digits, \"_\" and \".\") or a 17-20 digit id; display names go in speakers:", v)
		return ""
	}
	return v
}

// durations reads a list of leads, each at most MaxLead and listed once.
func (d *yamlDecoder) durations(n *yaml.Node, field string) []time.Duration {
	n = deref(n)
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	out := []time.Duration{}
	for i, c := range items {
		f := field
		if n.Kind == yaml.SequenceNode {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		t, ok := d.duration(c, f)
		switch {
		case !ok:
		case t > MaxLead:
			d.errorf(c, f, "%s is more than %s before a session; at most 7 days (168h)", formatDuration(t), formatDuration(MaxLead))
		case slices.Contains(out, t):
			d.errorf(c, f, "%s is listed twice; list each lead once", formatDuration(t))
		default:
			out = append(out, t)
		}
	}
	return out
}

// Listed are the accounts of a session who check in: its checkin: people, then
// its chair.
func Listed(sess Session) []string {
	out := slices.Clone(sess.CheckIn)
	if sess.Chair != "" && !slices.Contains(out, sess.Chair) {
		out = append(out, sess.Chair)
	}
	return out
}

// HasGreenRoom reports whether any session lists people who check in.
func HasGreenRoom(s *Schedule) bool {
	return slices.ContainsFunc(s.Sessions, func(sess Session) bool { return len(Listed(sess)) > 0 })
}

// isAccount reports whether u is the account entry names: a snowflake matches
// only a user id, anything else only a username. Discord allows all-digit
// usernames, so a member named like a listed id is not that person.
func isAccount(entry string, u User) bool {
	if snowflakeRE.MatchString(entry) {
		return entry == u.ID
	}
	return u.Name != "" && strings.EqualFold(entry, u.Name)
}

// listedAs is the entry of sess that u is, if any.
func listedAs(sess Session, u User) (string, bool) {
	for _, e := range Listed(sess) {
		if isAccount(e, u) {
			return e, true
		}
	}
	return "", false
}

// GreenKind is what a green-room ping is.
type GreenKind string

// The green-room pings, in the order they fall due for one session.
const (
	GreenCheckIn  GreenKind = "checkin"  // the post with the I'm here button, in the green room
	GreenNudge    GreenKind = "nudge"    // to those not in yet: the first in the green room, later ones by DM
	GreenEscalate GreenKind = "escalate" // the moderators hear who is missing; edited as they arrive
	GreenBriefing GreenKind = "briefing" // the chair's direct message
)

// StatusAllIn is recorded for a nudge or an escalation that had no one to name:
// everyone was in.
const StatusAllIn ReminderStatus = "all-in"

// GreenKey names one green-room ping: a session, a kind and a lead.
type GreenKey struct {
	SessionID string
	Kind      GreenKind
	Lead      time.Duration
}

// GreenPing is one planned green-room ping.
type GreenPing struct {
	Key     GreenKey
	Due     time.Time
	Session Session
	DM      bool // sent by direct message (later nudges, the briefing)
}

// Nonce is the ping's idempotency key, stable across restarts; a moved session
// gets a new one. A direct message adds its recipient.
func (p GreenPing) Nonce(userID string) string {
	n := fmt.Sprintf("g:%s:%s:%d:%d", p.Key.Kind[:1], p.Key.SessionID, int64(p.Key.Lead/time.Second), p.Due.Unix())
	if userID != "" {
		n += ":" + userID
	}
	return n
}

// GreenRecord is the stored trace of one green-room ping, written as pending
// before it is sent. A posted check-in or escalation keeps where it landed and a
// hash of what it shows, so that it is edited when, and only when, that changes.
type GreenRecord struct {
	Key       GreenKey
	Due       time.Time
	Status    ReminderStatus
	At        time.Time
	ChannelID string
	MessageID string
	Shown     string // hash of the content last posted or edited
	Error     string
}

// CheckIn is one listed person's check-in for one session.
type CheckIn struct {
	SessionID string
	Entry     string // the account as schedule.yaml lists it
	UserID    string
	UserName  string
	At        time.Time
}

// GreenStore keeps the green room's pings and check-ins. Implemented by
// bot/sqlite; the bot detects it on its Store, and without it the green room is off.
type GreenStore interface {
	GreenRecords(ctx context.Context) ([]GreenRecord, error)
	// PutGreenRecord inserts or replaces the record for r.Key.
	PutGreenRecord(ctx context.Context, r GreenRecord) error
	CheckIns(ctx context.Context) ([]CheckIn, error)
	// AddCheckIn records c unless c.Entry is already checked in for
	// c.SessionID; it reports whether c was new.
	AddCheckIn(ctx context.Context, c CheckIn) (bool, error)
}

// PlanGreen lists every green-room ping the schedule implies, by due time, then
// session order, then longest lead first.
func PlanGreen(s *Schedule) []GreenPing {
	c := s.GreenRoom
	var plan []GreenPing
	for _, sess := range s.Sessions {
		if len(Listed(sess)) == 0 {
			continue
		}
		add := func(kind GreenKind, lead time.Duration, dm bool) {
			plan = append(plan, GreenPing{Key: GreenKey{sess.ID, kind, lead}, Due: sess.Start.Add(-lead), Session: sess, DM: dm})
		}
		add(GreenCheckIn, c.CheckIn, false)
		for i, l := range c.Nudges {
			add(GreenNudge, l, i > 0)
		}
		add(GreenEscalate, c.Escalate, false)
		if sess.Chair != "" {
			add(GreenBriefing, c.Briefing, true)
		}
	}
	sort.SliceStable(plan, func(i, j int) bool {
		a, b := plan[i], plan[j]
		switch {
		case !a.Due.Equal(b.Due):
			return a.Due.Before(b.Due)
		case !a.Session.Start.Equal(b.Session.Start):
			return a.Session.Start.Before(b.Session.Start)
		}
		return a.Key.Lead > b.Key.Lead
	})
	return plan
}

// GreenDecision is what to do with the green-room pings at one instant.
type GreenDecision struct {
	Send       []GreenPing // due now: send them, in order
	Superseded []GreenPing // a nudge due with its session's check-in or a later nudge: it would repeat them
	Skip       []GreenPing // missed while down by more than the catch-up window, or their session has started
	Next       time.Time   // when the next undecided ping falls due; zero if none
}

// DecideGreen is the pure rule of the green room, the reminders' rule (Decide)
// for its pings: given the plan, what has been recorded, the instant now, when
// the bot came up and the catch-up window, which pings to send, which to skip
// and when to look again.
//
// A recorded ping is done unless its session has moved later by more than the
// lead since: then it is due again (a moved session re-arms its check-in). A
// ping whose session has started is skipped: the check-in is for before. One
// that fell due while the bot was down is sent within the catch-up window. Of
// the nudges of one session due at once, only the last is sent, and none when
// the check-in post itself is first due: it already names everyone.
func DecideGreen(plan []GreenPing, done map[GreenKey]GreenRecord, now, upSince time.Time, catchUp time.Duration) GreenDecision {
	var d GreenDecision
	var due []GreenPing
	for _, p := range plan {
		if rec, ok := done[p.Key]; ok && rec.Status != StatusPending && !p.Due.After(rec.Due.Add(p.Key.Lead)) {
			continue
		}
		switch {
		case p.Due.After(now):
			if d.Next.IsZero() || p.Due.Before(d.Next) {
				d.Next = p.Due
			}
		case !now.Before(p.Session.Start):
			d.Skip = append(d.Skip, p)
		case p.Due.Before(upSince) && now.Sub(p.Due) > catchUp:
			d.Skip = append(d.Skip, p)
		default:
			due = append(due, p)
		}
	}
	checkin := map[string]bool{}
	lastNudge := map[string]time.Duration{}
	for _, p := range due {
		switch p.Key.Kind {
		case GreenCheckIn:
			// A retry (pending) may well have been posted before a crash,
			// and its nonce makes it no new message: it names no one again.
			if _, retry := done[p.Key]; !retry {
				checkin[p.Key.SessionID] = true
			}
		case GreenNudge:
			if l, ok := lastNudge[p.Key.SessionID]; !ok || p.Key.Lead < l {
				lastNudge[p.Key.SessionID] = p.Key.Lead
			}
		}
	}
	for _, p := range due {
		if p.Key.Kind == GreenNudge && (checkin[p.Key.SessionID] || p.Key.Lead != lastNudge[p.Key.SessionID]) {
			d.Superseded = append(d.Superseded, p)
			continue
		}
		d.Send = append(d.Send, p)
	}
	return d
}

// GreenState is who of a session's listed people is in, as the messages show it.
type GreenState struct {
	In      []string          // entries checked in, in listed order
	Missing []string          // entries not checked in, in listed order
	IDs     map[string]string // entry -> user id, for those found in the server
}

// greenState is the state of sess given the check-ins and the members.
func greenState(sess Session, ins map[string]map[string]CheckIn, members Members) GreenState {
	st := GreenState{IDs: map[string]string{}}
	for _, e := range Listed(sess) {
		if c, ok := ins[sess.ID][e]; ok {
			st.In = append(st.In, e)
			if c.UserID != "" {
				st.IDs[e] = c.UserID
			}
		} else {
			st.Missing = append(st.Missing, e)
		}
		if _, ok := st.IDs[e]; !ok {
			if id, ok := members.Resolve(e); ok {
				st.IDs[e] = id
			}
		}
	}
	return st
}

// who writes entries as mentions where their user id is known, else as @name
// (which pings no one).
func (st GreenState) who(entries []string) string {
	out := make([]string, len(entries))
	for i, e := range entries {
		if id, ok := st.IDs[e]; ok {
			out[i] = "<@" + id + ">"
		} else {
			out[i] = "@" + e
		}
	}
	return strings.Join(out, ", ")
}

// ids are the user ids of entries, where known.
func (st GreenState) ids(entries []string) []string {
	var out []string
	for _, e := range entries {
		if id, ok := st.IDs[e]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (st GreenState) line() string {
	var parts []string
	if len(st.In) > 0 {
		parts = append(parts, "✅ In: "+st.who(st.In))
	}
	if len(st.Missing) > 0 {
		parts = append(parts, "⏳ Not yet: "+st.who(st.Missing))
	}
	return strings.Join(parts, "\n")
}

// checkinButton is the id of a session's I'm here button.
func checkinButton(sessionID string) string { return "checkin:" + sessionID }

// RenderGreen is the one place that turns a green-room ping into a message. Its
// content does not depend on the clock (times are Discord timestamps), so that
// the hash of a posted message changes only when its state does. A DM's nonce
// is completed with its recipient by the sender.
func RenderGreen(p *Program, g GreenPing, st GreenState, chairNote string) Message {
	sess := g.Session
	when := fmt.Sprintf("%s (%s)", stamp(sess.Start, 't'), stamp(sess.Start, 'R'))
	title := fmt.Sprintf("%s: **%s**", kindLabel(sess), sess.Title)
	var m Message
	switch g.Key.Kind {
	case GreenCheckIn:
		m = Message{Channel: ChannelGreenRoom, PingUsers: st.ids(Listed(sess)),
			Content: fmt.Sprintf("🎬 %s starts %s.\n%s: please check in with **I'm here** below or `/checkin`.", title, when, st.who(Listed(sess))),
			Buttons: []Button{{ID: checkinButton(sess.ID), Label: "I'm here", Style: ButtonSuccess, Disabled: len(st.Missing) == 0}}}
		if sess.Chair != "" {
			m.Content += "\nChair: " + st.who([]string{sess.Chair}) + "."
		}
		m.Content += "\n" + st.line()
		if len(st.Missing) == 0 {
			m.Content += "\nEveryone is here. Thank you!"
		}
	case GreenNudge:
		if g.DM {
			m = Message{Content: fmt.Sprintf("⏳ %s starts %s, and you have not checked in yet. Press **I'm here** in the green room of %s, or type `/checkin` there.",
				title, when, p.Schedule.Workshop.ShortName)}
		} else {
			m = Message{Channel: ChannelGreenRoom, PingUsers: st.ids(st.Missing),
				Content: fmt.Sprintf("⏳ %s starts %s. Not checked in yet: %s. Press **I'm here** or type `/checkin`.", title, when, st.who(st.Missing)),
				Buttons: []Button{{ID: checkinButton(sess.ID), Label: "I'm here", Style: ButtonSuccess}}}
		}
	case GreenEscalate:
		// Names, not pings: the moderators act, the missing cannot see this channel.
		m = Message{Channel: ChannelModerators}
		if len(st.Missing) > 0 {
			m.Content = fmt.Sprintf("🚨 %s starts %s; not checked in: %s.", title, when, st.who(st.Missing))
			if len(st.In) > 0 {
				m.Content += " In: " + st.who(st.In) + "."
			}
		} else {
			m.Content = fmt.Sprintf("✅ %s starts %s: everyone has checked in now (%s).", title, when, st.who(st.In))
		}
	case GreenBriefing:
		var b strings.Builder
		fmt.Fprintf(&b, "📋 You chair %s, %s to %s (%s; times in your own time zone).", title, stamp(sess.Start, 't'), stamp(sess.End, 't'), stamp(sess.Start, 'R'))
		if l := linkLine(p.Schedule, sess); l != "" {
			b.WriteString("\n" + l)
		}
		if ln := st.line(); ln != "" {
			b.WriteString("\n" + ln)
		}
		if chairNote != "" {
			b.WriteString("\n" + chairNote)
		}
		fmt.Fprintf(&b, "\nPut the top question on stage with `/questions next session:%s`.", sess.ID)
		m = Message{Content: b.String()}
	}
	m.Content = Truncate(m.Content, MaxContent)
	m.Nonce = g.Nonce("")
	return m
}

// shownHash is what a record keeps of a message it shows.
func shownHash(m Message) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%v", m.Content, m.Buttons)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
