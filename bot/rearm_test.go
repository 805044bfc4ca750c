package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// pendingLine lists reminders as "session/lead@HH:MM", in order.
func pendingLine(rs []Reminder) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s/%s@%s", r.Key.SessionID, formatDuration(r.Key.Lead), r.Due.In(et).Format("15:04")))
	}
	return strings.Join(s, " ")
}

// TestRearmAfterRevision: at 07:05 both reminders of talk a (07:00; 15m and 0m
// leads) have been posted. After each revision, the pending reminders are exactly
// those the new program implies.
func TestRearmAfterRevision(t *testing.T) {
	rest := "b/15m@07:30 b/0m@07:45 c/15m@07:45 c/0m@08:00"
	tests := []struct {
		name string
		edit func(s *Schedule)
		want string
	}{
		{"unchanged", func(s *Schedule) {}, rest},
		{"moved earlier: nothing again", func(s *Schedule) { s.Sessions[0].Start = at(6, 50) }, rest},
		{"moved later by less than 15m: only the start reminder again", func(s *Schedule) { s.Sessions[0].Start = at(7, 10) },
			"a/0m@07:10 " + rest},
		{"moved later by exactly 15m: only the start reminder again", func(s *Schedule) { s.Sessions[0].Start = at(7, 15) },
			"a/0m@07:15 " + rest},
		{"moved later by more than 15m: both again", func(s *Schedule) { s.Sessions[0].Start = at(7, 30) },
			"a/15m@07:15 a/0m@07:30 b/15m@07:30 b/0m@07:45 c/15m@07:45 c/0m@08:00"},
		{"moved by hours", func(s *Schedule) { s.Sessions[0].Start, s.Sessions[0].End = at(11, 0), at(11, 45) },
			rest + " a/15m@10:45 a/0m@11:00"},
		{"a later session moved earlier", func(s *Schedule) { s.Sessions[2].Start = at(7, 50) },
			"b/15m@07:30 c/15m@07:35 b/0m@07:45 c/0m@07:50"},
		{"removed", func(s *Schedule) { s.Sessions = slices.Delete(s.Sessions, 1, 2) }, "c/15m@07:45 c/0m@08:00"},
		{"added", func(s *Schedule) {
			s.Sessions = append(s.Sessions, Session{ID: "d", Start: at(9, 0), End: at(9, 30), Kind: KindPanel, Title: "Panel"})
		}, rest + " d/15m@08:45 d/0m@09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := bottest.NewClock(at(6, 40))
			tr := &recorder{}
			b := newTestBot(t, clock, newMemStore(), tr)
			for _, now := range []time.Time{at(6, 45), at(7, 0), at(7, 5)} {
				clock.Set(now)
				if _, err := b.Step(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(tr.posts); n != 2 {
				t.Fatalf("before the revision: %d posts, want 2", n)
			}
			b.SetProgram(program(tt.edit))
			got, err := b.Pending(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if pendingLine(got) != tt.want {
				t.Errorf("pending after revision:\n got %s\nwant %s", pendingLine(got), tt.want)
			}
			// And the bot does post exactly those, each once, as the clock runs.
			nonces := map[string]bool{}
			for _, m := range tr.posts {
				nonces[m.Nonce] = true
			}
			for now := at(7, 5); now.Before(at(12, 0)); now = now.Add(5 * time.Minute) {
				clock.Set(now)
				if _, err := b.Step(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var posted []string
			for _, m := range tr.posts[2:] {
				for _, n := range strings.Split(m.Nonce, "+") { // a bundle's nonce joins its reminders'
					if nonces[n] {
						t.Errorf("posted twice: %s", n)
					}
					nonces[n] = true
					posted = append(posted, n)
				}
			}
			if len(posted) != len(got) {
				t.Errorf("posted %d reminders after the revision (%v), want the %d pending", len(posted), posted, len(got))
			}
		})
	}
}
