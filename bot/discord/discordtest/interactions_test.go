package discordtest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func registerCommands(t *testing.T, s *Server, dg *discordgo.Session, cmds ...*discordgo.ApplicationCommand) {
	t.Helper()
	if _, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), s.GuildID(), cmds); err != nil {
		t.Fatal(err)
	}
}

func reply(content string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content, AllowedMentions: noMentions()}}
}

func TestInteractionAnsweredTwice(t *testing.T) {
	s := quiet(t)
	s.AddChannel("general", 0, "")
	dg := connect(t, s)
	registerCommands(t, s, dg, &discordgo.ApplicationCommand{Name: "ping", Description: "Ping"})
	second := make(chan error, 1)
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		_ = dg.InteractionRespond(i.Interaction, reply("one"))
		second <- dg.InteractionRespond(i.Interaction, reply("two"))
	})
	resp, err := s.Interact(context.Background(), Command("ping"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "one" {
		t.Errorf("content = %q, want the first answer", resp.Content)
	}
	if st, code := restError(t, <-second); st != 400 || code != 40060 {
		t.Errorf("second answer: %d/%d, want 400/40060", st, code)
	}
	if got := rules(s); len(got) != 1 || got[0] != RuleInteraction {
		t.Errorf("violations = %v", s.Violations())
	}
	if n := len(s.Messages(s.Channels()[0].ID)); n != 1 {
		t.Errorf("%d messages in the channel, want 1", n)
	}
}

func TestInteractionTooSlow(t *testing.T) {
	s := quiet(t, WithInteractionDeadline(200*time.Millisecond))
	s.AddChannel("general", 0, "")
	dg := connect(t, s)
	registerCommands(t, s, dg, &discordgo.ApplicationCommand{Name: "slow", Description: "Slow"})
	late := make(chan error, 1)
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		time.Sleep(400 * time.Millisecond)
		late <- dg.InteractionRespond(i.Interaction, reply("late"))
	})
	_, err := s.Interact(context.Background(), Command("slow"))
	if err == nil || !strings.Contains(err.Error(), "no callback within") {
		t.Fatalf("Interact = %v, want a deadline error", err)
	}
	if st, code := restError(t, <-late); st != 404 || code != 10062 {
		t.Errorf("late answer: %d/%d, want 404/10062", st, code)
	}
	if got := rules(s); len(got) != 1 || got[0] != RuleInteraction {
		t.Errorf("violations = %v", s.Violations())
	}
}

func TestInteractErrors(t *testing.T) {
	s := New(t)
	s.AddChannel("general", 0, "")
	ctx := context.Background()
	if _, err := s.Interact(ctx, Command("ping")); err == nil || !strings.Contains(err.Error(), "no gateway session") {
		t.Errorf("without a session: %v", err)
	}
	dg := connect(t, s)
	if _, err := s.Interact(ctx, Command("ping")); err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("unregistered: %v", err)
	}
	registerCommands(t, s, dg, &discordgo.ApplicationCommand{Name: "ask", Description: "Ask", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionInteger, Name: "n", Description: "n", Required: true},
	}})
	for _, in := range []Interaction{Slash(`/ask n:"unterminated`), Slash("ask n:1"), Command("ask"), Command("ask", "n:x"), Command("ask", "m:1")} {
		if _, err := s.Interact(ctx, in); err == nil {
			t.Errorf("Interact(%+v) succeeded", in)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.Interact(ctx, Command("ask", "n:1")); err == nil {
		t.Error("Interact without an answer succeeded")
	}
}

func TestInteractionOptionsResolved(t *testing.T) {
	s := New(t)
	general := s.AddChannel("general", 0, "")
	alice := s.AddMember("alice")
	dg := connect(t, s)
	registerCommands(t, s, dg, &discordgo.ApplicationCommand{Name: "poster", Description: "Posters", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: "admin", Description: "Admin", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "assign", Description: "Assign", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionUser, Name: "who", Description: "Who", Required: true},
				{Type: discordgo.ApplicationCommandOptionChannel, Name: "where", Description: "Where", Required: true},
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "number", Description: "Number"},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "notify", Description: "Notify"},
				{Type: discordgo.ApplicationCommandOptionString, Name: "title", Description: "Title"},
			}},
		}},
	}})
	var got atomic.Value
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		o := i.ApplicationCommandData().Options[0].Options[0].Options
		got.Store([]any{o[0].UserValue(nil).ID, o[1].ChannelValue(nil).ID, o[2].IntValue(), o[3].BoolValue(), o[4].StringValue(), i.Member.User.ID})
		_ = dg.InteractionRespond(i.Interaction, reply("ok"))
	})
	in := Slash(`/poster admin assign who:@alice where:#general number:12 notify:true title:"Deep nets"`)
	in.UserID = alice
	if _, err := s.Interact(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	want := []any{alice, general, int64(12), true, "Deep nets", alice}
	g := got.Load().([]any)
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("option %d = %v, want %v", i, g[i], want[i])
		}
	}
}

func TestButtonUpdatesMessage(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := connect(t, s)
	m, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{Content: "Remind me?", AllowedMentions: noMentions(),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Yes", Style: discordgo.PrimaryButton, CustomID: "remind:yes"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.MessageComponentData().CustomID != "remind:yes" || i.Message == nil || i.Message.ID != m.ID {
			return
		}
		_ = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "Reminder set", AllowedMentions: noMentions(), Components: []discordgo.MessageComponent{}}})
	})
	resp, err := s.Interact(context.Background(), Button("remind:yes", m.ID))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseUpdateMessage {
		t.Errorf("type = %d", resp.Type)
	}
	if got := s.Messages(ch); len(got) != 1 || got[0].Content != "Reminder set" || got[0].Edits != 1 {
		t.Errorf("Messages = %+v", got)
	}
}
