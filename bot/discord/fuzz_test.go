package discord

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// interactionFixtures are INTERACTION_CREATE payloads as the gateway delivers
// them, one a file in testdata/interactions: sub-commands with options, a
// button press, an autocomplete, DMs, and some odd but well-formed ones
// (odd_*.json).
func interactionFixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "interactions", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no interaction fixtures in testdata/interactions: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// interactionFixture decodes one of interactionFixtures as discordgo does.
func interactionFixture(tb testing.TB, name string) *discordgo.Interaction {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "interactions", name))
	if err != nil {
		tb.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(b, &i); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &i
}

// FuzzDecodeInteraction feeds arbitrary bytes through the path an
// INTERACTION_CREATE takes: JSON, discordgo's decoding, and the transport's
// decode into a bot.Command. Whatever arrives, nothing panics, and a decoded
// command keeps what the interaction said: its name and sub-commands, the
// pressed button, the user and their role ids.
func FuzzDecodeInteraction(f *testing.F) {
	// The fixtures, and one that is not JSON. More seeds live in
	// testdata/fuzz/FuzzDecodeInteraction.
	for _, b := range interactionFixtures(f) {
		f.Add(b)
	}
	f.Add([]byte("not json"))
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
