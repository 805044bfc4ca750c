package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// /remindme at the scale of a panel. On a transport with roles (Discord), a
// subscriber gets the reminder role of the session and lead they asked for, and
// one message in the session's announcements channel pings that role when it
// falls due: 300 people, one message, where 300 direct messages would each need
// a DM channel opened and would trickle out under the rate limits (and look
// like spam to Discord). A direct message stays the subscriber's choice
// (`dm:true`), and the fallback when the guild is near its role limit. The
// console has no roles: it keeps direct messages.

// RoleManager is implemented by transports that can give members a role the bot
// owns and ping it (Discord). The roles it makes hold no permissions and are
// not mentionable by members, so only the bot can ping them.
type RoleManager interface {
	// ReminderRole returns the id of the role named name, creating it if the
	// guild has none: found by name, a role made before a crash that lost its
	// record is used again rather than duplicated. It fails with ErrRoleLimit
	// when the guild is near Discord's limit of 250 roles.
	ReminderRole(ctx context.Context, name string) (string, error)
	// GiveRole and TakeRole add the role to a member or take it away; both
	// may be repeated.
	GiveRole(ctx context.Context, userID, roleID string) error
	TakeRole(ctx context.Context, userID, roleID string) error
	// DeleteRole deletes the role, which takes it from everyone at once; a
	// role already gone is no error.
	DeleteRole(ctx context.Context, roleID string) error
}

// DMOpener is implemented by transports that open a user's direct-message
// channel ahead of time, so that sending later is one request.
type DMOpener interface {
	OpenDM(ctx context.Context, userID string) (channelID string, err error)
}

// ErrRoleLimit is the guild being too near Discord's role limit to make more.
var ErrRoleLimit = errors.New("the server is near Discord's limit of 250 roles")

// ErrUnknownRole is a role that is no longer in the guild (a moderator deleted
// it): GiveRole wraps it, and /remindme makes the role again.
var ErrUnknownRole = errors.New("the role is not in the server")

// RoleKey names one reminder role: a session and a lead. Subscribers who ask
// for the same lead share it, so each ping reaches just the people who asked
// for that moment.
type RoleKey struct {
	SessionID string
	Before    time.Duration
}

// RemindRole is the stored trace of one reminder role: the role the bot made,
// what became of its ping, and whether it was deleted after the session.
type RemindRole struct {
	SessionID string
	Before    time.Duration
	RoleID    string
	Due       time.Time      // when the ping fell due, once recorded
	Status    ReminderStatus // "" until the ping is due; then pending, sent, failed or skipped
	At        time.Time
	Error     string
	Removed   bool // deleted after the session
}

// Key is r's session and lead.
func (r RemindRole) Key() RoleKey { return RoleKey{r.SessionID, r.Before} }

// RoleStore keeps the reminder roles. Implemented by bot/sqlite and bot/postgres.
type RoleStore interface {
	RemindRoles(ctx context.Context) ([]RemindRole, error)
	// PutRemindRole inserts or replaces the record of r.Key().
	PutRemindRole(ctx context.Context, r RemindRole) error
}

// RoleName is the name of a reminder role, the same across restarts, so that a
// role whose record was lost is found again in the guild.
func RoleName(k RoleKey) string {
	return Truncate(fmt.Sprintf("⏰ %s −%dm", k.SessionID, int(k.Before/time.Minute)), 100)
}

// RolePing is one due ping of a reminder role.
type RolePing struct {
	Role    RemindRole
	Session Session
	Due     time.Time
	Count   int // subscribers who hold the role
}

// RoleDecision is what to do with the reminder roles at one instant.
type RoleDecision struct {
	Send   []RolePing   // due now
	Skip   []RolePing   // missed by more than the catch-up window while down
	Remove []RemindRole // their session is over (or gone): delete the role
	Next   time.Time    // when the next ping falls due; zero if none
}

// DecideRoles is the pure rule of the reminder roles, the same as DecideDMs's
// for direct messages: a ping is done once recorded, unless its session moved
// later by more than the lead since; one that fell due while the bot was down
// is posted within the catch-up window, else skipped; a role without
// subscribers pings no one. retryPending says whether a ping left pending by a
// crash is posted again (a transport that deduplicates by nonce) or is done.
// A role is removed once its session is over, or gone from the program.
func DecideRoles(subs []Subscription, s *Schedule, roles []RemindRole, now, upSince time.Time, catchUp time.Duration, retryPending bool) RoleDecision {
	count := map[RoleKey]int{}
	for _, sub := range subs {
		if !sub.DM {
			count[RoleKey{sub.SessionID, sub.Before}]++
		}
	}
	var d RoleDecision
	for _, r := range roles {
		if r.Removed {
			continue
		}
		sess, ok := s.Session(r.SessionID)
		if !ok || !now.Before(sess.End) {
			d.Remove = append(d.Remove, r)
			continue
		}
		n := count[r.Key()]
		if n == 0 {
			continue
		}
		due := sess.Start.Add(-r.Before)
		done := r.Status != "" && !(r.Status == StatusPending && retryPending)
		if done && !due.After(r.Due.Add(r.Before)) {
			continue
		}
		p := RolePing{Role: r, Session: sess, Due: due, Count: n}
		switch {
		case due.After(now):
			d.Next = earliest(d.Next, due)
		case !due.Before(upSince) || now.Sub(due) <= catchUp:
			d.Send = append(d.Send, p)
		default:
			d.Skip = append(d.Skip, p)
		}
	}
	slices.SortStableFunc(d.Send, func(a, b RolePing) int { return a.Due.Compare(b.Due) })
	return d
}

// RenderRolePing is the one place that turns a reminder role's ping into a
// message: posted where the session's reminders go, it mentions the role, and
// only the role may be pinged.
func RenderRolePing(p *Program, rp RolePing, now time.Time) Message {
	sess := rp.Session
	starts := "starts " + stamp(sess.Start, 't') + " (" + stamp(sess.Start, 'R') + ")"
	if !now.Before(sess.Start) {
		starts = "has started (" + stamp(sess.Start, 't') + ")"
	}
	text := fmt.Sprintf("⏰ %s %s: %s.", kindLabel(sess), starts, headline(sess))
	if l := linkLine(p.Schedule, sess); l != "" {
		text += "\n" + l
	}
	text += fmt.Sprintf("\n(For the %d who asked with `/remindme`; run `/remindme %s` again to stop.)", rp.Count, sess.ID)
	return Message{
		Channel:     p.Schedule.AnnouncementsFor(sess),
		Content:     Truncate(text, MaxContent-30), // room for the mention
		Nonce:       fmt.Sprintf("g:%s:%d:%d", sess.ID, int(rp.Role.Before/time.Minute), rp.Due.Unix()),
		MentionRole: rp.Role.RoleID,
	}
}

// remindState is what /remindme keeps between commands.
type remindState struct {
	mu     sync.Mutex // one role made at a time: two subscribers at once share it
	warned bool       // the moderators were told the guild is near its role limit
}

// roleMode reports whether /remindme uses roles: the transport has them and the
// store keeps them.
func (b *Bot) roleMode() (RoleManager, RoleStore, bool) {
	rm, ok := b.out.(RoleManager)
	rs := b.roleStore
	return rm, rs, ok && rs != nil
}

// giveReminderRole gives the user the reminder role for k, making the role if
// there is none yet, or again if it was deleted from the guild.
func (b *Bot) giveReminderRole(ctx context.Context, rm RoleManager, rs RoleStore, userID string, k RoleKey) error {
	for attempt := 1; ; attempt++ {
		role, err := b.subscriberRole(ctx, rm, rs, k, "")
		if err != nil {
			return err
		}
		err = rm.GiveRole(ctx, userID, role)
		if err == nil || !errors.Is(err, ErrUnknownRole) || attempt == 2 {
			return err
		}
		b.log.Warn("reminder role gone from the guild; making it again", "session", k.SessionID, "role", role)
		if _, err := b.subscriberRole(ctx, rm, rs, k, role); err != nil {
			return err
		}
	}
}

// subscriberRole returns the reminder role for k, making it (and its record)
// if there is none yet. A gone role id, when set, is recorded as removed
// first.
func (b *Bot) subscriberRole(ctx context.Context, rm RoleManager, rs RoleStore, k RoleKey, gone string) (string, error) {
	b.remind.mu.Lock()
	defer b.remind.mu.Unlock()
	roles, err := rs.RemindRoles(ctx)
	if err != nil {
		return "", fmt.Errorf("read reminder roles: %w", err)
	}
	if i := slices.IndexFunc(roles, func(r RemindRole) bool { return r.Key() == k }); i >= 0 && !roles[i].Removed {
		if roles[i].RoleID != gone {
			return roles[i].RoleID, nil
		}
		rec := roles[i]
		rec.Removed = true
		if err := rs.PutRemindRole(ctx, rec); err != nil {
			return "", fmt.Errorf("record reminder role %s gone: %w", gone, err)
		}
		return gone, nil // the caller asks again, and a new role is made
	}
	id, err := rm.ReminderRole(ctx, RoleName(k))
	if err != nil {
		return "", fmt.Errorf("reminder role %q: %w", RoleName(k), err)
	}
	rec := RemindRole{SessionID: k.SessionID, Before: k.Before, RoleID: id}
	if err := rs.PutRemindRole(ctx, rec); err != nil {
		return "", fmt.Errorf("record reminder role %s: %w", id, err)
	}
	b.log.Info("reminder role ready", "session", k.SessionID, "before", k.Before, "role", id)
	return id, nil
}

// warnRoleLimit tells the moderators, once, that /remindme fell back to
// direct messages.
func (b *Bot) warnRoleLimit(ctx context.Context, err error) {
	b.remind.mu.Lock()
	warned := b.remind.warned
	b.remind.warned = true
	b.remind.mu.Unlock()
	b.log.Warn("/remindme falls back to direct messages", "err", err)
	if !warned {
		b.notifyModerators(ctx, "⚠️ The server is near Discord's limit of 250 roles, so `/remindme` cannot make its reminder roles: subscribers get direct messages instead, which are slower for a large session. Delete unused roles to restore it.")
	}
}

// stepRoles posts the reminder roles' pings that are due and deletes the roles
// of sessions that are over. It returns when the next ping falls due and
// whether it posted any.
func (b *Bot) stepRoles(ctx context.Context, prog *Program, subs []Subscription, upSince time.Time) (time.Time, bool, error) {
	rm, rs, ok := b.roleMode()
	if !ok {
		return time.Time{}, false, nil
	}
	roles, err := rs.RemindRoles(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read reminder roles: %w", err)
	}
	if len(roles) == 0 {
		return time.Time{}, false, nil
	}
	dedup := false
	if d, ok := b.out.(Deduplicator); ok {
		dedup = d.Deduplicates()
	}
	now := b.clock.Now()
	d := DecideRoles(subs, prog.Schedule, roles, now, upSince, prog.Schedule.Reminders.CatchUp, dedup)
	for _, p := range d.Skip {
		rec := p.Role
		rec.Due, rec.Status, rec.At = p.Due, StatusSkipped, now
		if err := rs.PutRemindRole(ctx, rec); err != nil {
			return time.Time{}, false, fmt.Errorf("skip reminder role ping: %w", err)
		}
		b.log.Warn("reminder role ping skipped: missed while down", "session", p.Session.ID, "before", p.Role.Before, "due", p.Due)
	}
	for _, p := range d.Send {
		if err := b.pingRole(ctx, rs, prog, p); err != nil {
			return time.Time{}, false, err
		}
	}
	for _, r := range d.Remove {
		if err := rm.DeleteRole(ctx, r.RoleID); err != nil {
			b.log.Warn("reminder role not deleted; trying again later", "session", r.SessionID, "role", r.RoleID, "err", err)
			continue
		}
		r.Removed = true
		if r.Status == "" {
			r.Status, r.At = StatusSkipped, now
		}
		if err := rs.PutRemindRole(ctx, r); err != nil {
			return time.Time{}, false, fmt.Errorf("record reminder role %s deleted: %w", r.RoleID, err)
		}
		b.log.Info("reminder role deleted after its session", "session", r.SessionID, "before", r.Before, "role", r.RoleID)
	}
	// Look again when the next ping falls due, or when a session whose role is
	// still there ends.
	next := d.Next
	for _, r := range roles {
		if sess, ok := prog.Schedule.Session(r.SessionID); ok && !r.Removed && now.Before(sess.End) {
			next = earliest(next, sess.End)
		}
	}
	return next, len(d.Send) > 0, nil
}

// pingRole records the ping as pending, posts it with its nonce and records the
// outcome; a transport failure is recorded and reported to the moderators.
func (b *Bot) pingRole(ctx context.Context, rs RoleStore, prog *Program, p RolePing) error {
	rec := p.Role
	rec.Due, rec.Status, rec.At, rec.Error = p.Due, StatusPending, time.Time{}, ""
	if err := rs.PutRemindRole(ctx, rec); err != nil {
		return fmt.Errorf("record reminder role ping: %w", err)
	}
	pctx, cancel := inFlight(ctx)
	defer cancel()
	_, err := b.out.Post(pctx, RenderRolePing(prog, p, b.clock.Now()))
	rec.At = b.clock.Now()
	if err != nil {
		rec.Status, rec.Error = StatusFailed, err.Error()
		b.log.Error("reminder role ping failed", "session", p.Session.ID, "before", p.Role.Before, "err", err)
		b.notifyModerators(pctx, fmt.Sprintf("⚠️ The `/remindme` reminder for **%s** (%d subscribers) could not be posted: %v", p.Session.Title, p.Count, err))
	} else {
		rec.Status = StatusSent
		b.log.Info("reminder role pinged", "session", p.Session.ID, "before", p.Role.Before, "role", p.Role.RoleID,
			"subscribers", p.Count, "due", p.Due, "lateness", rec.At.Sub(p.Due))
	}
	if err := rs.PutRemindRole(pctx, rec); err != nil {
		return fmt.Errorf("record reminder role ping: %w", err)
	}
	return nil
}
