package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// GreenRoomGuild is implemented by transports that resolve the green room to a
// real channel, whose member rights the bot then keeps with PosterGuild's
// SetOverwrite. The console has no rights to keep and does not implement it.
type GreenRoomGuild interface {
	// ChannelID is the id of a logical channel (ChannelGreenRoom), "" when it
	// was not resolved at start.
	ChannelID(logical string) string
}

// GreenRoomRights are what a listed person is granted in the green room.
const GreenRoomRights = PermViewChannel | PermSendMessages | PermReadMessageHistory

// greenRoom is the green room's state between steps; the pings and check-ins
// themselves are in the store.
type greenRoom struct {
	mu       sync.Mutex
	dirty    bool            // check-ins, members or the program changed: refresh rights and edit messages
	known    map[string]User // user id -> user, learned from check-ins and joins
	members  *Members        // the guild's members as last listed; nil: list them again
	listed   bool            // the transport lists members (else no one is reported missing from the server)
	reported string          // the people not in the server last reported to the moderators
}

func newGreenRoom() greenRoom { return greenRoom{dirty: true, known: map[string]User{}} }

// greenDirty asks the next step to refresh the green room; forget drops the
// member list (someone joined).
func (b *Bot) greenDirty(forget bool) {
	b.green.mu.Lock()
	b.green.dirty = true
	if forget {
		b.green.members = nil
	}
	b.green.mu.Unlock()
}

// greenRoomSpecs are the green room's commands.
var greenRoomSpecs = []CommandSpec{
	{Name: "checkin", Description: "Speakers and chairs: say you are here (default: for all your sessions today)", Options: []OptionSpec{
		{Name: "session", Description: "Only this session", Type: OptionString, Autocomplete: true},
	}},
}

// GreenRoomFeature is /checkin, the I'm here button, and the green room's
// pings and refreshes that it does with the reminders.
func GreenRoomFeature() Feature {
	return Feature{
		Name:     "greenroom",
		Specs:    greenRoomSpecs,
		Commands: map[string]Handler{"checkin": (*Bot).checkInCommand},
		Presses:  map[string]Handler{"checkin": (*Bot).checkInPress},
		Step:     (*Bot).stepGreen,
		Init: func(b *Bot) (err error) {
			b.greenStore, err = storeAs[GreenStore](b, "keep the green room's pings and check-ins (bot.GreenStore)")
			return err
		},
	}
}

// checkInPress handles the I'm here button: a check-in for that session.
func (b *Bot) checkInPress(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	_, id, _ := strings.Cut(c.Button, ":")
	return b.checkIn(ctx, prog, c.User, id, now)
}

// checkInCommand handles /checkin.
func (b *Bot) checkInCommand(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	return b.checkIn(ctx, prog, c.User, strings.TrimSpace(c.Options["session"]), now)
}

// checkIn records u as here for the session named (or, for "", every session
// of the program u is listed for that has not ended). Only listed people may.
func (b *Bot) checkIn(ctx context.Context, prog *Program, u User, session string, now time.Time) Reply {
	st := b.greenStore
	if st == nil || !HasGreenRoom(prog.Schedule) {
		return ephemeral("There is no green room: no session lists people who check in (checkin: and chair: in schedule.yaml).")
	}
	var sessions []Session
	if session != "" {
		sess, ok := findSession(prog.Schedule, session)
		if !ok {
			return ephemeral(fmt.Sprintf("No session %q. Pick one from the list, or leave it out for all yours.", session))
		}
		if _, ok := listedAs(sess, u); !ok {
			return ephemeral(fmt.Sprintf("You are not listed for **%s**: only its speakers and chair check in. If that is wrong, ask a moderator.", sess.Title))
		}
		if !now.Before(sess.End) {
			return ephemeral(fmt.Sprintf("**%s** is over.", sess.Title))
		}
		sessions = []Session{sess}
	} else {
		for _, sess := range prog.Schedule.Sessions {
			if _, ok := listedAs(sess, u); ok && now.Before(sess.End) {
				sessions = append(sessions, sess)
			}
		}
		if len(sessions) == 0 {
			return ephemeral("You are not listed for any session still to come, so there is nothing to check in for. If that is wrong, ask a moderator.")
		}
	}
	var added, already []string
	for _, sess := range sessions {
		entry, _ := listedAs(sess, u)
		isNew, err := st.AddCheckIn(ctx, CheckIn{SessionID: sess.ID, Entry: entry, UserID: u.ID, UserName: u.Name, At: now})
		if err != nil {
			return b.internal(err, "/checkin: add check-in", "user", u.ID, "session", sess.ID)
		}
		if isNew {
			added = append(added, "**"+sess.Title+"**")
			b.log.Info("checked in", "user", u.ID, "name", u.Name, "entry", entry, "session", sess.ID)
		} else {
			already = append(already, "**"+sess.Title+"**")
		}
	}
	if u.ID != "" {
		b.green.mu.Lock()
		b.green.known[u.ID] = u
		b.green.mu.Unlock()
	}
	b.greenDirty(false)
	b.poke()
	b.changed()
	var msg []string
	if len(added) > 0 {
		msg = append(msg, "✅ Checked in for "+strings.Join(added, ", ")+". Thank you! The moderators can see it.")
	}
	if len(already) > 0 {
		msg = append(msg, "You were already checked in for "+strings.Join(already, ", ")+".")
	}
	return ephemeral(strings.Join(msg, "\n"))
}

// greenListed reports whether u is listed for any session of prog.
func greenListed(prog *Program, u User) bool {
	return slices.ContainsFunc(prog.Schedule.Sessions, func(s Session) bool { _, ok := listedAs(s, u); return ok })
}

// stepGreen sends the green-room pings due now and, when something changed,
// refreshes the green room (rights, who is missing, messages). It returns when
// the next ping falls due and whether it sent any.
func (b *Bot) stepGreen(ctx context.Context, prog *Program, upSince time.Time) (time.Time, bool, error) {
	st := b.greenStore
	if st == nil || !HasGreenRoom(prog.Schedule) {
		return time.Time{}, false, nil
	}
	recs, ins, err := greenRead(ctx, st)
	if err != nil {
		return time.Time{}, false, err
	}
	now := b.clock.Now()
	d := DecideGreen(PlanGreen(prog.Schedule), recs, now, upSince, prog.Schedule.Reminders.CatchUp)
	for _, p := range d.Skip {
		rec := GreenRecord{Key: p.Key, Due: p.Due, Status: StatusSkipped, At: now}
		if err := st.PutGreenRecord(ctx, rec); err != nil {
			return time.Time{}, false, fmt.Errorf("skip green-room %s of %s: %w", p.Key.Kind, p.Key.SessionID, err)
		}
		b.log.Warn("green-room ping skipped: its session has started, or it was missed while down", "session", p.Key.SessionID, "kind", p.Key.Kind, "lead", p.Key.Lead, "due", p.Due)
	}
	for _, p := range d.Superseded {
		rec := GreenRecord{Key: p.Key, Due: p.Due, Status: StatusSuperseded, At: now}
		if err := st.PutGreenRecord(ctx, rec); err != nil {
			return time.Time{}, false, fmt.Errorf("supersede green-room %s of %s: %w", p.Key.Kind, p.Key.SessionID, err)
		}
	}
	b.green.mu.Lock()
	dirty := b.green.dirty
	b.green.dirty = false
	b.green.mu.Unlock()
	if len(d.Send) == 0 && !dirty {
		return d.Next, false, nil
	}
	members := b.greenMembers(ctx)
	for _, p := range d.Send {
		st := greenState(p.Session, ins, members)
		if err := b.sendGreen(ctx, prog, p, st, upSince); err != nil {
			return time.Time{}, false, err
		}
	}
	if dirty {
		if err := b.refreshGreen(ctx, prog, members); err != nil {
			return time.Time{}, false, err
		}
	}
	if len(d.Skip)+len(d.Superseded)+len(d.Send) > 0 {
		b.changed()
	}
	return d.Next, len(d.Send) > 0, nil
}

// greenRead reads the records and the check-ins, by key and by session and entry.
func greenRead(ctx context.Context, st GreenStore) (map[GreenKey]GreenRecord, map[string]map[string]CheckIn, error) {
	list, err := st.GreenRecords(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read green-room pings: %w", err)
	}
	recs := make(map[GreenKey]GreenRecord, len(list))
	for _, r := range list {
		recs[r.Key] = r
	}
	cs, err := st.CheckIns(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read check-ins: %w", err)
	}
	ins := map[string]map[string]CheckIn{}
	for _, c := range cs {
		if ins[c.SessionID] == nil {
			ins[c.SessionID] = map[string]CheckIn{}
		}
		ins[c.SessionID][c.Entry] = c
	}
	return recs, ins, nil
}

// greenMembers are the guild's members (listed once, then kept until someone
// joins) and the users learned from check-ins. A transport that cannot list
// members yields only the learned ones.
func (b *Bot) greenMembers(ctx context.Context) Members {
	b.green.mu.Lock()
	cached := b.green.members
	b.green.mu.Unlock()
	if cached != nil {
		return *cached
	}
	var m Members
	list, err := []User(nil), error(nil)
	if pg, ok := b.out.(PosterGuild); ok {
		list, err = pg.GuildMembers(ctx)
		if err != nil {
			b.log.Error("green room: list members; mentions only for those who checked in", "err", err)
		}
	}
	for _, u := range list {
		m.add(u)
	}
	b.green.mu.Lock()
	for _, u := range b.green.known {
		m.add(u)
	}
	if err == nil {
		b.green.members, b.green.listed = &m, len(list) > 0
	}
	b.green.mu.Unlock()
	return m
}

// sendGreen records p as pending, sends it and records the outcome. A nudge or
// an escalation with no one missing is recorded as all-in and not sent. Only a
// store error stops the bot.
func (b *Bot) sendGreen(ctx context.Context, prog *Program, p GreenPing, state GreenState, upSince time.Time) error {
	st := b.greenStore
	rec := GreenRecord{Key: p.Key, Due: p.Due, Status: StatusPending}
	put := func(ctx context.Context) error {
		if err := st.PutGreenRecord(ctx, rec); err != nil {
			return fmt.Errorf("record green-room %s of %s: %w", p.Key.Kind, p.Key.SessionID, err)
		}
		return nil
	}
	if (p.Key.Kind == GreenNudge || p.Key.Kind == GreenEscalate) && len(state.Missing) == 0 {
		rec.Status, rec.At = StatusAllIn, b.clock.Now()
		b.log.Info("green-room ping not needed: everyone is in", "session", p.Key.SessionID, "kind", p.Key.Kind, "lead", p.Key.Lead)
		return put(ctx)
	}
	if err := put(ctx); err != nil {
		return err
	}
	pctx, cancel := inFlight(ctx)
	defer cancel()
	note := ""
	if p.Key.Kind == GreenBriefing {
		note = b.topQuestions(pctx, p.Session.ID)
	}
	m := RenderGreen(prog, p, state, note)
	var err error
	if p.DM {
		err = b.dmGreen(pctx, p, state, m)
	} else {
		var posted Posted
		posted, err = b.out.Post(pctx, m)
		rec.ChannelID, rec.MessageID, rec.Shown = posted.ChannelID, posted.MessageID, shownHash(m)
	}
	rec.At = b.clock.Now()
	switch {
	case err != nil:
		rec.Status, rec.Error = StatusFailed, err.Error()
		b.log.Error("green-room ping failed", "session", p.Key.SessionID, "kind", p.Key.Kind, "lead", p.Key.Lead, "err", err)
		if !p.DM {
			b.notifyModerators(pctx, fmt.Sprintf("⚠️ The green-room %s for **%s** could not be posted: %v", p.Key.Kind, p.Session.Title, err))
		}
	case p.Due.Before(upSince):
		rec.Status = StatusLate
	default:
		rec.Status = StatusSent
	}
	if err == nil {
		b.log.Info("green-room ping sent", "session", p.Key.SessionID, "kind", p.Key.Kind, "lead", p.Key.Lead,
			"due", p.Due, "lateness", rec.At.Sub(p.Due), "missing", len(state.Missing), "message", rec.MessageID)
	}
	return put(pctx)
}

// dmGreen sends a direct-message ping: a nudge to each person missing, the
// briefing to the chair. Each message has its own nonce. It fails only when no
// message could be sent.
func (b *Bot) dmGreen(ctx context.Context, p GreenPing, state GreenState, m Message) error {
	dmer, ok := b.out.(DirectMessenger)
	if !ok {
		return errors.New("this transport cannot send direct messages")
	}
	to := state.Missing
	if p.Key.Kind == GreenBriefing {
		to = []string{p.Session.Chair}
	}
	var errs []error
	sent := 0
	for _, e := range to {
		id, ok := state.IDs[e]
		if !ok {
			errs = append(errs, fmt.Errorf("@%s is not in the server", e))
			continue
		}
		dm := m
		dm.Nonce = p.Nonce(id)
		if err := dmer.DM(ctx, id, dm); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	err := errors.Join(errs...)
	if sent > 0 && err != nil {
		b.log.Warn("green-room direct messages: some not sent", "session", p.Key.SessionID, "kind", p.Key.Kind, "err", err)
		return nil
	}
	return err
}

// topQuestions is the briefing's list of the session's top-voted open questions.
func (b *Bot) topQuestions(ctx context.Context, sessionID string) string {
	if b.qs == nil {
		return ""
	}
	qs, err := b.qs.Questions(ctx, QuestionFilter{SessionID: sessionID, Status: QuestionOpen})
	if err != nil {
		b.log.Error("briefing: read questions", "session", sessionID, "err", err)
		return ""
	}
	if len(qs) == 0 {
		return "No open questions for it yet."
	}
	var sb strings.Builder
	sb.WriteString("Top questions:")
	for _, q := range qs[:min(3, len(qs))] {
		fmt.Fprintf(&sb, "\n#%d (%s): %s", q.ID, plural(q.Votes, "vote"), Truncate(strings.Join(strings.Fields(q.Text), " "), 200))
	}
	return sb.String()
}

// refreshGreen brings the green room in step with the check-ins and the
// members: rights for the listed people who are in the server, one notice of
// those who are not, and the posted check-ins and escalations edited where
// what they show changed.
func (b *Bot) refreshGreen(ctx context.Context, prog *Program, members Members) error {
	st := b.greenStore
	recs, ins, err := greenRead(ctx, st)
	if err != nil {
		return err
	}
	b.greenRights(ctx, prog, members, ins)
	ed, ok := b.out.(Editor)
	if !ok {
		return nil
	}
	now := b.clock.Now()
	for _, rec := range recs {
		if rec.MessageID == "" || (rec.Key.Kind != GreenCheckIn && rec.Key.Kind != GreenEscalate) {
			continue
		}
		sess, ok := prog.Schedule.Session(rec.Key.SessionID)
		if !ok || !now.Before(sess.End) {
			continue
		}
		p := GreenPing{Key: rec.Key, Due: rec.Due, Session: sess}
		m := RenderGreen(prog, p, greenState(sess, ins, members), "")
		h := shownHash(m)
		if h == rec.Shown {
			continue
		}
		if err := ed.Edit(ctx, rec.ChannelID, rec.MessageID, m); err != nil {
			b.log.Error("green room: edit message", "session", sess.ID, "kind", rec.Key.Kind, "message", rec.MessageID, "err", err)
			continue
		}
		rec.Shown = h
		if err := st.PutGreenRecord(ctx, rec); err != nil {
			return fmt.Errorf("record green-room edit of %s: %w", sess.ID, err)
		}
		b.log.Info("green room: message edited", "session", sess.ID, "kind", rec.Key.Kind, "message", rec.MessageID, "missing", len(greenState(sess, ins, members).Missing))
	}
	return nil
}

// greenRights grants the listed people found in the server their rights in the
// green room, and tells the moderators once who is not in the server. It never
// removes rights: a moderator may have given them to someone not listed.
func (b *Bot) greenRights(ctx context.Context, prog *Program, members Members, ins map[string]map[string]CheckIn) {
	var missing []string
	ids := []string{}
	for _, sess := range prog.Schedule.Sessions {
		st := greenState(sess, ins, members)
		for _, e := range Listed(sess) {
			if id, ok := st.IDs[e]; ok {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			} else if !slices.Contains(missing, e) {
				missing = append(missing, e)
			}
		}
	}
	pg, ok := b.out.(PosterGuild)
	gg, ok2 := b.out.(GreenRoomGuild)
	if !ok || !ok2 {
		return
	}
	b.green.mu.Lock()
	listed := b.green.listed
	b.green.mu.Unlock()
	if listed { // the transport lists members: say who is not there
		report := strings.Join(missing, ", ")
		b.green.mu.Lock()
		tell := report != b.green.reported
		b.green.reported = report
		b.green.mu.Unlock()
		if tell && report != "" {
			b.notifyModerators(ctx, Truncate("🎬 Green room: not in the server (yet), so not mentioned nor let in: @"+strings.ReplaceAll(report, ", ", ", @")+
				". They get access when they join; check their usernames in schedule.yaml.", MaxContent))
		}
	}
	chID := gg.ChannelID(ChannelGreenRoom)
	if chID == "" {
		return
	}
	chans, err := pg.GuildChannels(ctx)
	if err != nil {
		b.log.Error("green room: list channels", "err", err)
		return
	}
	have := map[string]int64{}
	for _, c := range chans {
		if c.ID == chID {
			for _, o := range c.Overwrites {
				if o.Member {
					have[o.ID] = o.Allow
				}
			}
		}
	}
	_, self := pg.GuildIdentity()
	for _, id := range ids {
		if id == self || have[id]&GreenRoomRights == GreenRoomRights {
			continue
		}
		if err := pg.SetOverwrite(ctx, chID, Overwrite{ID: id, Member: true, Allow: GreenRoomRights | have[id]}); err != nil {
			b.log.Error("green room: grant access", "user", id, "err", err)
			continue
		}
		b.log.Info("green room: access granted", "user", id, "channel", chID)
	}
}

// recoverGreen settles green-room pings left pending by a crash, as recover does
// reminders: left pending (and so sent again with the same nonces) on a
// transport that deduplicates, recorded as unknown elsewhere.
func (b *Bot) recoverGreen(ctx context.Context, dedup bool) error {
	st := b.greenStore
	if st == nil { // no GreenRoomFeature
		return nil
	}
	list, err := st.GreenRecords(ctx)
	if err != nil {
		return fmt.Errorf("read green-room pings: %w", err)
	}
	for _, rec := range list {
		if rec.Status != StatusPending || dedup {
			continue
		}
		rec.Status, rec.Error = StatusUnknown, "interrupted while sending; not retried, to avoid a duplicate"
		if err := st.PutGreenRecord(ctx, rec); err != nil {
			return fmt.Errorf("settle green-room %s of %s: %w", rec.Key.Kind, rec.Key.SessionID, err)
		}
		b.log.Warn("green-room ping interrupted by a restart: it may or may not have been sent", "session", rec.Key.SessionID, "kind", rec.Key.Kind)
	}
	return nil
}

// GreenEntry is a session of the green room as the dashboard shows it.
type GreenEntry struct {
	SessionID string        `json:"session_id"`
	Title     string        `json:"title"`
	Start     time.Time     `json:"start"`
	People    []GreenPerson `json:"people"`
}

// GreenPerson is one listed person's state: "in" (checked in), "reminded" (a
// nudge went out and they are not in), "missing" (the moderators were told, or
// the session started without them) or "waiting".
type GreenPerson struct {
	Name  string    `json:"name"`
	Chair bool      `json:"chair,omitempty"`
	State string    `json:"state"`
	At    time.Time `json:"at,omitzero"` // when they checked in
}

// greenOverview is the green room of the next two sessions that list people and
// have not ended, for the dashboard; nil without a green room.
func (b *Bot) greenOverview(ctx context.Context, prog *Program, now time.Time) ([]GreenEntry, error) {
	st := b.greenStore
	if st == nil || !HasGreenRoom(prog.Schedule) {
		return nil, nil
	}
	recs, ins, err := greenRead(ctx, st)
	if err != nil {
		return nil, err
	}
	sent := func(r GreenRecord) bool { return r.Status == StatusSent || r.Status == StatusLate }
	out := []GreenEntry{}
	for _, sess := range prog.Schedule.Sessions {
		if len(out) == 2 {
			break
		}
		if len(Listed(sess)) == 0 || !now.Before(sess.End) {
			continue
		}
		nudged, escalated := false, !now.Before(sess.Start)
		for _, r := range recs {
			if r.Key.SessionID != sess.ID || !sent(r) {
				continue
			}
			nudged = nudged || r.Key.Kind == GreenNudge
			escalated = escalated || r.Key.Kind == GreenEscalate
		}
		e := GreenEntry{SessionID: sess.ID, Title: sess.Title, Start: sess.Start}
		for _, name := range Listed(sess) {
			p := GreenPerson{Name: name, Chair: name == sess.Chair, State: "waiting"}
			c, in := ins[sess.ID][name]
			switch {
			case in:
				p.State, p.At = "in", c.At
			case escalated:
				p.State = "missing"
			case nudged:
				p.State = "reminded"
			}
			e.People = append(e.People, p)
		}
		out = append(out, e)
	}
	return out, nil
}
