package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// A poster session's reminder lists its channels, in as many messages as it
// takes, and pings each presenter once, in their own channel, at the start.
func TestPosterReminderListsChannelsAndPingsPresenters(t *testing.T) {
	sched := testPosterSchedule()
	posters := testPosters(73, 47)
	places := map[string]PosterPlace{}
	for i := range posters {
		posters[i].Title = strings.Repeat(fmt.Sprintf("A long poster title number %d ", i), 3)
		places[posters[i].ID] = PosterPlace{ChannelID: fmt.Sprintf("9000000000000000%02d", i), PresenterIDs: []string{fmt.Sprintf("8000000000000000%02d", i)}}
	}
	prog := &Program{Schedule: sched, Posters: posters, Places: places}
	sess := sched.Sessions[0]
	for _, lead := range []time.Duration{15 * time.Minute, 0} {
		r := Reminder{Key: ReminderKey{SessionID: sess.ID, Lead: lead}, Session: sess, Due: sess.Start.Add(-lead)}
		first := RenderReminder(prog, r, r.Due, false)
		extras := PosterReminderExtras(prog, r, r.Due, false)
		all := first.Content
		pings := 0
		for _, m := range extras {
			if utf8.RuneCountInString(m.Content) > MaxContent {
				t.Errorf("lead %v: a message of %d characters", lead, utf8.RuneCountInString(m.Content))
			}
			if len(m.PingUsers) > 0 {
				pings++
				if !strings.Contains(m.Content, "<@"+m.PingUsers[0]+">") || m.Channel == ChannelAnnouncements {
					t.Errorf("ping %+v: want the presenter mentioned in their own channel", m)
				}
				continue
			}
			all += "\n" + m.Content
		}
		if utf8.RuneCountInString(first.Content) > MaxContent || len(extras) == 0 {
			t.Fatalf("lead %v: first message %d characters, %d extras", lead, utf8.RuneCountInString(first.Content), len(extras))
		}
		for i := 0; i < 73; i++ {
			if n := strings.Count(all, "<#"+places[posters[i].ID].ChannelID+">"); n != 1 {
				t.Errorf("lead %v: channel of %s listed %d times", lead, posters[i].ID, n)
			}
		}
		wantPings := 0
		if lead == 0 {
			wantPings = 73
		}
		if pings != wantPings {
			t.Errorf("lead %v: %d presenter pings, want %d", lead, pings, wantPings)
		}
	}
}
