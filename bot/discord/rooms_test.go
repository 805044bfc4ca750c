package discord_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"workshopbot/bot"
)

// TestPostToARoomChannel: a room's own announcements channel (schedule.yaml's
// rooms[].announcements) is found by name or id when first posted to, also
// when it was made after the bot started, and never created: a typo is an
// error that says where to fix it.
func TestPostToARoomChannel(t *testing.T) {
	fake, _, _ := newFake(t)
	hallA := fake.AddChannel("hall-a", 0, "")
	h := open(t, fake, nil)
	created := count(fake.Requests(), "POST /guilds/{guild_id}/channels") // the bot's own three
	hallB := fake.AddChannel("hall-b", 0, "")                             // after Open: not in the guild the bot saw
	ctx := context.Background()
	for room, want := range map[string]string{"#Hall A": hallA, hallB: hallB} {
		logical := bot.RoomChannel(room)
		for i := range 2 { // the second post uses what the first resolved
			got, err := h.tr.Post(ctx, bot.Message{Channel: logical, Content: "room reminder", Nonce: fmt.Sprintf("%s-%d", want, i)})
			if err != nil {
				t.Fatalf("Post to %s: %v", logical, err)
			}
			if got.ChannelID != want {
				t.Errorf("Post to %s landed in %s, want %s", logical, got.ChannelID, want)
			}
		}
	}
	if n := len(fake.Messages(hallA)) + len(fake.Messages(hallB)); n != 4 {
		t.Errorf("%d messages in the room channels, want 4", n)
	}
	_, err := h.tr.Post(ctx, bot.Message{Channel: bot.RoomChannel("hall-c"), Content: "x", Nonce: "c"})
	if err == nil || !strings.Contains(err.Error(), `room channel "hall-c" not found`) || !strings.Contains(err.Error(), "rooms[].announcements") {
		t.Errorf("Post to a missing room channel: err = %v, want the name and where to fix it", err)
	}
	if n := count(fake.Requests(), "POST /guilds/{guild_id}/channels") - created; n != 0 {
		t.Errorf("%d channels created, want none", n)
	}
}
