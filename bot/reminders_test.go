package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var et = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is 14 Dec 2021 hh:mm US Eastern.
func at(hh, mm int) time.Time { return time.Date(2021, 12, 14, hh, mm, 0, 0, et) }

func testSchedule() *Schedule {
	return &Schedule{
		Workshop: Workshop{Name: "Test", ShortName: "T", Location: et, Date: at(0, 0),
			Links: []Link{{"livestream", "https://example.org/live"}, {"zoom", "https://example.org/zoom"}, {"gathertown", "https://example.org/gt"}}},
		Discord:   DiscordConfig{PanelQuestions: "panel-questions", Moderators: "Moderators"},
		Reminders: ReminderConfig{Leads: []time.Duration{15 * time.Minute, 0}, CatchUp: 5 * time.Minute},
		Sessions: []Session{
			{ID: "a", Start: at(7, 0), End: at(7, 45), Kind: KindInvited, Title: "Talk A", Speakers: []string{"Ann"}},
			{ID: "b", Start: at(7, 45), End: at(8, 0), Kind: KindBreak, Title: "Coffee"},
			{ID: "c", Start: at(8, 0), End: at(9, 0), Kind: KindPosters, Title: "Posters 1", PosterSession: 1},
		},
	}
}

func keys(rs []Reminder) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s/%s", r.Key.SessionID, r.Key.Lead))
	}
	return strings.Join(s, " ")
}

func TestPlanOrder(t *testing.T) {
	got := keys(Plan(testSchedule()))
	want := "a/15m0s a/0s b/15m0s b/0s c/15m0s c/0s"
	if got != want {
		t.Errorf("Plan order = %q, want %q", got, want)
	}
	s := testSchedule()
	s.Sessions[1].Start = at(7, 10) // b/15m at 06:55 now precedes a/0s
	if got, want := keys(Plan(s)), "a/15m0s b/15m0s a/0s b/0s c/15m0s c/0s"; got != want {
		t.Errorf("Plan order after move = %q, want %q", got, want)
	}
}

func TestDecide(t *testing.T) {
	plan := Plan(testSchedule())
	rec := func(id string, lead time.Duration, due time.Time, st ReminderStatus) ReminderRecord {
		return ReminderRecord{Key: ReminderKey{id, lead}, Due: due, Status: st}
	}
	tests := []struct {
		name string
		now  time.Time
		done []ReminderRecord
		up   time.Time // when the bot came up; zero: at now (everything past was missed while down)
		post string
		late string
		skip string
		next time.Time
	}{
		{name: "before everything", now: at(6, 0), next: at(6, 45)},
		{name: "exactly due", now: at(6, 45), post: "a/15m0s", next: at(7, 0)},
		{name: "due a moment ago while up", now: at(6, 45).Add(900 * time.Millisecond), up: at(6, 0), post: "a/15m0s", next: at(7, 0)},
		{name: "due long ago while up (busy machine): still posted", now: at(6, 59), up: at(6, 0), post: "a/15m0s", next: at(7, 0)},
		{name: "due while up but the session is over", now: at(7, 45), up: at(6, 0), skip: "a/15m0s a/0s", post: "b/15m0s b/0s c/15m0s", next: at(8, 0)},
		{name: "already sent", now: at(6, 50), done: []ReminderRecord{rec("a", 15*time.Minute, at(6, 45), StatusSent)}, next: at(7, 0)},
		{name: "missed while down, within catch-up", now: at(6, 48), late: "a/15m0s", next: at(7, 0)},
		{name: "catch-up edge is inclusive", now: at(6, 50), late: "a/15m0s", next: at(7, 0)},
		{name: "beyond catch-up is skipped", now: at(6, 50).Add(time.Second), skip: "a/15m0s", next: at(7, 0)},
		{name: "restart mid-day", now: at(7, 32), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 45), StatusSent), rec("a", 0, at(7, 0), StatusSent)},
			late: "b/15m0s", next: at(7, 45)},
		{name: "long outage skips all but the recent", now: at(7, 46), skip: "a/15m0s a/0s b/15m0s", late: "b/0s c/15m0s", next: at(8, 0)},
		{name: "pending is not done", now: at(6, 46), done: []ReminderRecord{rec("a", 15*time.Minute, at(6, 45), StatusPending)}, late: "a/15m0s", next: at(7, 0)},
		{name: "failed is done", now: at(6, 46), done: []ReminderRecord{rec("a", 15*time.Minute, at(6, 45), StatusFailed)}, next: at(7, 0)},
		{name: "all done", now: at(12, 0), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 45), StatusSent), rec("a", 0, at(7, 0), StatusSent),
			rec("b", 15*time.Minute, at(7, 30), StatusSkipped), rec("b", 0, at(7, 45), StatusLate),
			rec("c", 15*time.Minute, at(7, 45), StatusUnknown), rec("c", 0, at(8, 0), StatusSent)}},
		// A session moved later by more than the lead since its reminder went out is
		// announced again at its new time; a small move is not.
		{name: "moved much later: due again", now: at(6, 45), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 20), StatusSent)}, post: "a/15m0s", next: at(7, 0)},
		{name: "moved a little later: not again", now: at(6, 45), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 35), StatusSent)}, next: at(7, 0)},
		{name: "start reminder, moved later at all: due again", now: at(7, 0), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 45), StatusSent), rec("a", 0, at(6, 55), StatusSent)}, post: "a/0s", next: at(7, 30)},
		{name: "moved earlier: not again", now: at(7, 0), done: []ReminderRecord{
			rec("a", 15*time.Minute, at(6, 45), StatusSent), rec("a", 0, at(7, 5), StatusSent)}, next: at(7, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := map[ReminderKey]ReminderRecord{}
			for _, r := range tt.done {
				done[r.Key] = r
			}
			up := tt.up
			if up.IsZero() {
				up = tt.now
			}
			d := Decide(plan, done, tt.now, up, 5*time.Minute)
			if got := keys(d.Post); got != tt.post {
				t.Errorf("post = %q, want %q", got, tt.post)
			}
			if got := keys(d.Late); got != tt.late {
				t.Errorf("late = %q, want %q", got, tt.late)
			}
			if got := keys(d.Skip); got != tt.skip {
				t.Errorf("skip = %q, want %q", got, tt.skip)
			}
			if !d.Next.Equal(tt.next) {
				t.Errorf("next = %v, want %v", d.Next, tt.next)
			}
		})
	}
}

func TestNonceStableAndDistinct(t *testing.T) {
	plan := Plan(testSchedule())
	seen := map[string]bool{}
	for _, r := range plan {
		if seen[r.Nonce()] {
			t.Errorf("nonce %q used twice", r.Nonce())
		}
		seen[r.Nonce()] = true
	}
	again := Plan(testSchedule())
	if plan[0].Nonce() != again[0].Nonce() {
		t.Errorf("nonce not stable: %q then %q", plan[0].Nonce(), again[0].Nonce())
	}
	moved := testSchedule()
	moved.Sessions[0].Start = at(7, 30)
	if Plan(moved)[0].Nonce() == plan[0].Nonce() {
		t.Errorf("a moved session kept its nonce %q", plan[0].Nonce())
	}
}
