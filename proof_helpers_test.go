package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

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
