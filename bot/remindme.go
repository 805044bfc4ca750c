package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DirectMessenger is implemented by transports that can write to one user
// privately (Discord's DMs; the console prints them).
type DirectMessenger interface {
	// DM sends m to the user. Content and Nonce are used; Channel, if set, is
	// the user's direct-message channel, already opened (DMOpener).
	DM(ctx context.Context, userID string, m Message) error
}

// Subscription is one attendee's request for a direct message before a session.
type Subscription struct {
	UserID    string
	UserName  string
	SessionID string
	Before    time.Duration // how long before the session starts
	// DM: a direct message rather than the session's reminder role (the
	// subscriber's choice, or the fallback when the guild has no room for
	// roles). Transports without roles send direct messages whatever it says.
	DM bool
	// DMChannel is the direct-message channel, opened when the subscriber
	// asked (DMOpener); "" to open it when sending.
	DMChannel string
}

// DMKey names one direct message: a user and a session.
type DMKey struct {
	UserID    string
	SessionID string
}

// DMRecord is the stored trace of one direct message. A record exists from just
// before the message is sent: a message interrupted by a crash stays pending and is
// not sent again.
type DMRecord struct {
	Key    DMKey
	Due    time.Time
	Status ReminderStatus // pending, sent, skipped or failed
	At     time.Time      // when it was sent or given up
	Error  string
}

// DMStore keeps subscriptions and what became of their messages. Implemented by
// bot/sqlite; without it /remindme is off.
type DMStore interface {
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// PutSubscription adds or replaces the subscription of s.UserID to s.SessionID.
	PutSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription removes it; removing one that is not there is no error.
	DeleteSubscription(ctx context.Context, userID, sessionID string) error
	DMRecords(ctx context.Context) ([]DMRecord, error)
	// PutDMRecord inserts or replaces the record for r.Key.
	PutDMRecord(ctx context.Context, r DMRecord) error
}

// DefaultBefore is how long before a session /remindme writes when not told.
const DefaultBefore = 10 * time.Minute

// DM is one planned direct message.
type DM struct {
	Sub     Subscription
	Session Session
	Due     time.Time
}

// DMDecision is what to do with the direct messages at one instant.
type DMDecision struct {
	Send []DM      // due now: send them
	Skip []DM      // missed by more than the catch-up window, or their session is over
	Next time.Time // when the next one falls due; zero if none
}

// DecideDMs is the pure rule of /remindme: given the subscriptions, the schedule,
// what has been recorded, the instant now, when the bot came up and the catch-up
// window, which messages to send and which to skip. As with reminders, a recorded
// message is done (whatever its status: a refused DM is not tried again), unless its
// session has moved later by more than the subscription's lead since; a message
// that fell due while the bot was down is sent within the catch-up window, and a
// message whose session has ended is skipped. A subscription to a session no longer
// in the program is ignored.
func DecideDMs(subs []Subscription, s *Schedule, done map[DMKey]DMRecord, now, upSince time.Time, catchUp time.Duration) DMDecision {
	var d DMDecision
	for _, sub := range subs {
		sess, ok := s.Session(sub.SessionID)
		if !ok {
			continue
		}
		dm := DM{Sub: sub, Session: sess, Due: sess.Start.Add(-sub.Before)}
		if rec, ok := done[DMKey{sub.UserID, sub.SessionID}]; ok && !dm.Due.After(rec.Due.Add(sub.Before)) {
			continue
		}
		switch {
		case dm.Due.After(now):
			if d.Next.IsZero() || dm.Due.Before(d.Next) {
				d.Next = dm.Due
			}
		case !now.Before(sess.End):
			d.Skip = append(d.Skip, dm)
		case !dm.Due.Before(upSince) || now.Sub(dm.Due) <= catchUp:
			d.Send = append(d.Send, dm)
		default:
			d.Skip = append(d.Skip, dm)
		}
	}
	slices.SortStableFunc(d.Send, func(a, b DM) int { return a.Due.Compare(b.Due) })
	return d
}

// RenderDM is the one place that turns a /remindme message into text.
func RenderDM(p *Program, dm DM, now time.Time) Message {
	sess := dm.Session
	starts := "starts " + stamp(sess.Start, 't') + " (" + stamp(sess.Start, 'R') + ")"
	if !now.Before(sess.Start) {
		starts = "has started (" + stamp(sess.Start, 't') + ")"
	}
	text := fmt.Sprintf("⏰ %s %s: %s.", kindLabel(sess), starts, headline(sess))
	if l := linkLine(p.Schedule, sess); l != "" {
		text += "\n" + l
	}
	text += fmt.Sprintf("\nYou asked for this with `/remindme` in %s; run `/remindme %s` again to stop.", p.Schedule.Workshop.ShortName, sess.ID)
	return Message{
		Content: Truncate(text, MaxContent),
		Nonce:   fmt.Sprintf("d:%s:%s:%d", dm.Sub.UserID, sess.ID, dm.Due.Unix()),
	}
}

// earliest is the earlier of two instants, a zero one meaning "never".
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// stepRemindme runs /remindme's due work: the reminder roles' pings, then the
// direct messages. It returns when the next falls due and whether it sent any.
func (b *Bot) stepRemindme(ctx context.Context, prog *Program, upSince time.Time) (time.Time, bool, error) {
	st := b.dmStore
	if st == nil {
		return time.Time{}, false, nil
	}
	subs, err := st.Subscriptions(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read subscriptions: %w", err)
	}
	roleNext, pinged, err := b.stepRoles(ctx, prog, subs, upSince)
	if err != nil {
		return time.Time{}, false, err
	}
	if _, _, roles := b.roleMode(); roles {
		subs = slices.DeleteFunc(subs, func(s Subscription) bool { return !s.DM })
	}
	dmNext, sent, err := b.stepDMs(ctx, st, prog, subs, upSince)
	if err != nil {
		return time.Time{}, false, err
	}
	return earliest(roleNext, dmNext), pinged || sent, nil
}

// dmWorkers is how many direct messages are in flight at once: the shared REST
// pacer, not this, keeps them under Discord's global limit; the workers only
// keep the network's round trips from adding up one after another.
const dmWorkers = 8

// stepDMs sends the direct messages of subs due now, when the transport can,
// several at once. It returns when the next falls due and whether it sent any.
func (b *Bot) stepDMs(ctx context.Context, st DMStore, prog *Program, subs []Subscription, upSince time.Time) (time.Time, bool, error) {
	dmer, ok := b.out.(DirectMessenger)
	if !ok || len(subs) == 0 {
		return time.Time{}, false, nil
	}
	list, err := st.DMRecords(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read direct messages: %w", err)
	}
	done := make(map[DMKey]DMRecord, len(list))
	for _, r := range list {
		done[r.Key] = r
	}
	now := b.clock.Now()
	d := DecideDMs(subs, prog.Schedule, done, now, upSince, prog.Schedule.Reminders.CatchUp)
	for _, dm := range d.Skip {
		rec := DMRecord{Key: DMKey{dm.Sub.UserID, dm.Session.ID}, Due: dm.Due, Status: StatusSkipped, At: now}
		if err := st.PutDMRecord(ctx, rec); err != nil {
			return time.Time{}, false, fmt.Errorf("skip direct message: %w", err)
		}
		b.log.Warn("direct message skipped: missed while down", "user", dm.Sub.UserID, "session", dm.Session.ID, "due", dm.Due)
	}
	jobs := make(chan DM)
	errs := make(chan error, dmWorkers)
	var wg sync.WaitGroup
	for range min(dmWorkers, len(d.Send)) {
		wg.Add(1)
		go func() { // ends when jobs is closed
			defer wg.Done()
			for dm := range jobs {
				if err := b.sendDM(ctx, st, dmer, prog, dm); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, dm := range d.Send {
		if ctx.Err() != nil {
			break
		}
		jobs <- dm
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return time.Time{}, false, err
	default:
	}
	if err := ctx.Err(); err != nil && len(d.Send) > 0 {
		return time.Time{}, false, fmt.Errorf("send direct messages: %w", err)
	}
	return d.Next, len(d.Send) > 0, nil
}

// sendDM records the message as pending, sends it and records the outcome. A
// refusal (the user closed their DMs) is recorded as failed and not tried again.
func (b *Bot) sendDM(ctx context.Context, st DMStore, dmer DirectMessenger, prog *Program, dm DM) error {
	key := DMKey{dm.Sub.UserID, dm.Session.ID}
	rec := DMRecord{Key: key, Due: dm.Due, Status: StatusPending}
	if err := st.PutDMRecord(ctx, rec); err != nil {
		return fmt.Errorf("record direct message: %w", err)
	}
	pctx, cancel := inFlight(ctx)
	defer cancel()
	m := RenderDM(prog, dm, b.clock.Now())
	m.Channel = dm.Sub.DMChannel
	err := dmer.DM(pctx, dm.Sub.UserID, m)
	rec.At = b.clock.Now()
	if err != nil {
		rec.Status, rec.Error = StatusFailed, err.Error()
		b.log.Warn("direct message refused or failed; not retried", "user", dm.Sub.UserID, "session", dm.Session.ID, "err", err)
	} else {
		rec.Status = StatusSent
		b.log.Info("direct message sent", "user", dm.Sub.UserID, "session", dm.Session.ID, "due", dm.Due, "lateness", rec.At.Sub(dm.Due))
	}
	if err := st.PutDMRecord(pctx, rec); err != nil {
		return fmt.Errorf("record direct message: %w", err)
	}
	return nil
}

// findSession is the session named by id or title; "" names none.
func findSession(s *Schedule, v string) (Session, bool) {
	if strings.TrimSpace(v) == "" {
		return Session{}, false
	}
	return resolveSession(s, v)
}

// poke makes Run look at what is due again (a new subscription).
func (b *Bot) poke() { signal(b.wake) }

var remindmeSpecs = []CommandSpec{
	{Name: "remindme", Description: "Get a reminder before a session (run it again to stop)", Options: []OptionSpec{
		{Name: "session", Description: "The session", Type: OptionString, Required: true, Autocomplete: true},
		{Name: "before", Description: "Minutes before it starts (default 10)", Type: OptionInteger},
		{Name: "dm", Description: "A direct message rather than a mention in the announcements", Type: OptionBoolean},
	}},
}

// RemindMeFeature is /remindme, and the reminder roles' pings and direct
// messages it sends with the reminders.
func RemindMeFeature() Feature {
	return Feature{
		Name:     "remindme",
		Specs:    remindmeSpecs,
		Commands: map[string]Handler{"remindme": handleRemindMe},
		Step:     (*Bot).stepRemindme,
		Init: func(b *Bot) (err error) {
			if b.dmStore, err = storeAs[DMStore](b, "keep /remindme's subscriptions (bot.DMStore)"); err != nil {
				return err
			}
			b.roleStore, err = storeAs[RoleStore](b, "keep /remindme's reminder roles (bot.RoleStore)")
			return err
		},
	}
}

// handleRemindMe toggles a subscription: the same command again stops it; with a
// different `before` or `dm` it changes it. On a transport with roles the
// subscriber gets the reminder role of the session and lead (RoleManager), or,
// with dm:true or when the guild has no room for roles, a direct message whose
// channel is opened now.
func handleRemindMe(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	sess, ok := findSession(prog.Schedule, c.Options["session"])
	if !ok {
		return ephemeral(fmt.Sprintf("No session %q. Pick one from the list, or see `/schedule`.", c.Options["session"]))
	}
	before, given, bad := remindMeBefore(c)
	if bad != "" {
		return ephemeral(bad)
	}
	dmOpt, dmGiven := c.Options["dm"] == "true", strings.TrimSpace(c.Options["dm"]) != ""
	st := b.dmStore
	if _, ok := b.out.(DirectMessenger); st == nil || !ok {
		return ephemeral("Reminders are not available on this bot.")
	}
	rm, rs, roles := b.roleMode()
	subs, err := st.Subscriptions(ctx)
	if err != nil {
		return b.internal(err, "/remindme: read subscriptions")
	}
	var old *Subscription
	if i := slices.IndexFunc(subs, func(s Subscription) bool { return s.UserID == c.User.ID && s.SessionID == sess.ID }); i >= 0 {
		old = &subs[i]
	}
	if old != nil && (!given || old.Before == before) && (!dmGiven || old.DM == dmOpt) {
		if err := st.DeleteSubscription(ctx, c.User.ID, sess.ID); err != nil {
			return b.internal(err, "/remindme: delete subscription")
		}
		if err := b.takeReminderRole(ctx, rm, rs, roles, *old); err != nil {
			b.log.Warn("/remindme: reminder role not taken back", "user", c.User.ID, "session", sess.ID, "err", err)
		}
		return ephemeral(fmt.Sprintf("OK, no reminder for **%s**.", sess.Title))
	}
	if !now.Before(sess.Start.Add(-before)) {
		if now.Before(sess.End) {
			return ephemeral(fmt.Sprintf("**%s** starts %s: too soon for a reminder %s before. It is in `/next`.", sess.Title, stamp(sess.Start, 'R'), durationWords(before)))
		}
		return ephemeral(fmt.Sprintf("**%s** is over.", sess.Title))
	}
	sub := Subscription{UserID: c.User.ID, UserName: c.User.Name, SessionID: sess.ID, Before: before, DM: dmOpt || !roles}
	if old != nil && !dmGiven {
		sub.DM = old.DM || !roles
	}
	fallback, refused := b.remindMeHow(ctx, c, rm, rs, &sub)
	if refused != "" {
		return ephemeral(refused)
	}
	if err := st.PutSubscription(ctx, sub); err != nil {
		return b.internal(err, "/remindme: put subscription")
	}
	if old != nil && (old.Before != sub.Before || old.DM != sub.DM) {
		if err := b.takeReminderRole(ctx, rm, rs, roles, *old); err != nil {
			b.log.Warn("/remindme: old reminder role not taken back", "user", c.User.ID, "session", sess.ID, "err", err)
		}
	}
	b.poke()
	how := "mention you in the announcements"
	if sub.DM {
		how = "send you a direct message" + fallback
	}
	return ephemeral(fmt.Sprintf("I will %s %s before **%s** (%s, %s). Run `/remindme %s` again to cancel.",
		how, durationWords(before), sess.Title, stamp(sess.Start, 't'), stamp(sess.Start, 'R'), sess.ID))
}

// remindMeBefore reads /remindme's before option: how long before, whether it
// was given, or what is wrong with it.
func remindMeBefore(c Command) (before time.Duration, given bool, bad string) {
	before = DefaultBefore
	if v := strings.TrimSpace(c.Options["before"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 24*60 {
			return 0, false, fmt.Sprintf("before: %q is not a number of minutes from 0 to 1440.", v)
		}
		before, given = time.Duration(n)*time.Minute, true
	}
	return before, given, ""
}

// remindMeHow settles how sub's reminder comes: the reminder role of its
// session and lead, or else a direct message, whose channel is opened now.
// It returns the note the reply adds when the role could not be given, or a
// refusal when no direct message can be sent.
func (b *Bot) remindMeHow(ctx context.Context, c Command, rm RoleManager, rs RoleStore, sub *Subscription) (fallback, refused string) {
	if !sub.DM {
		if err := b.giveReminderRole(ctx, rm, rs, c.User.ID, RoleKey{sub.SessionID, sub.Before}); err != nil {
			fallback = " (the reminder role could not be given)"
			if errors.Is(err, ErrRoleLimit) {
				b.warnRoleLimit(ctx, err)
				fallback = " (the server has no room for a reminder role)"
			} else {
				b.log.Warn("/remindme: no reminder role; a direct message instead", "user", c.User.ID, "session", sub.SessionID, "err", err)
			}
			sub.DM = true
		}
	}
	if sub.DM {
		if o, ok := b.out.(DMOpener); ok {
			ch, err := o.OpenDM(ctx, c.User.ID)
			if err != nil {
				b.log.Warn("/remindme: DM channel not opened", "user", c.User.ID, "err", err)
				return "", "I cannot open a direct message with you. Check that you accept direct messages from server members, or subscribe without `dm`."
			}
			sub.DMChannel = ch
		}
	}
	return fallback, ""
}

// takeReminderRole takes back the reminder role of a subscription that ended
// or changed, if it had one.
func (b *Bot) takeReminderRole(ctx context.Context, rm RoleManager, rs RoleStore, roles bool, sub Subscription) error {
	if !roles || sub.DM {
		return nil
	}
	list, err := rs.RemindRoles(ctx)
	if err != nil {
		return fmt.Errorf("read reminder roles: %w", err)
	}
	i := slices.IndexFunc(list, func(r RemindRole) bool { return r.Key() == RoleKey{sub.SessionID, sub.Before} && !r.Removed })
	if i < 0 {
		return nil
	}
	if err := rm.TakeRole(ctx, sub.UserID, list[i].RoleID); err != nil {
		return fmt.Errorf("take reminder role %s: %w", list[i].RoleID, err)
	}
	return nil
}
