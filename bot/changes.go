package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// ChangeKind is what changed about a session between two programs, as attendees
// need to know it.
type ChangeKind string

// The changes Diff reports, in the order a notice lists those of one session.
const (
	ChangeAdded     ChangeKind = "added"
	ChangeRemoved   ChangeKind = "removed"
	ChangeMoved     ChangeKind = "moved"
	ChangeRetitled  ChangeKind = "retitled"
	ChangeSpeakers  ChangeKind = "speakers"
	ChangeLinks     ChangeKind = "links"
	ChangeRecording ChangeKind = "recording"
	// ChangeWorkshopLink is a workshop-wide link (livestream, zoom...) added or
	// changed; Link holds the new one.
	ChangeWorkshopLink ChangeKind = "workshop-link"
)

// Change is one thing attendees should hear about. Old is the session before
// (zero for ChangeAdded), New after (zero for ChangeRemoved).
type Change struct {
	Kind ChangeKind
	Old  Session
	New  Session
	Link Link // ChangeWorkshopLink only
	// Day is the workshop's date (midnight in its zone): a New or Cancelled
	// line shows the day of a session that is not on it.
	Day time.Time
}

// Diff is the pure rule of change notices: what changed between two programs that
// attendees need to know. Sessions are matched by id; a session whose id changed
// along with its title (ids made from titles) is matched by its start and kind.
// Cosmetic edits (comments, order in the file, whitespace, quoting) change nothing
// Diff looks at, so they yield no change; so do edits of posters.csv and of a
// session's end (it follows the next session's start). Changes come ordered by
// the session's (new) start.
func Diff(old, cur *Program) []Change {
	os, ns := old.Schedule, cur.Schedule
	var out []Change
	for _, l := range ns.Workshop.Links {
		if u, ok := findLink(os.Workshop.Links, l.Name); !ok || u != l.URL {
			out = append(out, Change{Kind: ChangeWorkshopLink, Link: l})
		}
	}
	var removed, added []Session
	for _, o := range os.Sessions {
		if _, ok := ns.Session(o.ID); !ok {
			removed = append(removed, o)
		}
	}
	for _, n := range ns.Sessions {
		o, ok := os.Session(n.ID)
		if !ok {
			added = append(added, n)
			continue
		}
		out = append(out, sessionChanges(o, n)...)
	}
	// A title edit changes an id made from the title: the same slot and kind is
	// the same session, renamed.
	for i := 0; i < len(added); i++ {
		j := slices.IndexFunc(removed, func(o Session) bool {
			return o.Start.Equal(added[i].Start) && o.Kind == added[i].Kind
		})
		if j < 0 {
			continue
		}
		out = append(out, sessionChanges(removed[j], added[i])...)
		removed = slices.Delete(removed, j, j+1)
		added = slices.Delete(added, i, i+1)
		i--
	}
	for _, n := range added {
		out = append(out, Change{Kind: ChangeAdded, New: n})
	}
	for _, o := range removed {
		out = append(out, Change{Kind: ChangeRemoved, Old: o})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].when(), out[j].when()
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return out[i].rank() < out[j].rank()
	})
	for i := range out {
		out[i].Day = ns.Workshop.Date
	}
	return out
}

// sessionChanges lists what changed between two versions of one session.
func sessionChanges(o, n Session) []Change {
	var out []Change
	add := func(k ChangeKind) { out = append(out, Change{Kind: k, Old: o, New: n}) }
	if !o.Start.Equal(n.Start) {
		add(ChangeMoved)
	}
	if o.Title != n.Title {
		add(ChangeRetitled)
	}
	if !slices.Equal(o.Speakers, n.Speakers) {
		add(ChangeSpeakers)
	}
	if !slices.Equal(o.Links, n.Links) {
		add(ChangeLinks)
	}
	if n.Recording != "" && n.Recording != o.Recording {
		add(ChangeRecording)
	}
	return out
}

// when is the instant a change is listed under: its session's start (the new one
// if it has one); workshop links come first.
func (c Change) when() time.Time {
	switch {
	case c.Kind == ChangeWorkshopLink:
		return time.Time{}
	case c.Kind == ChangeRemoved:
		return c.Old.Start
	}
	return c.New.Start
}

func (c Change) rank() int {
	return slices.Index([]ChangeKind{ChangeWorkshopLink, ChangeAdded, ChangeRemoved, ChangeMoved, ChangeRetitled, ChangeSpeakers, ChangeLinks, ChangeRecording}, c.Kind)
}

// minGroup is how many sessions moved by the same amount, one after the other,
// a notice says in one line (what /workshop delay ... following does).
const minGroup = 3

// ChangeNotice is the whole notice of ChangeNotices, unsplit.
func ChangeNotice(changes []Change) string {
	return strings.Join(ChangeNotices(changes), "\n")
}

// ChangeNotices is the one place that turns changes into the announcement
// attendees read: short, one line per change, with times as Discord timestamps
// (every reader sees their own time zone). Sessions moved together by the same
// amount share a line. A notice longer than a message holds is split at line
// boundaries into as many messages as needed: no change is ever cut off. Nil
// changes make no notice.
func ChangeNotices(changes []Change) []string {
	var lines []string
	onlyRecordings := true
	for i := 0; i < len(changes); i++ {
		c := changes[i]
		if c.Kind != ChangeRecording {
			onlyRecordings = false
		}
		if c.Kind == ChangeMoved {
			if j := runOfMoves(changes, i); j-i >= minGroup {
				lines = append(lines, groupedMove(changes[i:j]))
				i = j - 1
				continue
			}
		}
		lines = append(lines, changeLine(c))
	}
	if len(lines) == 0 {
		return nil
	}
	if onlyRecordings {
		return splitLines("", lines)
	}
	if len(lines) == 1 {
		return []string{Truncate("📅 Program update: "+lines[0], MaxContent)}
	}
	for i := range lines {
		lines[i] = "• " + lines[i]
	}
	pages := splitLines("📅 **Program update**\n", lines)
	if len(pages) > 1 {
		// Say which part a reader is looking at; the header fits in the room
		// splitLines kept for it.
		for i := range pages {
			pages[i] = strings.Replace(pages[i], "📅 **Program update**\n", fmt.Sprintf("📅 **Program update** (%d/%d)\n", i+1, len(pages)), 1)
		}
	}
	return pages
}

// splitLines puts head and the lines into as few messages as hold them,
// breaking only between lines; each message starts with head (room is kept
// for a "(12/12)" after its first line). A single line longer than a message
// is cut.
func splitLines(head string, lines []string) []string {
	limit := MaxContent - len([]rune(head)) - len(" (99/99)")
	var pages []string
	var cur []string
	size := 0
	for _, l := range lines {
		l = Truncate(l, limit)
		n := len([]rune(l))
		if len(cur) > 0 && size+1+n > limit {
			pages = append(pages, head+strings.Join(cur, "\n"))
			cur, size = nil, 0
		}
		if len(cur) > 0 {
			size++
		}
		cur, size = append(cur, l), size+n
	}
	return append(pages, head+strings.Join(cur, "\n"))
}

// runOfMoves returns the end of the run of moves starting at i that share one shift,
// skipping the other changes of those same sessions.
func runOfMoves(changes []Change, i int) int {
	shift := changes[i].New.Start.Sub(changes[i].Old.Start)
	j := i + 1
	for j < len(changes) {
		c := changes[j]
		if c.Kind != ChangeMoved || c.New.Start.Sub(c.Old.Start) != shift {
			break
		}
		j++
	}
	return j
}

func groupedMove(run []Change) string {
	first, last := run[0], run[len(run)-1]
	return fmt.Sprintf("%d sessions, from **%s** to **%s**, moved %s: **%s** now starts %s",
		len(run), first.New.Title, last.New.Title, shiftText(first.New.Start.Sub(first.Old.Start)),
		first.New.Title, stamp(first.New.Start, 't'))
}

// shiftText says how far a session moved: "20 minutes later", "1 hour earlier".
func shiftText(d time.Duration) string {
	if d < 0 {
		return durationWords(-d) + " earlier"
	}
	return durationWords(d) + " later"
}

// durationWords says a whole number of minutes in words: "1 minute", "2 hours",
// "1h30".
func durationWords(d time.Duration) string {
	switch h, m := int(d/time.Hour), int(d%time.Hour/time.Minute); {
	case h == 0 && m == 1:
		return "1 minute"
	case h == 0:
		return fmt.Sprintf("%d minutes", m)
	case m == 0 && h == 1:
		return "1 hour"
	case m == 0:
		return fmt.Sprintf("%d hours", h)
	default:
		return fmt.Sprintf("%dh%02d", h, m)
	}
}

// changeLine is one change, said in a line.
func changeLine(c Change) string {
	switch c.Kind {
	case ChangeWorkshopLink:
		return fmt.Sprintf("%s link: <%s>", linkName(c.Link.Name), c.Link.URL)
	case ChangeAdded:
		return fmt.Sprintf("New: %s: %s at %s", kindLabel(c.New), headline(c.New), when(c.New.Start, c.day(c.New.Start)))
	case ChangeRemoved:
		return fmt.Sprintf("Cancelled: **%s** (was at %s)", c.Old.Title, when(c.Old.Start, c.day(c.Old.Start)))
	case ChangeMoved:
		return fmt.Sprintf("**%s** moved from %s to %s", c.New.Title, when(c.Old.Start, c.New.Start), when(c.New.Start, c.Old.Start))
	case ChangeRetitled:
		return fmt.Sprintf("**%s** is now titled **%s**", c.Old.Title, c.New.Title)
	case ChangeSpeakers:
		if len(c.New.Speakers) == 0 {
			return fmt.Sprintf("**%s**: no speaker listed any more", c.New.Title)
		}
		return fmt.Sprintf("**%s**: now with %s", c.New.Title, strings.Join(c.New.Speakers, ", "))
	case ChangeLinks:
		var parts []string
		for _, l := range c.New.Links {
			parts = append(parts, linkName(l.Name)+": <"+l.URL+">")
		}
		if len(parts) == 0 {
			return fmt.Sprintf("**%s**: its own links were removed; the workshop's links apply", c.New.Title)
		}
		return fmt.Sprintf("**%s**: new links: %s", c.New.Title, strings.Join(parts, " · "))
	case ChangeRecording:
		return fmt.Sprintf("🎬 Recording of **%s** is up: <%s>", c.New.Title, c.New.Recording)
	}
	return ""
}

// day is the workshop's date to write t against; t itself (a short time) when
// the workshop's date is not known.
func (c Change) day(t time.Time) time.Time {
	if c.Day.IsZero() {
		return t
	}
	return c.Day
}

// when writes t as a short time, or with its date when other is on another day
// (in t's zone: the workshop's).
func when(t, other time.Time) string {
	ty, tm, td := t.Date()
	oy, om, od := other.In(t.Location()).Date()
	if ty == oy && tm == om && td == od {
		return stamp(t, 't')
	}
	return stamp(t, 'f')
}

// snapshot is what a notice is computed from, as stored between runs: the parts of
// a program attendees see.
type snapshot struct {
	TimeZone string            `json:"tz,omitempty"`
	Links    []Link            `json:"links"`
	Sessions []snapshotSession `json:"sessions"`
}

type snapshotSession struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Kind      Kind      `json:"kind"`
	Title     string    `json:"title"`
	Speakers  []string  `json:"speakers,omitempty"`
	Links     []Link    `json:"links,omitempty"`
	Recording string    `json:"recording,omitempty"`
}

// Snapshot encodes what Diff compares of p, so that the announced program survives a
// restart. Equal programs (to Diff) give equal bytes.
func Snapshot(p *Program) []byte {
	s := snapshot{Links: p.Schedule.Workshop.Links}
	if loc := p.Schedule.Workshop.Location; loc != nil {
		s.TimeZone = loc.String()
	}
	for _, sess := range p.Schedule.Sessions {
		s.Sessions = append(s.Sessions, snapshotSession{
			ID: sess.ID, Start: sess.Start.UTC(), End: sess.End.UTC(), Kind: sess.Kind, Title: sess.Title,
			Speakers: sess.Speakers, Links: sess.Links, Recording: sess.Recording,
		})
	}
	data, err := json.Marshal(s)
	if err != nil {
		panic("bot: encode program snapshot: " + err.Error()) // plain data: cannot fail
	}
	return data
}

// FromSnapshot is the program a Snapshot was taken of, as far as Diff needs it.
func FromSnapshot(data []byte) (*Program, error) {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode program snapshot: %w", err)
	}
	loc := time.UTC
	if s.TimeZone != "" {
		if l, err := time.LoadLocation(s.TimeZone); err == nil {
			loc = l
		}
	}
	sc := &Schedule{Workshop: Workshop{Links: s.Links, Location: loc}}
	for _, ss := range s.Sessions {
		sc.Sessions = append(sc.Sessions, Session{
			ID: ss.ID, Start: ss.Start.In(loc), End: ss.End.In(loc), Kind: ss.Kind, Title: ss.Title,
			Speakers: ss.Speakers, Links: ss.Links, Recording: ss.Recording,
		})
	}
	return &Program{Schedule: sc}, nil
}

// AnnouncedStore remembers the program attendees were last told about, so that a
// change is announced once, across restarts. NoticesFeature needs it.
type AnnouncedStore interface {
	// AnnouncedProgram returns the last Snapshot stored; nil if none.
	AnnouncedProgram(ctx context.Context) ([]byte, error)
	// PutAnnouncedProgram replaces it.
	PutAnnouncedProgram(ctx context.Context, snapshot []byte) error
}

// NoticesFeature announces the changes of the program to attendees, once,
// across restarts. It needs an AnnouncedStore.
func NoticesFeature() Feature {
	return Feature{Name: "notices", Init: func(b *Bot) (err error) {
		b.announcedStore, err = storeAs[AnnouncedStore](b, "remember the announced program (bot.AnnouncedStore)")
		return err
	}}
}

// announce tells attendees what changed between the program last announced and
// prog, once. The new program is recorded before the notice is posted: if the bot
// dies in between, the notice is lost rather than posted twice (as for reminders),
// and its nonce lets Discord drop a retried copy.
func (b *Bot) announce(ctx context.Context, prog *Program) error {
	b.mu.Lock()
	done := b.announced == prog
	b.mu.Unlock()
	if done {
		return nil
	}
	st := b.announcedStore
	if st == nil { // no NoticesFeature: nothing is announced
		b.setAnnounced(prog)
		return nil
	}
	snap := Snapshot(prog)
	prev, err := st.AnnouncedProgram(ctx)
	if err != nil {
		return fmt.Errorf("read the announced program: %w", err)
	}
	if bytes.Equal(prev, snap) {
		b.setAnnounced(prog)
		return nil
	}
	var changes []Change
	if prev != nil {
		old, err := FromSnapshot(prev)
		if err != nil {
			b.log.Error("stored program unreadable; changes since it are not announced", "err", err)
		} else {
			changes = notOver(Diff(old, prog), b.clock.Now())
		}
	}
	if err := st.PutAnnouncedProgram(ctx, snap); err != nil {
		return fmt.Errorf("record the announced program: %w", err)
	}
	b.setAnnounced(prog)
	pages := ChangeNotices(changes)
	if len(pages) == 0 {
		b.log.Info("program changed; nothing attendees need to hear", "first_run", prev == nil)
		return nil
	}
	// Each part's nonce comes from the two programs and its place, so a retried
	// part is the same message and Discord drops the copy.
	sum := sha256.Sum256(append(append(prev, 0), snap...))
	nonce := "c:" + hex.EncodeToString(sum[:8])
	pctx, cancel := inFlight(ctx)
	defer cancel()
	for i, text := range pages {
		msg := Message{Channel: ChannelAnnouncements, Content: text, Nonce: nonce}
		if i > 0 {
			msg.Nonce = fmt.Sprintf("%s:%d", nonce, i+1)
		}
		posted, err := b.out.Post(pctx, msg)
		if err != nil {
			b.log.Error("change notice failed", "changes", len(changes), "part", i+1, "parts", len(pages), "err", err)
			b.notifyModerators(pctx, fmt.Sprintf("⚠️ The program changed but the notice (part %d of %d) could not be posted: %v\n%s", i+1, len(pages), err, text))
			continue
		}
		b.log.Info("change notice posted", "changes", len(changes), "part", i+1, "parts", len(pages), "channel", posted.ChannelID, "message", posted.MessageID)
	}
	return nil
}

// notOver drops the moves of sessions already over at now: no attendee can
// act on them.
func notOver(changes []Change, now time.Time) []Change {
	return slices.DeleteFunc(changes, func(c Change) bool {
		return c.Kind == ChangeMoved && !c.New.End.After(now)
	})
}

func (b *Bot) setAnnounced(p *Program) {
	b.mu.Lock()
	b.announced = p
	b.mu.Unlock()
}

// Pending lists the reminders of the program in force that are still to be
// posted (or skipped), in order.
func (b *Bot) Pending(ctx context.Context) ([]Reminder, error) {
	recs, err := b.records(ctx)
	if err != nil {
		return nil, err
	}
	return Pending(Plan(b.Program().Schedule), recs), nil
}
