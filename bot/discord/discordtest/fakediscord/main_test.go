package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot/discord/discordtest"
)

// botClient is a discordgo REST client acting as the bot against the fake.
func botClient(t *testing.T, s *discordtest.Server) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + discordtest.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = s.HTTPClient()
	dg.LogLevel = -1
	return dg
}

// TestWatcherShowsWhatTheBotSends (issue 12 item 12): the fake Discord for trying
// by hand shows a poster card's embed, an attachment, buttons, and a direct
// message to a user the typed lines acted as.
func TestWatcherShowsWhatTheBotSends(t *testing.T) {
	s := discordtest.New(t)
	var out bytes.Buffer
	w := newWatcher(s, &out)
	dg := botClient(t, s)
	ch, err := dg.GuildChannelCreate(s.GuildID(), "grand_graph", discordgo.ChannelTypeGuildText)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dg.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
		Embeds: []*discordgo.MessageEmbed{{Title: "GRAND: Graph Neural Diffusion", Description: "A poster",
			Fields: []*discordgo.MessageEmbedField{{Name: "Authors", Value: "B. Chamberlain"}}}},
		Files:      []*discordgo.File{{Name: "questions.csv", ContentType: "text/csv", Reader: strings.NewReader("id,text\n1,Why?\n")}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "Upvote", Style: discordgo.PrimaryButton, CustomID: "q:vote:1"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := w.interaction("as alice /next")
	if err != nil {
		t.Fatal(err)
	}
	dm, err := dg.UserChannelCreate(alice.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelMessageSendComplex(dm.ID, &discordgo.MessageSend{Content: "Reminder: the panel starts in 10 minutes.",
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}); err != nil {
		t.Fatal(err)
	}
	w.poll()
	got := out.String()
	for _, want := range []string{"#grand_graph", "┃ **GRAND: Graph Neural Diffusion**", "┃ Authors: B. Chamberlain",
		"[attached questions.csv, 15 bytes]", "[button] type: press q:vote:1", "DM to alice", "the panel starts in 10 minutes"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	in, err := w.interaction("in #grand_graph as bob press q:vote:1")
	if err != nil || in.ChannelID != ch.ID || in.UserID == "" || in.MessageID == "" {
		t.Errorf("in #channel: %+v, %v; want channel %s, bob, the card's message", in, err, ch.ID)
	}
	if _, err := w.interaction("in #nowhere /next"); err == nil {
		t.Error("in an unknown channel: no error")
	}
}

// TestFreeText: free words fill the first text option not given by name, after
// the sub-commands; lines that are all name:value stay as they are.
func TestFreeText(t *testing.T) {
	str, sub := discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionSubCommand
	cmds := []discordgo.ApplicationCommand{
		{Name: "ask", Options: []*discordgo.ApplicationCommandOption{{Name: "question", Type: str}, {Name: "session", Type: str}}},
		{Name: "poster", Options: []*discordgo.ApplicationCommandOption{{Name: "topic", Type: sub, Options: []*discordgo.ApplicationCommandOption{{Name: "text", Type: str}}}}},
	}
	for in, want := range map[string]string{
		"/ask Why adjoints?":                       `/ask question:"Why adjoints?"`,
		"/ask session:panel How to pick a solver?": `/ask session:panel question:"How to pick a solver?"`,
		`/ask question:"Why: this?" session:panel`: `/ask question:"Why: this?" session:panel`,
		"/poster topic Come see us at 10":          `/poster topic text:"Come see us at 10"`,
		"/next":                                    "/next",
	} {
		if got := freeText(cmds, in); got != want {
			t.Errorf("freeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFaultCommand: `fault` queues a fault the fake then answers with; `drop`
// cuts the gateway.
func TestFaultCommand(t *testing.T) {
	for in, want := range map[string]discordtest.Fault{
		"502":   {Status: 502, Count: 1},
		"502 3": {Status: 502, Count: 3},
		"429 1 post /channels/{channel_id}/messages": {Status: 429, Count: 1, Route: "POST /channels/{channel_id}/messages"},
	} {
		if got, err := parseFault(in); err != nil || got != want {
			t.Errorf("parseFault(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ok", "200", "502 0", "502 1 POST"} {
		if _, err := parseFault(bad); err == nil {
			t.Errorf("parseFault(%q): no error", bad)
		}
	}
	s := discordtest.New(t)
	var out bytes.Buffer
	w := newWatcher(s, &out)
	w.do(context.Background(), "fault 503 1")
	ch, err := botClient(t, s).GuildChannelCreate(s.GuildID(), "x", discordgo.ChannelTypeGuildText)
	if err == nil {
		t.Errorf("a request after `fault 503 1` succeeded: %+v", ch)
	}
	if !strings.Contains(out.String(), "answer 503") {
		t.Errorf("output: %q", out.String())
	}
}
