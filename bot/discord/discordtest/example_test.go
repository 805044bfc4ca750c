package discordtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot/discord/discordtest"
)

// toFake sends discordgo's https://discord.com requests to the fake.
type toFake struct{ base *url.URL }

func (f toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = f.base.Scheme, f.base.Host, f.base.Host
	return http.DefaultTransport.RoundTrip(r)
}

// A bot connects, registers a command and answers it; the test plays the
// user with Interact. In a test, use discordtest.New(t), which also fails
// the test for every request the real Discord would reject.
func Example() {
	s, err := discordtest.NewServer()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.AddChannel("general", 0, "")

	dg, _ := discordgo.New("Bot " + discordtest.Token)
	base, _ := url.Parse(s.URL())
	dg.Client = &http.Client{Transport: toFake{base}}
	dg.LogLevel = -1
	dg.AddHandler(func(dg *discordgo.Session, i *discordgo.InteractionCreate) {
		_ = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content:         "next question for " + i.ApplicationCommandData().Options[0].Options[0].StringValue(),
				AllowedMentions: &discordgo.MessageAllowedMentions{},
			},
		})
	})
	if err := dg.Open(); err != nil {
		panic(err)
	}
	defer dg.Close()
	_, err = dg.ApplicationCommandBulkOverwrite(s.AppID(), s.GuildID(), []*discordgo.ApplicationCommand{{
		Name: "questions", Description: "Session questions",
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "next", Description: "Next question",
			Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "session", Description: "Session"}},
		}},
	}})
	if err != nil {
		panic(err)
	}

	resp, err := s.Interact(context.Background(), discordtest.Slash("/questions next session:panel"))
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Content)
	fmt.Println(len(s.Violations()), "violations")
	// Output:
	// next question for panel
	// 0 violations
}
