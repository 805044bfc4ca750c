package discordtest

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// TestSayLeavesContentOutWithoutTheIntent: the fake follows Discord's message
// content intent: a bot without MESSAGE_CONTENT gets MESSAGE_CREATE with an
// empty content; with it, the text.
func TestSayLeavesContentOutWithoutTheIntent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		intents discordgo.Intent
		want    string
	}{
		{"without MESSAGE_CONTENT", discordgo.IntentGuilds | discordgo.IntentGuildMessages, ""},
		{"with MESSAGE_CONTENT", discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent, "secret plans"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The application has MESSAGE_CONTENT enabled in the portal; only
			// the client's IDENTIFY decides whether it asks for it.
			fake := New(t, WithPrivilegedIntents(discordgo.IntentMessageContent))
			alice := fake.AddMember("alice")
			ch := fake.AddChannel("general", 0, "")
			dg := client(t, fake)
			dg.Identify.Intents = tc.intents
			got := make(chan *discordgo.MessageCreate, 1)
			dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
			if err := dg.Open(); err != nil {
				t.Fatal(err)
			}
			defer dg.Close()
			fake.Say(alice, ch, "secret plans")
			select {
			case m := <-got:
				if m.Content != tc.want || m.Author == nil || m.Author.ID != alice || m.ChannelID != ch || m.GuildID != fake.GuildID() {
					t.Errorf("MESSAGE_CREATE: content %q author %+v channel %s guild %s; want content %q by %s in %s", m.Content, m.Author, m.ChannelID, m.GuildID, tc.want, alice, ch)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no MESSAGE_CREATE")
			}
		})
	}
}
