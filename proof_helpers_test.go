package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
)

// Helpers of the proof tests (soak, bad input, permissions, benchmarks).

// writeProgramFiles writes schedule.yaml and posters.csv into dir and returns
// the flags that point the bot at them and at dir/bot.db: args[1] is the
// schedule, args[3] the posters, args[5] the database.
func writeProgramFiles(tb testing.TB, dir, schedule, posters string) []string {
	tb.Helper()
	sp, pp := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(sp, []byte(schedule), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(pp, []byte(posters), 0o644); err != nil {
		tb.Fatal(err)
	}
	return []string{"--schedule", sp, "--posters", pp, "--db", filepath.Join(dir, "bot.db")}
}

// workshopYAML is the workshop: block of a generated schedule.yaml, in UTC on
// the day of now, with a livestream and a GatherTown link.
func workshopYAML(name, short string, now time.Time) string {
	return fmt.Sprintf(`workshop:
  name: %s
  short_name: %s
  timezone: UTC
  date: %s
  links:
    livestream: https://example.org/live
    gathertown: https://example.org/gather
`, name, short, now.UTC().Format("2006-01-02"))
}

// posterChannel is the channel of the poster with this id ("p1_..." for p1).
func posterChannel(s *discordtest.Server, id string) (discordgo.Channel, bool) {
	for _, c := range s.Channels() {
		if strings.HasPrefix(c.Name, id+"_") {
			return c, true
		}
	}
	return discordgo.Channel{}, false
}

// reminderTally is what became of the reminders of a day under faults, as
// the soak and the failover test count them.
type reminderTally struct {
	once, late, superseded, skipped, dups, lost int
	problems                                    []string
}

// tallyReminders checks each reminder of plan against what the database
// recorded (recs) and the messages in the announcements channel: posted
// exactly once under the nonce recorded (reminders due together share one
// bundled message and its nonce, issue 12 item 1), or recorded superseded (a
// shorter lead of its session was due with it) or skipped, and not posted.
func tallyReminders(plan []bot.Reminder, recs []bot.ReminderRecord, msgs []discordtest.Message) reminderTally {
	byNonce := map[string]int{}
	for _, m := range msgs {
		byNonce[m.Nonce]++
	}
	decided := map[bot.ReminderKey]bot.ReminderRecord{}
	for _, r := range recs {
		decided[r.Key] = r
	}
	var t reminderTally
	for _, r := range plan {
		rec := decided[r.Key]
		// Discord gets a long nonce (a bundle's) as a hash of it.
		st, own, n := rec.Status, byNonce[discord.WireNonce(r.Nonce())], byNonce[discord.WireNonce(rec.Nonce)]
		switch {
		case st == bot.StatusSkipped && own == 0:
			t.skipped++
		case st == bot.StatusSuperseded && own == 0:
			t.superseded++
		case (st == bot.StatusSent || st == bot.StatusLate) && n == 1:
			t.once++
			if st == bot.StatusLate {
				t.late++
			}
		case n > 1 || own > 1:
			t.dups++
			t.problems = append(t.problems, fmt.Sprintf("reminder %s/%v posted %d times under nonce %q (recorded %q)",
				r.Key.SessionID, r.Key.Lead, max(n, own), rec.Nonce, st))
		default:
			t.lost++
			t.problems = append(t.problems, fmt.Sprintf("reminder %s/%v due %s: %d posts under nonce %q, recorded %q; want one post, or none and superseded or skipped",
				r.Key.SessionID, r.Key.Lead, r.Due.Format("15:04:05"), n, rec.Nonce, st))
		}
	}
	return t
}

// remindersUndecided counts the reminders of plan not yet decided in recs, or
// recorded posted under a nonce that msgs do not hold.
func remindersUndecided(plan []bot.Reminder, recs []bot.ReminderRecord, msgs []discordtest.Message) int {
	posted := map[string]bool{}
	for _, m := range msgs {
		posted[m.Nonce] = true
	}
	byKey := map[bot.ReminderKey]bot.ReminderRecord{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	n := 0
	for _, r := range plan {
		switch rec := byKey[r.Key]; rec.Status {
		case bot.StatusSkipped, bot.StatusSuperseded:
		case bot.StatusSent, bot.StatusLate:
			if !posted[discord.WireNonce(rec.Nonce)] {
				n++
			}
		default:
			n++
		}
	}
	return n
}
