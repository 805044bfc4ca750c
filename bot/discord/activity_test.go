package discord_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord"
)

// TestActivityFromGatewayEvents: the transport reports the member count at
// GUILD_CREATE, joins, leaves, and messages people post (the channel by its
// logical name where it is one), and not the bot's own posts.
func TestActivityFromGatewayEvents(t *testing.T) {
	fake, _, _ := newFake(t)
	alice := fake.AddMember("alice")
	const members = 3 // the owner, the bot and alice
	var (
		mu  sync.Mutex
		got []bot.Activity
	)
	h := open(t, fake, func(c *discord.Config) {
		c.OnActivity = func(a bot.Activity) {
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	announcements := channelID(t, fake, "announcements")
	questions := channelID(t, fake, "panel-questions")
	other := fake.AddChannel("poster-p1", 0, "")
	bob := fake.AddMember("bob")
	fake.Say(alice, announcements, "hello")
	fake.Say(bob, questions, "when is the panel?")
	fake.Say(bob, other, "nice poster")
	if _, err := h.tr.Post(ctx, bot.Message{Channel: bot.ChannelAnnouncements, Content: "a reminder"}); err != nil {
		t.Fatal(err)
	}
	fake.RemoveMember(bob)

	want := []bot.Activity{
		{Kind: bot.ActivityMembers, Members: members},
		{Kind: bot.ActivityJoin},
		{Kind: bot.ActivityMessage, Channel: bot.ChannelAnnouncements},
		{Kind: bot.ActivityMessage, Channel: bot.ChannelQuestions},
		{Kind: bot.ActivityMessage, Channel: other},
		{Kind: bot.ActivityLeave},
	}
	err := waitUntil(ctx, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("activity:\n got %+v\nwant %+v", got, want)
	}
}
