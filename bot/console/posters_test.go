package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/features"
)

func TestParseLineIn(t *testing.T) {
	loc := time.UTC
	day := time.Date(2021, 12, 14, 0, 0, 0, 0, loc)
	for line, want := range map[string]string{
		"as bob in #grand_graph /poster here": "grand_graph",
		"in grand_graph /poster here":         "grand_graph",
		"as bob /poster claim":                "console",
		// The README says to start the line with `in #channel`: any order works.
		"in #grand_graph as bob/Moderators /poster here": "grand_graph",
		"at 09:50 in #grand_graph as bob /poster here":   "grand_graph",
	} {
		l, err := ParseLine(line, bot.Specs(features.All()), day, loc)
		if err != nil || l.Command.Channel != want {
			t.Errorf("ParseLine(%q) = channel %q, %v; want %q", line, l.Command.Channel, err, want)
		}
	}
}

// The console's pretend guild keeps what the sync did and says it in words
// that are not posts (a rehearsal counts posts by their "[time] #channel" line).
func TestConsoleGuild(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, bot.NewScaledClock(time.Now, time.Date(2021, 12, 14, 9, 0, 0, 0, time.UTC), 1), time.UTC, "")
	ctx := context.Background()
	cat, _ := c.CreateChannel(ctx, bot.ChannelSpec{Name: "Posters - Session 1", Category: true})
	ch, _ := c.CreateChannel(ctx, bot.ChannelSpec{Name: "p1_grand", Topic: "GRAND", ParentID: cat.ID,
		Overwrites: []bot.Overwrite{{ID: "console-bob", Member: true, Allow: bot.PresenterRights}}})
	id, _ := c.PostCard(ctx, ch.ID, bot.Message{Embeds: []bot.Embed{{Title: "GRAND"}}})
	_ = c.Pin(ctx, ch.ID, id)
	got, embeds, _ := c.PinnedCard(ctx, ch.ID)
	if got != id || len(embeds) != 1 {
		t.Errorf("PinnedCard = %q %v, want %q", got, embeds, id)
	}
	list, _ := c.GuildChannels(ctx)
	if len(list) != 2 || list[1].ParentID != cat.ID {
		t.Errorf("GuildChannels = %+v", list)
	}
	text := out.String()
	for _, want := range []string{`created #p1_grand in "Posters - Session 1"`, "@bob may now pin and manage messages", "card in #p1_grand", "pinned the card in #p1_grand"} {
		if !strings.Contains(text, want) {
			t.Errorf("console output lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasSuffix(l, "] #p1_grand") {
			t.Errorf("a line reads like a post: %q", l)
		}
	}
}
