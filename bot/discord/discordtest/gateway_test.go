package discordtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func registerPing(t *testing.T, s *Server, dg *discordgo.Session) {
	t.Helper()
	_, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), s.GuildID(), []*discordgo.ApplicationCommand{{Name: "ping", Description: "Ping"}})
	if err != nil {
		t.Fatal(err)
	}
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		_ = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "pong", AllowedMentions: noMentions()},
		})
	})
}

func TestDropGatewayResumes(t *testing.T) {
	for _, code := range []int{4000, CloseAbnormal} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			s := New(t, WithPrivilegedIntents(discordgo.IntentGuildMembers)) // GUILD_MEMBER_ADD replayed
			s.AddChannel("general", 0, "")
			dg := connect(t, s)
			registerPing(t, s, dg)
			resumed := make(chan struct{}, 1)
			dg.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { resumed <- struct{}{} })

			s.DropGateway(code)
			if s.Connected() {
				t.Fatal("Connected after DropGateway")
			}
			// Seeded while the client is away: replayed on RESUME.
			alice := s.AddMember("alice")
			select {
			case <-resumed:
			case <-time.After(10 * time.Second):
				t.Fatal("client did not resume")
			}
			waitFor(t, s, func(s *Server) bool { return s.Connected() })
			if id, res := s.GatewayStats(); id != 1 || res != 1 {
				t.Errorf("GatewayStats = %d identifies, %d resumes; want 1, 1", id, res)
			}
			waitFor(t, s, func(*Server) bool { _, err := dg.State.Member(s.GuildID(), alice); return err == nil })

			resp, err := s.Interact(context.Background(), Command("ping"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != "pong" {
				t.Errorf("content = %q", resp.Content)
			}
		})
	}
}

func TestDropGatewaySessionTimeoutReidentifies(t *testing.T) {
	s := New(t)
	connect(t, s)
	s.DropGateway(4009)
	waitFor(t, s, func(s *Server) bool { id, _ := s.GatewayStats(); return id == 2 && s.Connected() })
	if _, res := s.GatewayStats(); res != 0 {
		t.Errorf("resumes = %d, want 0 (session was invalidated)", res)
	}
}

func TestBadTokenClosesGateway(t *testing.T) {
	s := New(t)
	dg := client(t, s)
	dg.Token = "Bot wrong"
	dg.Identify.Token = ""
	dg.ShouldReconnectOnError = false
	// Open fails (REST GET /gateway answers 401) before the websocket.
	if err := dg.Open(); err == nil {
		dg.Close()
		t.Fatal("Open with a bad token succeeded")
	}
	if s.Connected() {
		t.Error("Connected with a bad token")
	}
}
