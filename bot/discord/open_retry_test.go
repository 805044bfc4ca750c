package discord_test

import (
	"strings"
	"testing"

	"workshopbot/bot/discord/discordtest"
)

// TestOpenWaitsOutGatewayErrors: Discord answering the gateway lookup with a
// 429 or a 5xx at start delays Open, it does not fail it (the soak test found
// a single 500 there ending the bot).
func TestOpenWaitsOutGatewayErrors(t *testing.T) {
	for _, f := range []discordtest.Fault{
		{Route: "GET /gateway", Status: 500, Count: 2},
		{Route: "GET /gateway", Status: 502, Count: 5}, // more than discordgo's own retries
		{Route: "GET /gateway", Status: 429, Count: 2},
	} {
		fake := discordtest.New(t, discordtest.WithServerMembersIntent())
		fake.Fail(f)
		h := open(t, fake, nil) // fails the test if Open fails
		failed := 0
		for _, r := range fake.Requests() {
			if r.Route == "GET /gateway" && r.Status == f.Status {
				failed++
			}
		}
		if failed != f.Count || !strings.Contains(h.logs.String(), "gateway lookup failed; trying again") {
			t.Errorf("%d: %d lookups answered %d, want %d, each logged\n%s", f.Status, failed, f.Status, f.Count, h.logs.String())
		}
	}
}
