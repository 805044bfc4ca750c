package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EventStatus is where a scheduled event is in its life (Discord's numbering).
type EventStatus int

// Scheduled event statuses.
const (
	EventScheduled EventStatus = 1
	EventActive    EventStatus = 2
	EventCompleted EventStatus = 3
	EventCanceled  EventStatus = 4
)

// live reports whether the event still shows in the guild's event list.
func (s EventStatus) live() bool { return s == EventScheduled || s == EventActive }

// ScheduledEvent is a guild's scheduled event, as the bot mirrors a session in it:
// an external event, at a place given as text (the livestream link).
type ScheduledEvent struct {
	ID          string // set by the transport
	Name        string // at most MaxEventName characters
	Description string // at most MaxEventDescription characters
	Location    string // at most MaxEventLocation characters
	Start, End  time.Time
	Status      EventStatus
}

// EventSync is implemented by transports that can mirror the program as the
// guild's scheduled events (Discord; the console prints what it would do).
type EventSync interface {
	// Events lists the guild's scheduled events, the bot's and others'.
	Events(ctx context.Context) ([]ScheduledEvent, error)
	// CreateEvent creates an external event and returns its id.
	CreateEvent(ctx context.Context, e ScheduledEvent) (string, error)
	// EditEvent replaces the name, description, location and times of event id.
	EditEvent(ctx context.Context, id string, e ScheduledEvent) error
	// CancelEvent cancels event id; attendees see it gone.
	CancelEvent(ctx context.Context, id string) error
}

// EventStore remembers which event mirrors which session. Implemented by
// bot/sqlite. Should it be lost, the marker in each event's description finds
// them again.
type EventStore interface {
	// EventIDs maps session ids to event ids.
	EventIDs(ctx context.Context) (map[string]string, error)
	// PutEventID records (or, with eventID "", forgets) the event of a session.
	PutEventID(ctx context.Context, sessionID, eventID string) error
}

// eventMarker ends the description of the event mirroring a session: with it the
// bot finds its events in the guild even with no database.
func eventMarker(sessionID string) string { return "[workshopbot:" + sessionID + "]" }

var markerRE = regexp.MustCompile(`\[workshopbot:([a-z0-9-]+)\]\s*$`)

// markedSession is the session id in an event's marker, if it has one.
func markedSession(e ScheduledEvent) (string, bool) {
	m := markerRE.FindStringSubmatch(e.Description)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// SessionEvent is the event that mirrors sess: its title, times, speakers and links,
// within Discord's limits, with the marker last.
func SessionEvent(s *Schedule, sess Session) ScheduledEvent {
	var lines []string
	what := kindLabel(sess)
	if len(sess.Speakers) > 0 {
		what += " — " + strings.Join(sess.Speakers, ", ")
	}
	lines = append(lines, what+" · "+s.Workshop.ShortName)
	for _, l := range eventLinks(s, sess) {
		lines = append(lines, linkName(l.Name)+": "+l.URL)
	}
	marker := eventMarker(sess.ID)
	desc := Truncate(strings.Join(lines, "\n"), MaxEventDescription-len(marker)-2) + "\n\n" + marker
	return ScheduledEvent{
		Name:        Truncate(sess.Title, MaxEventName),
		Description: desc,
		Location:    eventLocation(s, sess),
		Start:       sess.Start,
		End:         sess.End,
		Status:      EventScheduled,
	}
}

// eventLinks are the links a session's event lists: the kind's primary links, then
// the session's own, then its recording.
func eventLinks(s *Schedule, sess Session) []Link {
	var out []Link
	for _, name := range primaryLinks(sess.Kind) {
		if u, ok := s.Link(sess, name); ok {
			out = append(out, Link{name, u})
		}
	}
	for _, l := range sess.Links {
		if !slices.ContainsFunc(out, func(o Link) bool { return o.Name == l.Name }) {
			out = append(out, l)
		}
	}
	if sess.Recording != "" {
		out = append(out, Link{"recording", sess.Recording})
	}
	return out
}

// eventLocation is where an external event happens: the first of the session's
// links that fits Discord's 100 characters (a cut URL would lead nowhere).
func eventLocation(s *Schedule, sess Session) string {
	names := append(primaryLinks(sess.Kind), "livestream")
	for _, name := range names {
		if u, ok := s.Link(sess, name); ok && len([]rune(u)) <= MaxEventLocation {
			return u
		}
	}
	return Truncate(s.Workshop.ShortName+" on Discord: see #"+channelLabel(s.Discord.Announcements), MaxEventLocation)
}

// EventOpKind is what to do to the guild's events.
type EventOpKind string

// Event operations.
const (
	EventCreate EventOpKind = "create"
	EventEdit   EventOpKind = "edit"
	EventCancel EventOpKind = "cancel"
	// EventAdopt records an existing event (found by its marker) as the session's.
	EventAdopt EventOpKind = "adopt"
	// EventForget drops a recorded event that no longer exists or is cancelled.
	EventForget EventOpKind = "forget"
)

// EventOp is one step of bringing the guild's events in line with the program.
type EventOp struct {
	Kind      EventOpKind
	SessionID string
	EventID   string         // the event acted on; empty for EventCreate
	Event     ScheduledEvent // what to create or edit to
}

// eventLeadTime is how far ahead a session must start for its event to be
// created: Discord refuses a start time in the past, and a request takes time.
const eventLeadTime = time.Minute

// PlanEvents is the pure rule of the scheduled-events mirror: given the schedule,
// the guild's events, the recorded session → event ids and the instant now, the
// operations that make the guild's events match the program, and notes on what
// it will not do (for the log).
//
// Each mirrored session (discord.events lists the kinds) has one event: edited in
// place when it changed, created when missing, unless the session has started
// (Discord refuses events in the past) or the guild has MaxEvents already. An event
// of a session no longer mirrored is cancelled, unless it is under way. Events are
// found by the recorded ids, else by the marker in their description, so they are
// never duplicated across restarts; a duplicate found anyway is cancelled.
func PlanEvents(s *Schedule, existing []ScheduledEvent, known map[string]string, now time.Time) (ops []EventOp, notes []string) {
	p := newEventPlan(existing, known, now)
	wanted := map[string]bool{}
	for _, sess := range s.Sessions {
		if !s.Discord.Events.Has(sess.Kind) {
			continue
		}
		wanted[sess.ID] = true
		p.session(s, sess)
	}
	p.unwanted(wanted)
	return p.ops, p.notes
}

// eventPlan is PlanEvents under way: the guild's events indexed, and the
// operations and notes so far.
type eventPlan struct {
	known map[string]string // session id -> recorded event id
	now   time.Time
	byID  map[string]ScheduledEvent
	ours  map[string][]ScheduledEvent // session id -> its live events
	live  int                         // live events in the guild, as the plan leaves them
	ops   []EventOp
	notes []string
}

func newEventPlan(existing []ScheduledEvent, known map[string]string, now time.Time) *eventPlan {
	p := &eventPlan{known: known, now: now, byID: map[string]ScheduledEvent{}, ours: map[string][]ScheduledEvent{}}
	for _, e := range existing {
		p.byID[e.ID] = e
		if e.Status.live() {
			p.live++
		}
	}
	for _, e := range existing {
		if !e.Status.live() {
			continue
		}
		sid, ok := markedSession(e)
		for id, eid := range known {
			if eid == e.ID {
				sid, ok = id, true
			}
		}
		if ok {
			p.ours[sid] = append(p.ours[sid], e)
		}
	}
	return p
}

// session plans the event of one mirrored session.
func (p *eventPlan) session(s *Schedule, sess Session) {
	known, now := p.known, p.now
	evs := p.ours[sess.ID]
	// The recorded one first, then the oldest.
	slices.SortStableFunc(evs, func(a, b ScheduledEvent) int {
		switch {
		case a.ID == known[sess.ID]:
			return -1
		case b.ID == known[sess.ID]:
			return 1
		}
		return 0
	})
	for _, dup := range evs[min(1, len(evs)):] {
		if dup.Status == EventScheduled {
			p.ops = append(p.ops, EventOp{Kind: EventCancel, SessionID: sess.ID, EventID: dup.ID})
			p.live--
		}
	}
	want := SessionEvent(s, sess)
	if len(evs) == 0 {
		if known[sess.ID] != "" {
			p.ops = append(p.ops, EventOp{Kind: EventForget, SessionID: sess.ID, EventID: known[sess.ID]})
		}
		switch {
		case sess.Start.Before(now.Add(eventLeadTime)):
			p.notes = append(p.notes, fmt.Sprintf("session %s started at %s: no scheduled event created (Discord refuses past start times)", sess.ID, sess.Start.Format(time.RFC3339)))
		case p.live >= MaxEvents:
			p.notes = append(p.notes, fmt.Sprintf("session %s: no scheduled event created: the guild has %d already, Discord's maximum", sess.ID, MaxEvents))
		default:
			p.ops = append(p.ops, EventOp{Kind: EventCreate, SessionID: sess.ID, Event: want})
			p.live++
		}
		return
	}
	e := evs[0]
	if known[sess.ID] != e.ID {
		p.ops = append(p.ops, EventOp{Kind: EventAdopt, SessionID: sess.ID, EventID: e.ID})
	}
	if sameEvent(e, want) {
		return
	}
	switch {
	case e.Status != EventScheduled:
		p.notes = append(p.notes, fmt.Sprintf("session %s: its scheduled event is under way; not edited", sess.ID))
	case want.Start.Before(now.Add(eventLeadTime)):
		p.notes = append(p.notes, fmt.Sprintf("session %s moved to %s, which has passed: its scheduled event is not edited", sess.ID, sess.Start.Format(time.RFC3339)))
	default:
		p.ops = append(p.ops, EventOp{Kind: EventEdit, SessionID: sess.ID, EventID: e.ID, Event: want})
	}
}

// unwanted cancels the events of sessions no longer mirrored (unless under
// way) and forgets the records of events gone.
func (p *eventPlan) unwanted(wanted map[string]bool) {
	// What follows comes from maps: sorted, so that a plan is always the same.
	tail := len(p.ops)
	for sid, evs := range p.ours {
		if wanted[sid] {
			continue
		}
		for _, e := range evs {
			if e.Status == EventScheduled {
				p.ops = append(p.ops, EventOp{Kind: EventCancel, SessionID: sid, EventID: e.ID})
			} else {
				p.notes = append(p.notes, fmt.Sprintf("session %s is gone from the program but its scheduled event is under way; left as is", sid))
			}
		}
	}
	for sid, eid := range p.known {
		if e, ok := p.byID[eid]; !wanted[sid] && (!ok || !e.Status.live()) {
			p.ops = append(p.ops, EventOp{Kind: EventForget, SessionID: sid, EventID: eid})
		}
	}
	slices.SortStableFunc(p.ops[tail:], func(a, b EventOp) int { return strings.Compare(a.SessionID+a.EventID, b.SessionID+b.EventID) })
}

func sameEvent(a, b ScheduledEvent) bool {
	return a.Name == b.Name && a.Description == b.Description && a.Location == b.Location &&
		a.Start.Equal(b.Start) && a.End.Equal(b.End)
}

// SyncEvents brings the guild's scheduled events in line with the program in
// force, when the transport can (EventSync). Each failure is logged; the error
// says how many operations failed, and the next sync tries them again.
func (b *Bot) SyncEvents(ctx context.Context) error {
	es, ok := b.out.(EventSync)
	if !ok || b.noEvents {
		return nil
	}
	prog := b.Program()
	existing, err := es.Events(ctx)
	if err != nil {
		return fmt.Errorf("sync scheduled events: list: %w", err)
	}
	known := map[string]string{}
	st := b.eventStore // nil without EventsFeature: nothing remembered
	if st != nil {
		if known, err = st.EventIDs(ctx); err != nil {
			return fmt.Errorf("sync scheduled events: %w", err)
		}
	}
	ops, notes := PlanEvents(prog.Schedule, existing, known, b.clock.Now())
	for _, n := range notes {
		b.log.Info("scheduled events: " + n)
	}
	var errs []error
	remember := func(sid, eid string) {
		if st == nil {
			return
		}
		if err := st.PutEventID(ctx, sid, eid); err != nil {
			errs = append(errs, err)
		}
	}
	for _, op := range ops {
		var err error
		switch op.Kind {
		case EventCreate:
			var id string
			if id, err = es.CreateEvent(ctx, op.Event); err == nil {
				remember(op.SessionID, id)
				op.EventID = id
			}
		case EventEdit:
			err = es.EditEvent(ctx, op.EventID, op.Event)
		case EventCancel:
			if err = es.CancelEvent(ctx, op.EventID); err == nil && known[op.SessionID] == op.EventID {
				remember(op.SessionID, "")
			}
		case EventAdopt:
			remember(op.SessionID, op.EventID)
		case EventForget:
			remember(op.SessionID, "")
		}
		if err != nil {
			errs = append(errs, err)
			b.log.Error("scheduled event not synced", "op", op.Kind, "session", op.SessionID, "event", op.EventID, "err", err)
			continue
		}
		b.log.Info("scheduled event synced", "op", op.Kind, "session", op.SessionID, "event", op.EventID)
	}
	if len(errs) > 0 {
		return fmt.Errorf("sync scheduled events: %d of %d operations failed: %w", len(errs), len(ops), errors.Join(errs...))
	}
	return nil
}

// eventRetry is how long (on the bot's clock) a failed sync waits to try again.
const eventRetry = 2 * time.Minute

// EventsFeature mirrors the program in the guild's scheduled events, when
// the transport can (EventSync) and Config.NoEvents is not set.
// It needs an EventStore, which knows the events the bot made.
func EventsFeature() Feature {
	return Feature{Name: "events", Run: (*Bot).runEvents, Init: func(b *Bot) (err error) {
		b.eventStore, err = storeAs[EventStore](b, "remember the scheduled events it made (bot.EventStore)")
		return err
	}}
}

// runEvents runs SyncEvents at start and after each new program, until ctx
// ends; at once when the transport has no scheduled events.
func (b *Bot) runEvents(ctx context.Context) {
	if _, ok := b.out.(EventSync); !ok || b.noEvents {
		return
	}
	for {
		var retry <-chan time.Time
		if err := b.SyncEvents(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("scheduled events not in sync; trying again later", "err", err, "retry_in", eventRetry)
			retry = b.clock.After(eventRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.eventWake:
		case <-retry:
		}
	}
}

// KindSet is a set of session kinds. It is a value (comparable), so that
// DiscordConfig stays one.
type KindSet uint16

// NewKindSet is the set of the given kinds.
func NewKindSet(kinds ...Kind) KindSet {
	var s KindSet
	for _, k := range kinds {
		if i := slices.Index(Kinds, k); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// Has reports whether k is in the set.
func (s KindSet) Has(k Kind) bool {
	i := slices.Index(Kinds, k)
	return i >= 0 && s&(1<<i) != 0
}

// Kinds lists the set's kinds, in the order of Kinds.
func (s KindSet) Kinds() []Kind {
	var out []Kind
	for _, k := range Kinds {
		if s.Has(k) {
			out = append(out, k)
		}
	}
	return out
}

// eventKinds reads discord.events: a list of session kinds; [] mirrors none.
func (d *yamlDecoder) eventKinds(n *yaml.Node) KindSet {
	n = deref(n)
	if isNull(n) {
		return DefaultEventKinds
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out KindSet
	for i, c := range items {
		field := "discord.events"
		if n.Kind == yaml.SequenceNode {
			field = fmt.Sprintf("discord.events[%d]", i)
		}
		v, ok := d.text(c, field)
		if !ok {
			continue
		}
		switch k := Kind(v); {
		case !slices.Contains(Kinds, k):
			d.errorf(c, field, "%q is not a kind; want some of %s (or [] for no scheduled events)", v, kindList())
		case out.Has(k):
			d.errorf(c, field, "%s is listed twice; list each kind once", v)
		default:
			out |= NewKindSet(k)
		}
	}
	return out
}
