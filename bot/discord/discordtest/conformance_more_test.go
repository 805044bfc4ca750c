package discordtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// TestDiscordgoCallsConformMore covers the less common shapes: replies,
// overwrites and parents in channel edits, modals, multipart callbacks and
// followups, event status changes.
func TestDiscordgoCallsConformMore(t *testing.T) {
	s := New(t)
	alice := s.AddMember("alice")
	cat := s.AddChannel("Sessions", 4, "")
	general := s.AddChannel("general", 0, "")
	dg := connect(t, s)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	first, err := send(dg, general, "first")
	must("send", err)
	_, err = dg.ChannelMessageSendComplex(general, &discordgo.MessageSend{Content: "reply", AllowedMentions: noMentions(),
		Reference: first.Reference(), Flags: discordgo.MessageFlagsSuppressNotifications})
	must("reply", err)
	_, err = dg.ChannelEdit(general, &discordgo.ChannelEdit{ParentID: cat, PermissionOverwrites: []*discordgo.PermissionOverwrite{
		{ID: alice, Type: discordgo.PermissionOverwriteTypeMember, Allow: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages},
	}})
	must("channel edit", err)
	if c, _ := s.ChannelByName("general"); c.ParentID != cat || len(c.PermissionOverwrites) != 1 {
		t.Errorf("channel = %+v", c)
	}

	start := time.Now().Add(time.Hour)
	end := start.Add(time.Hour)
	ev, err := dg.GuildScheduledEventCreate(s.GuildID(), &discordgo.GuildScheduledEventParams{
		Name: "Posters", ScheduledStartTime: &start, ScheduledEndTime: &end,
		EntityType: discordgo.GuildScheduledEventEntityTypeExternal, PrivacyLevel: discordgo.GuildScheduledEventPrivacyLevelGuildOnly,
		EntityMetadata: &discordgo.GuildScheduledEventEntityMetadata{Location: "Hall B"},
	})
	must("event", err)
	_, err = dg.GuildScheduledEventEdit(s.GuildID(), ev.ID, &discordgo.GuildScheduledEventParams{Status: discordgo.GuildScheduledEventStatusActive})
	must("event start", err)
	_, err = dg.GuildScheduledEventEdit(s.GuildID(), ev.ID, &discordgo.GuildScheduledEventParams{Status: discordgo.GuildScheduledEventStatusCompleted})
	must("event end", err)

	registerCommands(t, s, dg,
		&discordgo.ApplicationCommand{Name: "feedback", Description: "Give feedback"},
		&discordgo.ApplicationCommand{Name: "export", Description: "Export questions"})
	done := make(chan error, 1)
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		switch {
		case i.Type == discordgo.InteractionApplicationCommand && i.ApplicationCommandData().Name == "feedback":
			done <- dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
				Data: &discordgo.InteractionResponseData{CustomID: "fb", Title: "Feedback", Components: []discordgo.MessageComponent{
					discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "text", Label: "Your feedback", Style: discordgo.TextInputParagraph, Required: true}}},
				}}})
		case i.Type == discordgo.InteractionModalSubmit:
			done <- dg.InteractionRespond(i.Interaction, reply("Thanks!"))
		default:
			err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "Here:", AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsEphemeral,
					Files: []*discordgo.File{{Name: "questions.csv", ContentType: "text/csv", Reader: strings.NewReader("q\n")}}}})
			if err == nil {
				_, err = dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "Also:", AllowedMentions: noMentions(),
					Files: []*discordgo.File{{Name: "answers.csv", ContentType: "text/csv", Reader: strings.NewReader("a\n")}}})
			}
			done <- err
		}
	})
	ctx := context.Background()
	resp, err := s.Interact(ctx, Command("feedback"))
	must("modal", err)
	must("modal handler", <-done)
	if resp.Type != discordgo.InteractionResponseModal || resp.CustomID != "fb" || resp.Title != "Feedback" {
		t.Errorf("modal response = %+v", resp)
	}
	resp, err = s.Interact(ctx, Interaction{Type: InteractionModalSubmit, CustomID: "fb", Fields: map[string]string{"text": "great"}})
	must("modal submit", err)
	must("modal submit handler", <-done)
	if resp.Content != "Thanks!" {
		t.Errorf("modal submit response = %+v", resp)
	}
	resp, err = s.Interact(ctx, Command("export"))
	must("export", err)
	must("export handler", <-done)
	f := s.Followups(resp.Token)
	if len(f) != 2 || len(f[0].Files) != 1 || len(f[1].Files) != 1 || f[1].Files[0].Name != "answers.csv" {
		t.Errorf("Followups = %+v", f)
	}
}
