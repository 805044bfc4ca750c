package discordtest

import (
	"context"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// TestDiscordgoCallsConform drives the discordgo calls a workshop bot makes,
// used correctly, and expects no violation: it is what keeps the
// normalisations in validate.go honest (too strict a fake is as bad as too
// lax a one).
func TestDiscordgoCallsConform(t *testing.T) {
	s := New(t, WithPrivilegedIntents(discordgo.IntentGuildMembers), // lists members
		// Three bulk overwrites in a row: Discord's 2 per minute would make
		// the third wait a minute; this test is about bodies, not pacing.
		WithRateLimit("PUT /applications/{application_id}/guilds/{guild_id}/commands", 10, time.Minute))
	alice := s.AddMember("alice")
	chair := s.AddRole("chair", 0)
	dg := connect(t, s)
	g := s.GuildID()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	_, err := dg.User("@me")
	must("user", err)
	_, err = dg.Guild(g)
	must("guild", err)
	_, err = dg.GuildRoles(g)
	must("roles", err)
	_, err = dg.GuildMember(g, alice)
	must("member", err)
	_, err = dg.GuildMembers(g, "", 1000)
	must("members", err)
	_, err = dg.GuildMembersSearch(g, "ali", 10)
	must("members search", err)

	cat, err := dg.GuildChannelCreateComplex(g, discordgo.GuildChannelCreateData{Name: "Workshop", Type: discordgo.ChannelTypeGuildCategory})
	must("category", err)
	ann, err := dg.GuildChannelCreateComplex(g, discordgo.GuildChannelCreateData{
		Name: "announcements", Type: discordgo.ChannelTypeGuildText, ParentID: cat.ID, Topic: "News", Position: 1,
		PermissionOverwrites: []*discordgo.PermissionOverwrite{
			{ID: g, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages},
			{ID: s.BotRoleID(), Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages},
			{ID: chair, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages},
		},
	})
	must("text channel", err)
	_, err = dg.GuildChannels(g)
	must("channels", err)
	_, err = dg.Channel(ann.ID)
	must("channel", err)
	topic := "Workshop news"
	_, err = dg.ChannelEdit(ann.ID, &discordgo.ChannelEdit{Topic: topic, Position: &[]int{2}[0]})
	must("channel edit", err)
	must("overwrite set", dg.ChannelPermissionSet(ann.ID, alice, discordgo.PermissionOverwriteTypeMember, discordgo.PermissionViewChannel, 0))
	must("overwrite delete", dg.ChannelPermissionDelete(ann.ID, alice))
	must("reorder", dg.GuildChannelsReorder(g, []*discordgo.Channel{{ID: ann.ID, Position: 0}, {ID: cat.ID, Position: 1}}))

	m, err := dg.ChannelMessageSendComplex(ann.ID, &discordgo.MessageSend{
		Content: "Hello <@" + alice + ">", AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{alice}},
		Embeds: []*discordgo.MessageEmbed{{Title: "Programme", Description: "Day 1", Color: 0x3366ff,
			Fields: []*discordgo.MessageEmbedField{{Name: "09:00", Value: "Opening", Inline: true}},
			Footer: &discordgo.MessageEmbedFooter{Text: "see you"}, Timestamp: time.Now().Format(time.RFC3339)}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Remind me", Style: discordgo.PrimaryButton, CustomID: "remind:1"},
		}}},
	})
	must("message", err)
	if got := s.Messages(ann.ID); len(got[0].Mentions) != 1 || got[0].Mentions[0].ID != alice {
		t.Errorf("mentions = %v, want alice", got[0].Mentions)
	}
	edited := "Hello again"
	_, err = dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: m.ID, Channel: ann.ID, Content: &edited, AllowedMentions: noMentions()})
	must("edit", err)
	must("pin", dg.ChannelMessagePin(ann.ID, m.ID))
	_, err = dg.ChannelMessagesPinned(ann.ID)
	must("pins", err)
	_, err = dg.ChannelMessages(ann.ID, 100, "", m.ID, "")
	must("history", err)
	must("unpin", dg.ChannelMessageUnpin(ann.ID, m.ID))

	dm, err := dg.UserChannelCreate(alice)
	must("dm channel", err)
	_, err = dg.ChannelMessageSendComplex(dm.ID, &discordgo.MessageSend{Content: "Your poster is at 10:00", AllowedMentions: noMentions()})
	must("dm", err)

	start := time.Now().Add(time.Hour)
	end := start.Add(time.Hour)
	ev, err := dg.GuildScheduledEventCreate(g, &discordgo.GuildScheduledEventParams{
		Name: "Keynote", Description: "Opening keynote", ScheduledStartTime: &start, ScheduledEndTime: &end,
		EntityType: discordgo.GuildScheduledEventEntityTypeExternal, PrivacyLevel: discordgo.GuildScheduledEventPrivacyLevelGuildOnly,
		EntityMetadata: &discordgo.GuildScheduledEventEntityMetadata{Location: "Main hall"},
	})
	must("event create", err)
	_, err = dg.GuildScheduledEventEdit(g, ev.ID, &discordgo.GuildScheduledEventParams{Description: "Opening keynote (moved)"})
	must("event edit", err)
	_, err = dg.GuildScheduledEvents(g, false)
	must("events", err)
	_, err = dg.GuildScheduledEvent(g, ev.ID, false)
	must("event", err)
	must("event delete", dg.GuildScheduledEventDelete(g, ev.ID))

	perm := int64(discordgo.PermissionManageEvents)
	cmds, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), g, []*discordgo.ApplicationCommand{
		{Name: "schedule", Description: "Show the programme"},
		{Name: "questions", Description: "Session questions", DefaultMemberPermissions: &perm, Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "next", Description: "Next question", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "session", Description: "Session", Required: true, Autocomplete: true},
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "count", Description: "How many", MinValue: &[]float64{1}[0], MaxValue: 5},
			}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "mode", Description: "Set mode", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "mode", Description: "Mode", Required: true, Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "open", Value: "open"}, {Name: "closed", Value: "closed"}}},
			}},
		}},
	})
	must("commands", err)
	again, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), g, []*discordgo.ApplicationCommand{{Name: "schedule", Description: "Show the programme!"}})
	must("commands again", err)
	if again[0].ID != cmds[0].ID {
		t.Errorf("command id changed on overwrite: %s -> %s", cmds[0].ID, again[0].ID)
	}
	_, err = dg.ApplicationCommands(s.AppID(), g)
	must("list commands", err)
	_, err = dg.ApplicationCommandBulkOverwrite(s.AppID(), g, cmds)
	must("commands restore", err)

	// A deferred answer, then the original edited, a followup, an edit of
	// it and a deletion, as a slow command does.
	done := make(chan error, 1)
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			done <- dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Panel", Value: "panel"}}}})
			return
		}
		if err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}); err != nil {
			done <- err
			return
		}
		content := "Next: why?"
		if _, err := dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content, AllowedMentions: noMentions()}); err != nil {
			done <- err
			return
		}
		f, err := dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "and more", AllowedMentions: noMentions()})
		if err != nil {
			done <- err
			return
		}
		more := "and more (edited)"
		if _, err := dg.FollowupMessageEdit(i.Interaction, f.ID, &discordgo.WebhookEdit{Content: &more, AllowedMentions: noMentions()}); err != nil {
			done <- err
			return
		}
		if _, err := dg.InteractionResponse(i.Interaction); err != nil {
			done <- err
			return
		}
		done <- dg.FollowupMessageDelete(i.Interaction, f.ID)
	})
	s.AddChannel("general", 0, "")
	resp, err := s.Interact(context.Background(), Command("questions", "next", "session:panel", Opt("count", 2)))
	must("interact", err)
	must("handler", <-done)
	if resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || !resp.Ephemeral() {
		t.Errorf("response = %+v", resp)
	}
	if f := s.Followups(resp.Token); len(f) != 1 || f[0].Content != "Next: why?" || f[0].Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("Followups = %+v", f)
	}
	ac := Command("questions", "next", "session:pa")
	ac.Type, ac.Focus = InteractionAutocomplete, "session"
	resp, err = s.Interact(context.Background(), ac)
	must("autocomplete", err)
	must("autocomplete handler", <-done)
	if len(resp.Choices) != 1 || resp.Choices[0].Value != "panel" {
		t.Errorf("choices = %+v", resp.Choices)
	}
	// New's cleanup fails the test for any violation; say so early with
	// the requests for context.
	if v := s.Violations(); len(v) > 0 {
		for _, r := range s.Requests() {
			t.Logf("%d %s %s", r.Status, r.Route, r.Body)
		}
	}
}
