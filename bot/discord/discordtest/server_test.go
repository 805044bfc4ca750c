package discordtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// client returns a discordgo session pointed at the fake (not opened).
func client(t *testing.T, s *Server) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = s.HTTPClient()
	// Ask for the privileged intents the application has enabled, and no
	// more: a fresh application has none (see WithPrivilegedIntents).
	dg.Identify.Intents = discordgo.IntentsAllWithoutPrivileged | discordgo.Intent(s.cfg.privilegedIntents)
	dg.LogLevel = -1
	return dg
}

// connect opens a gateway session and closes it at cleanup.
func connect(t *testing.T, s *Server) *discordgo.Session {
	t.Helper()
	dg := client(t, s)
	if err := dg.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	waitFor(t, s, func(s *Server) bool { return s.Connected() })
	return dg
}

func waitFor(t *testing.T, s *Server, cond func(*Server) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func send(dg *discordgo.Session, channelID, content string) (*discordgo.Message, error) {
	return dg.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: content, AllowedMentions: noMentions()})
}

func TestGatewayReadyAndGuildCreate(t *testing.T) {
	s := New(t, WithPrivilegedIntents(discordgo.IntentGuildMembers)) // members in GUILD_CREATE
	general := s.AddChannel("general", 0, "")
	alice := s.AddMember("alice")
	dg := client(t, s)
	var mu sync.Mutex
	var ready *discordgo.Ready
	var guild *discordgo.GuildCreate
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { mu.Lock(); ready = r; mu.Unlock() })
	dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { mu.Lock(); guild = g; mu.Unlock() })
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	waitFor(t, s, func(*Server) bool { mu.Lock(); defer mu.Unlock(); return ready != nil && guild != nil })
	mu.Lock()
	defer mu.Unlock()
	if ready.User.ID != s.BotUserID() || ready.SessionID == "" || ready.Application.ID != s.AppID() {
		t.Errorf("READY = user %s session %q app %v", ready.User.ID, ready.SessionID, ready.Application)
	}
	if guild.ID != s.GuildID() || guild.OwnerID != s.OwnerID() {
		t.Errorf("GUILD_CREATE id %s owner %s", guild.ID, guild.OwnerID)
	}
	if len(guild.Channels) != 1 || guild.Channels[0].ID != general {
		t.Errorf("GUILD_CREATE channels = %v", guild.Channels)
	}
	if _, err := dg.State.Member(s.GuildID(), alice); err != nil {
		t.Errorf("state has no alice: %v", err)
	}
	if _, err := dg.State.Role(s.GuildID(), s.GuildID()); err != nil {
		t.Errorf("state has no @everyone: %v", err)
	}
	if ch, err := dg.State.Channel(general); err != nil || ch.Name != "general" {
		t.Errorf("state channel = %v, %v", ch, err)
	}
}

func TestCreateChannelAndPostMessage(t *testing.T) {
	s := New(t)
	dg := connect(t, s)
	created := make(chan *discordgo.ChannelCreate, 1)
	dg.AddHandler(func(_ *discordgo.Session, c *discordgo.ChannelCreate) { created <- c })
	cat, err := dg.GuildChannelCreateComplex(s.GuildID(), discordgo.GuildChannelCreateData{Name: "Posters", Type: discordgo.ChannelTypeGuildCategory})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := dg.GuildChannelCreateComplex(s.GuildID(), discordgo.GuildChannelCreateData{
		Name: "poster-1", Type: discordgo.ChannelTypeGuildText, ParentID: cat.ID, Topic: "Poster 1",
		PermissionOverwrites: []*discordgo.PermissionOverwrite{
			{ID: s.GuildID(), Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages},
			{ID: s.BotRoleID(), Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-created:
	case <-time.After(5 * time.Second):
		t.Fatal("no CHANNEL_CREATE")
	}
	m, err := send(dg, ch.ID, "Welcome to poster 1")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Messages(ch.ID)
	if len(got) != 1 || got[0].ID != m.ID || got[0].Content != "Welcome to poster 1" || got[0].AllowedMentions == nil {
		t.Fatalf("Messages = %+v", got)
	}
	if c, ok := s.ChannelByName("poster-1"); !ok || c.ParentID != cat.ID || len(c.PermissionOverwrites) != 2 {
		t.Errorf("ChannelByName = %+v, %v", c, ok)
	}
	if n := len(s.Requests()); n < 4 {
		t.Errorf("Requests = %d", n)
	}
}

func TestInteractionAnswered(t *testing.T) {
	s := New(t)
	s.AddChannel("general", 0, "")
	dg := connect(t, s)
	_, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), s.GuildID(), []*discordgo.ApplicationCommand{{
		Name: "questions", Description: "Questions for a session",
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "next", Description: "Next question",
			Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "session", Description: "Session", Required: true}},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		d := i.ApplicationCommandData()
		sub := d.Options[0]
		_ = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: sub.Name + " " + sub.Options[0].StringValue(), AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsEphemeral},
		})
	})
	resp, err := s.Interact(context.Background(), Slash("/questions next session:panel"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Content != "next panel" || !resp.Ephemeral() {
		t.Errorf("response = %+v", resp)
	}
	if resp.Latency <= 0 || resp.Latency > 3*time.Second {
		t.Errorf("latency = %v", resp.Latency)
	}
	if f := s.Followups(resp.Token); len(f) != 1 || f[0].Content != "next panel" {
		t.Errorf("Followups = %+v", f)
	}
}
