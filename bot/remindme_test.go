package bot

import (
	"strings"
	"testing"
	"time"
)

func TestDecideDMs(t *testing.T) {
	// testSchedule: a 07:00-07:45, b 07:45, c 08:00-09:00.
	sub := func(user, session string, before time.Duration) Subscription {
		return Subscription{UserID: user, SessionID: session, Before: before}
	}
	subs := []Subscription{sub("u1", "a", 10*time.Minute), sub("u2", "c", 0), sub("u3", "gone", time.Minute)}
	rec := func(user, session string, due time.Time, st ReminderStatus) map[DMKey]DMRecord {
		return map[DMKey]DMRecord{{user, session}: {Key: DMKey{user, session}, Due: due, Status: st}}
	}
	line := func(d DMDecision) string {
		var out []string
		for _, dm := range d.Send {
			out = append(out, "send "+dm.Sub.UserID+"/"+dm.Session.ID)
		}
		for _, dm := range d.Skip {
			out = append(out, "skip "+dm.Sub.UserID+"/"+dm.Session.ID)
		}
		if !d.Next.IsZero() {
			out = append(out, "next "+d.Next.In(et).Format("15:04"))
		}
		return strings.Join(out, ", ")
	}
	tests := []struct {
		name     string
		done     map[DMKey]DMRecord
		now, up  time.Time
		want     string
		schedule func(s *Schedule)
	}{
		{"before anything", nil, at(6, 0), at(6, 0), "next 06:50", nil},
		{"due", nil, at(6, 50), at(6, 0), "send u1/a, next 08:00", nil},
		{"sent: not again", rec("u1", "a", at(6, 50), StatusSent), at(6, 55), at(6, 0), "next 08:00", nil},
		{"refused: not again", rec("u1", "a", at(6, 50), StatusFailed), at(6, 55), at(6, 0), "next 08:00", nil},
		{"interrupted: not again", rec("u1", "a", at(6, 50), StatusPending), at(6, 55), at(6, 0), "next 08:00", nil},
		{"missed while down, within catch-up", nil, at(6, 54), at(6, 53), "send u1/a, next 08:00", nil},
		{"missed while down for longer", nil, at(6, 58), at(6, 57), "skip u1/a, next 08:00", nil},
		{"session over", nil, at(7, 50), at(6, 0), "skip u1/a, next 08:00", nil},
		{"moved later by more than the lead: again", rec("u1", "a", at(6, 50), StatusSent), at(7, 20), at(6, 0), "send u1/a, next 08:00",
			func(s *Schedule) { s.Sessions[0].Start, s.Sessions[0].End = at(7, 30), at(8, 0) }},
		{"moved later by less: not again", rec("u1", "a", at(6, 50), StatusSent), at(6, 58), at(6, 0), "next 08:00",
			func(s *Schedule) { s.Sessions[0].Start = at(7, 5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule()
			if tt.schedule != nil {
				tt.schedule(s)
			}
			if got := line(DecideDMs(subs, s, tt.done, tt.now, tt.up, 5*time.Minute)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderDM(t *testing.T) {
	p := program(nil)
	dm := DM{Sub: Subscription{UserID: "u1", SessionID: "a", Before: 10 * time.Minute}, Session: p.Schedule.Sessions[0], Due: at(6, 50)}
	m := RenderDM(p, dm, at(6, 50))
	got := RenderTimestamps(m.Content, et, at(6, 50))
	for _, want := range []string{"Talk A", "07:00", "in 10 minutes", "https://example.org/live", "/remindme a"} {
		if !strings.Contains(got, want) {
			t.Errorf("DM %q does not say %q", got, want)
		}
	}
	if m.Nonce == "" || m.Nonce == RenderDM(p, DM{Sub: dm.Sub, Session: dm.Session, Due: at(7, 20)}, at(6, 50)).Nonce {
		t.Error("the nonce must be set, and differ for another due time")
	}
}
