package bot

import (
	"fmt"
	"sort"
	"time"
)

// Reminder is one planned post: a session announced Lead before it starts.
type Reminder struct {
	Key     ReminderKey
	Due     time.Time
	Session Session
}

// Nonce is the reminder's idempotency key: the same reminder (same session, lead
// and due instant) always gets the same nonce, so a transport that deduplicates can
// retry it safely, and a session moved to a new time gets a new one.
func (r Reminder) Nonce() string {
	return fmt.Sprintf("r:%s:%d:%d", r.Key.SessionID, int64(r.Key.Lead/time.Second), r.Due.Unix())
}

// Plan lists every reminder the schedule implies, one per (session, lead), ordered
// by due time, then by session order, then longest lead first.
func Plan(s *Schedule) []Reminder {
	var plan []Reminder
	for _, sess := range s.Sessions {
		for _, lead := range s.Reminders.Leads {
			plan = append(plan, Reminder{
				Key:     ReminderKey{SessionID: sess.ID, Lead: lead},
				Due:     sess.Start.Add(-lead),
				Session: sess,
			})
		}
	}
	sort.SliceStable(plan, func(i, j int) bool {
		if !plan[i].Due.Equal(plan[j].Due) {
			return plan[i].Due.Before(plan[j].Due)
		}
		if !plan[i].Session.Start.Equal(plan[j].Session.Start) {
			return plan[i].Session.Start.Before(plan[j].Session.Start)
		}
		return plan[i].Key.Lead > plan[j].Key.Lead
	})
	return plan
}

// Decision is what to do with the reminders at one instant.
type Decision struct {
	Post []Reminder // fell due while the bot was up: post them now, in order
	Late []Reminder // fell due while the bot was down, within the catch-up window: post, marked late
	Skip []Reminder // missed while down by more than the catch-up window, or their session is over
	Next time.Time  // when the next undecided reminder falls due; zero if none
}

// Decide is the pure rule of the reminder engine: given the plan, what has already
// been recorded, the instant now, when the bot came up and the catch-up window,
// which reminders to post, which to post late, which to skip, and when to look again.
//
// A reminder that fell due while the bot was running is posted however busy the
// machine was (unless its session is already over): lateness there is measured, not
// punished. The catch-up window is for reminders missed while the bot was down: a
// reminder that old would mislead, so it is recorded as skipped instead.
//
// A recorded reminder is done, unless its session has moved later by more than the
// lead since it was recorded: then the old reminder no longer tells the truth, and it
// is due again at the new time. A pending record is not done (it is being posted or
// was interrupted by a crash; the bot settles those at start).
func Decide(plan []Reminder, done map[ReminderKey]ReminderRecord, now, upSince time.Time, catchUp time.Duration) Decision {
	var d Decision
	for _, r := range plan {
		if settled(r, done) {
			continue
		}
		switch {
		case r.Due.After(now):
			if d.Next.IsZero() || r.Due.Before(d.Next) {
				d.Next = r.Due
			}
		case !r.Due.Before(upSince) && now.Before(r.Session.End):
			d.Post = append(d.Post, r)
		case r.Due.Before(upSince) && now.Sub(r.Due) <= catchUp:
			d.Late = append(d.Late, r)
		default:
			d.Skip = append(d.Skip, r)
		}
	}
	return d
}

// Supersede keeps, of the reminders due together, only the shortest lead of
// each session: its "in 15 minutes" and its "starts now" due at once would say
// the same thing twice. The others are returned as superseded. Order is kept.
func Supersede(due []Reminder) (keep, superseded []Reminder) {
	shortest := map[string]time.Duration{}
	for _, r := range due {
		if l, ok := shortest[r.Key.SessionID]; !ok || r.Key.Lead < l {
			shortest[r.Key.SessionID] = r.Key.Lead
		}
	}
	for _, r := range due {
		if r.Key.Lead == shortest[r.Key.SessionID] {
			keep = append(keep, r)
		} else {
			superseded = append(superseded, r)
		}
	}
	return keep, superseded
}

// settled reports whether r needs nothing more: it is recorded (and not pending),
// and its session has not moved later by more than the lead since.
func settled(r Reminder, done map[ReminderKey]ReminderRecord) bool {
	rec, ok := done[r.Key]
	return ok && rec.Status != StatusPending && !r.Due.After(rec.Due.Add(r.Key.Lead))
}

// Pending lists the reminders of plan that are not settled, in plan order: after a
// change of program, exactly what the bot will still post (or skip) for it.
func Pending(plan []Reminder, done map[ReminderKey]ReminderRecord) []Reminder {
	var out []Reminder
	for _, r := range plan {
		if !settled(r, done) {
			out = append(out, r)
		}
	}
	return out
}
