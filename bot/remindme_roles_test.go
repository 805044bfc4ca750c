package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecideRoles(t *testing.T) {
	// testSchedule: a 07:00-07:45, b 07:45, c 08:00-09:00.
	subs := []Subscription{
		{UserID: "u1", SessionID: "a", Before: 10 * time.Minute},
		{UserID: "u2", SessionID: "a", Before: 10 * time.Minute},
		{UserID: "u3", SessionID: "a", Before: 10 * time.Minute, DM: true}, // a direct message: not counted
		{UserID: "u4", SessionID: "c", Before: 0},
	}
	role := func(session string, before time.Duration, st ReminderStatus, due time.Time) RemindRole {
		return RemindRole{SessionID: session, Before: before, RoleID: "r-" + session, Status: st, Due: due}
	}
	fresh := []RemindRole{role("a", 10*time.Minute, "", time.Time{}), role("c", 0, "", time.Time{})}
	line := func(d RoleDecision) string {
		var out []string
		for _, p := range d.Send {
			out = append(out, fmt.Sprintf("send %s×%d", p.Role.RoleID, p.Count))
		}
		for _, p := range d.Skip {
			out = append(out, "skip "+p.Role.RoleID)
		}
		for _, r := range d.Remove {
			out = append(out, "remove "+r.RoleID)
		}
		if !d.Next.IsZero() {
			out = append(out, "next "+d.Next.In(et).Format("15:04"))
		}
		return strings.Join(out, ", ")
	}
	tests := []struct {
		name     string
		roles    []RemindRole
		now, up  time.Time
		retry    bool
		want     string
		schedule func(s *Schedule)
	}{
		{"before anything", fresh, at(6, 0), at(6, 0), false, "next 06:50", nil},
		{"due: one ping for the two who hold the role", fresh, at(6, 50), at(6, 0), false, "send r-a×2, next 08:00", nil},
		{"sent: not again", []RemindRole{role("a", 10*time.Minute, StatusSent, at(6, 50))}, at(6, 55), at(6, 0), false, "", nil},
		{"failed: not again", []RemindRole{role("a", 10*time.Minute, StatusFailed, at(6, 50))}, at(6, 55), at(6, 0), false, "", nil},
		{"interrupted, transport deduplicates: again with its nonce", []RemindRole{role("a", 10*time.Minute, StatusPending, at(6, 50))}, at(6, 55), at(6, 54), true, "send r-a×2", nil},
		{"interrupted, no deduplication: not again", []RemindRole{role("a", 10*time.Minute, StatusPending, at(6, 50))}, at(6, 55), at(6, 54), false, "", nil},
		{"missed while down, within catch-up", fresh[:1], at(6, 54), at(6, 53), false, "send r-a×2", nil},
		{"missed while down for longer", fresh[:1], at(6, 58), at(6, 57), false, "skip r-a", nil},
		{"session over: the role goes", fresh, at(7, 45), at(6, 0), false, "remove r-a, next 08:00", nil},
		{"already removed: nothing", []RemindRole{{SessionID: "a", Before: 10 * time.Minute, RoleID: "r-a", Removed: true}}, at(7, 50), at(6, 0), false, "", nil},
		{"session gone from the program: the role goes", []RemindRole{role("gone", 0, "", time.Time{})}, at(6, 0), at(6, 0), false, "remove r-gone", nil},
		{"no subscriber left: no ping", []RemindRole{role("b", 0, "", time.Time{})}, at(7, 45), at(6, 0), false, "", nil},
		{"moved later by more than the lead: again", []RemindRole{role("a", 10*time.Minute, StatusSent, at(6, 50))}, at(7, 20), at(6, 0), false, "send r-a×2",
			func(s *Schedule) { s.Sessions[0].Start, s.Sessions[0].End = at(7, 30), at(8, 0) }},
		{"moved later by less: not again", []RemindRole{role("a", 10*time.Minute, StatusSent, at(6, 50))}, at(6, 58), at(6, 0), false, "",
			func(s *Schedule) { s.Sessions[0].Start = at(7, 5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule()
			if tt.schedule != nil {
				tt.schedule(s)
			}
			if got := line(DecideRoles(subs, s, tt.roles, tt.now, tt.up, 5*time.Minute, tt.retry)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderRolePing(t *testing.T) {
	s := testSchedule()
	sess, _ := s.Session("a")
	p := RolePing{Role: RemindRole{SessionID: "a", Before: 10 * time.Minute, RoleID: "123"}, Session: sess, Due: at(6, 50), Count: 300}
	m := RenderRolePing(&Program{Schedule: s}, p, at(6, 50))
	if m.MentionRole != "123" || m.PingRole || len(m.PingUsers) != 0 {
		t.Errorf("pings role %q, reminder role %v, users %v; want only role 123", m.MentionRole, m.PingRole, m.PingUsers)
	}
	if m.Channel != s.AnnouncementsFor(sess) || !strings.Contains(m.Content, "300") || !strings.Contains(m.Content, "/remindme a") {
		t.Errorf("message %+v: want the session's announcements, the count and how to stop", m)
	}
	if m2 := RenderRolePing(&Program{Schedule: s}, p, at(6, 51)); m2.Nonce != m.Nonce {
		t.Errorf("nonce changed between tries: %q, %q", m.Nonce, m2.Nonce)
	}
	if got := BundleReminders([]ReminderPart{{Message: Message{Channel: m.Channel, Content: "x"}}, {Message: m}}); len(got) != 2 {
		t.Errorf("a role ping was bundled with a reminder: %d messages", len(got))
	}
}

func TestRoleName(t *testing.T) {
	if a, b := RoleName(RoleKey{"panel", 10 * time.Minute}), RoleName(RoleKey{"panel", 30 * time.Minute}); a == b || !strings.Contains(a, "panel") {
		t.Errorf("names %q and %q: want distinct names that say the session", a, b)
	}
	if n := len([]rune(RoleName(RoleKey{strings.Repeat("x", 300), 0}))); n > 100 {
		t.Errorf("name of %d characters; Discord allows 100", n)
	}
}
