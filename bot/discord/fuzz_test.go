package discord

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// interactionSeeds are INTERACTION_CREATE payloads as the gateway delivers them:
// a sub-command with options, a button press, an autocomplete, a DM, and some
// odd but well-formed ones. More seeds live in testdata/fuzz/FuzzDecodeInteraction.
var interactionSeeds = []string{
	`{"id":"1","application_id":"2","type":2,"token":"t","guild_id":"3","channel_id":"4",` +
		`"member":{"user":{"id":"5","username":"alice"},"roles":["6"]},` +
		`"data":{"id":"7","name":"questions","type":1,"options":[{"name":"next","type":1,"options":[{"name":"session","type":3,"value":"panel"}]}]}}`,
	`{"id":"1","type":2,"token":"t","channel_id":"4","member":{"user":{"id":"5","username":"bob"},"roles":[]},` +
		`"data":{"name":"ask","options":[{"name":"question","type":3,"value":"@everyone why?"},{"name":"anonymous","type":5,"value":true}]}}`,
	`{"id":"1","type":2,"token":"t","channel_id":"4","member":{"user":{"id":"5"}},` +
		`"data":{"name":"workshop","options":[{"name":"delay","type":1,"options":[{"name":"minutes","type":4,"value":-15},{"name":"following","type":5,"value":false}]}]}}`,
	`{"id":"1","type":3,"token":"t","channel_id":"4","message":{"id":"9","channel_id":"4"},` +
		`"member":{"user":{"id":"5","username":"carol"},"roles":["6","8"]},"data":{"custom_id":"q:vote:12","component_type":2}}`,
	`{"id":"1","type":4,"token":"t","channel_id":"4","member":{"user":{"id":"5"}},` +
		`"data":{"name":"ask","options":[{"name":"session","type":3,"value":"pan","focused":true}]}}`,
	`{"id":"1","type":2,"token":"t","channel_id":"4","user":{"id":"5","username":"dm-user"},"data":{"name":"help"}}`,
	`{"id":"1","type":2,"token":"t","data":{"name":"next","options":[{"name":"x","type":10,"value":1e308}]}}`,
	`{"id":"1","type":3,"token":"t","data":{"custom_id":"","component_type":3,"values":["a","b"]}}`,
	`{"id":"1","type":5,"token":"t","data":{"custom_id":"modal","components":[]}}`,
	`{"id":"1","type":1,"token":"t"}`,
	`{"id":"1","type":2,"token":"t","member":{"user":null,"roles":null},"data":{"name":"schedule","options":[{"name":"g","type":2,"options":[{"name":"s","type":1}]}]}}`,
	`{"type":2,"data":null}`,
	`not json`,
}

// FuzzDecodeInteraction feeds arbitrary bytes through the path an
// INTERACTION_CREATE takes: JSON, discordgo's decoding, and the transport's
// decode into a bot.Command. Whatever arrives, nothing panics, and a decoded
// command keeps what the interaction said: its name and sub-commands, the
// pressed button, the user and their role ids.
func FuzzDecodeInteraction(f *testing.F) {
	for _, s := range interactionSeeds {
		f.Add([]byte(s))
	}
	tr := &Transport{log: slog.New(slog.DiscardHandler), modRole: "6", cfg: Config{Names: bot.DiscordConfig{Moderators: "Moderators"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e discordgo.InteractionCreate
		if err := json.Unmarshal(data, &e); err != nil || e.Interaction == nil {
			return // discordgo drops the event; the bot never sees it
		}
		i := e.Interaction
		switch i.Type {
		case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete, discordgo.InteractionMessageComponent:
		default:
			return // interact ignores the other types before decoding
		}
		cmd := tr.decode(i)

		if i.Type == discordgo.InteractionMessageComponent {
			if cmd.Name != "" || cmd.Button != i.MessageComponentData().CustomID {
				t.Errorf("button press decoded as name %q, button %q; want the custom_id %q", cmd.Name, cmd.Button, i.MessageComponentData().CustomID)
			}
		} else {
			data := i.ApplicationCommandData()
			if cmd.Button != "" || !strings.HasPrefix(cmd.Name, data.Name) || cmd.Options == nil {
				t.Errorf("command %q decoded as name %q, button %q, options %v", data.Name, cmd.Name, cmd.Button, cmd.Options)
			}
			if cmd.Focused != "" {
				if _, ok := cmd.Options[cmd.Focused]; !ok {
					t.Errorf("focused option %q is not among the options %v", cmd.Focused, cmd.Options)
				}
			}
		}
		if cmd.Channel != i.ChannelID {
			t.Errorf("channel %q, want %q", cmd.Channel, i.ChannelID)
		}
		var wantUser string
		var roles []string
		switch {
		case i.Member != nil && i.Member.User != nil:
			wantUser, roles = i.Member.User.ID, i.Member.Roles
		case i.User != nil:
			wantUser = i.User.ID
		}
		if cmd.User.ID != wantUser {
			t.Errorf("user %q, want %q", cmd.User.ID, wantUser)
		}
		for _, r := range roles {
			if !slices.Contains(cmd.User.Roles, r) {
				t.Errorf("role %q lost: %v", r, cmd.User.Roles)
			}
			if r == "6" && !slices.Contains(cmd.User.Roles, "Moderators") {
				t.Errorf("role 6 not named Moderators: %v", cmd.User.Roles)
			}
		}
	})
}
