package discordtest_test

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot/discord/discordtest"
)

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
	dg.Client = s.HTTPClient() // discordgo's https://discord.com requests go to the fake
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
