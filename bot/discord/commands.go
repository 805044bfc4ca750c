package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// commandJSON is a guild command as sent in the bulk overwrite and as compared with
// what GET returns. It is ours rather than discordgo.ApplicationCommand because that
// one always sends "options", "channel_types" and "choices", null when unused, and
// because comparing needs exactly the fields we set.
type commandJSON struct {
	Name        string       `json:"name"`
	Type        int          `json:"type"`
	Description string       `json:"description"`
	Options     []optionJSON `json:"options,omitempty"`
	// DefaultMemberPermissions is sent as null: visible to everyone, also where an
	// earlier version of the bot restricted the command.
	DefaultMemberPermissions *string `json:"default_member_permissions"`
	DMPermission             *bool   `json:"dm_permission,omitempty"`
}

// optionJSON is an option, a sub-command or a group of sub-commands.
type optionJSON struct {
	Type         int          `json:"type"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Required     bool         `json:"required,omitempty"`
	Autocomplete bool         `json:"autocomplete,omitempty"`
	MinLength    *int         `json:"min_length,omitempty"`
	MaxLength    *int         `json:"max_length,omitempty"`
	Options      []optionJSON `json:"options,omitempty"`
}

// commandNameRE is Discord's rule for command and option names (lower case).
var commandNameRE = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// buildCommands turns the bot's specs into guild commands. A spec named "a b" is
// sub-command b of command a, and "a b c" is sub-command c of group b of command a.
// A command made of sub-commands takes the description of a spec named just "a"
// when there is one, and otherwise lists its sub-commands. Moderator commands are
// registered without default_member_permissions, visible to everyone: a moderator
// is whoever holds the moderators role of schedule.yaml, which need not carry any
// Discord permission, so the bot checks the role itself and refuses others.
func buildCommands(specs []bot.CommandSpec) ([]commandJSON, error) {
	var order []string
	byTop := map[string][]bot.CommandSpec{}
	for _, s := range specs {
		top := strings.Fields(s.Name)
		if len(top) == 0 {
			return nil, fmt.Errorf("command %q: empty name", s.Name)
		}
		if _, ok := byTop[top[0]]; !ok {
			order = append(order, top[0])
		}
		byTop[top[0]] = append(byTop[top[0]], s)
	}
	var out []commandJSON
	for _, name := range order {
		c, err := buildCommand(name, byTop[name])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func buildCommand(name string, specs []bot.CommandSpec) (commandJSON, error) {
	if err := checkName(name, "command "+name); err != nil {
		return commandJSON{}, err
	}
	no := false
	c := commandJSON{Name: name, Type: int(discordgo.ChatApplicationCommand), DMPermission: &no}
	var subs []string
	for _, s := range specs {
		parts := strings.Fields(s.Name)
		if len(parts) == 1 {
			if c.Description != "" {
				return commandJSON{}, fmt.Errorf("command %q: defined twice", s.Name)
			}
			c.Description = s.Description
			opts, err := buildOptions(s)
			if err != nil {
				return commandJSON{}, err
			}
			c.Options = append(c.Options, opts...)
			continue
		}
		if len(parts) > 3 {
			return commandJSON{}, fmt.Errorf("command %q: Discord allows at most a group and a sub-command under a command", s.Name)
		}
		subs = append(subs, strings.Join(parts[1:], " "))
		sub, err := buildSub(s, parts[len(parts)-1])
		if err != nil {
			return commandJSON{}, err
		}
		if len(parts) == 2 {
			c.Options = append(c.Options, sub)
			continue
		}
		i := slices.IndexFunc(c.Options, func(o optionJSON) bool {
			return o.Type == int(discordgo.ApplicationCommandOptionSubCommandGroup) && o.Name == parts[1]
		})
		if i < 0 {
			if err := checkName(parts[1], "command "+s.Name); err != nil {
				return commandJSON{}, err
			}
			c.Options = append(c.Options, optionJSON{
				Type: int(discordgo.ApplicationCommandOptionSubCommandGroup), Name: parts[1],
				Description: bot.Truncate(name+" "+parts[1]+" commands", bot.MaxDescription),
			})
			i = len(c.Options) - 1
		}
		c.Options[i].Options = append(c.Options[i].Options, sub)
	}
	if len(subs) > 0 {
		for _, o := range c.Options {
			if o.Type != int(discordgo.ApplicationCommandOptionSubCommand) && o.Type != int(discordgo.ApplicationCommandOptionSubCommandGroup) {
				return commandJSON{}, fmt.Errorf("command %q: has sub-commands, so it cannot have option %q", name, o.Name)
			}
		}
		if c.Description == "" {
			c.Description = bot.Truncate(name+": "+strings.Join(subs, ", "), bot.MaxDescription)
		}
	}
	if err := checkDescription(c.Description, "command "+name); err != nil {
		return commandJSON{}, err
	}
	return c, nil
}

// buildSub is the sub-command for spec s, named name.
func buildSub(s bot.CommandSpec, name string) (optionJSON, error) {
	if err := checkName(name, "command "+s.Name); err != nil {
		return optionJSON{}, err
	}
	if err := checkDescription(s.Description, "command "+s.Name); err != nil {
		return optionJSON{}, err
	}
	opts, err := buildOptions(s)
	if err != nil {
		return optionJSON{}, err
	}
	return optionJSON{Type: int(discordgo.ApplicationCommandOptionSubCommand), Name: name, Description: s.Description, Options: opts}, nil
}

// buildOptions maps a spec's options; Discord wants required options first.
func buildOptions(s bot.CommandSpec) ([]optionJSON, error) {
	var opts []optionJSON
	for _, o := range s.Options {
		where := fmt.Sprintf("command %q option %q", s.Name, o.Name)
		if err := checkName(o.Name, where); err != nil {
			return nil, err
		}
		if err := checkDescription(o.Description, where); err != nil {
			return nil, err
		}
		switch o.Type {
		case bot.OptionString, bot.OptionInteger, bot.OptionBoolean:
		default:
			return nil, fmt.Errorf("%s: unknown type %d", where, o.Type)
		}
		oj := optionJSON{Type: int(o.Type), Name: o.Name, Description: o.Description, Required: o.Required, Autocomplete: o.Autocomplete}
		if o.Type == bot.OptionString {
			if o.MinLength > 0 {
				oj.MinLength = &o.MinLength
			}
			if o.MaxLength > 0 {
				oj.MaxLength = &o.MaxLength
			}
		}
		opts = append(opts, oj)
	}
	slices.SortStableFunc(opts, func(a, b optionJSON) int {
		switch {
		case a.Required == b.Required:
			return 0
		case a.Required:
			return -1
		}
		return 1
	})
	return opts, nil
}

func checkName(name, where string) error {
	if !commandNameRE.MatchString(name) {
		return fmt.Errorf("%s: name %q: Discord wants 1 to %d lower-case letters, digits, '-' or '_'", where, name, bot.MaxCommandName)
	}
	return nil
}

func checkDescription(d, where string) error {
	if n := utf8.RuneCountInString(d); n < 1 || n > bot.MaxDescription {
		return fmt.Errorf("%s: description has %d characters; Discord wants 1 to %d", where, n, bot.MaxDescription)
	}
	return nil
}

// registerCommands replaces the guild's commands with ours, in one bulk overwrite,
// only when they differ: Discord allows 200 command creations a day per guild.
func (t *Transport) registerCommands(ctx context.Context, appID string) error {
	if appID == "" {
		return fmt.Errorf("register commands: no application id in READY")
	}
	u := discordgo.EndpointApplicationGuildCommands(appID, t.guildID)
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return fmt.Errorf("register commands: list: %w", err)
	}
	var have []commandJSON
	if err := json.Unmarshal(resp, &have); err != nil {
		return fmt.Errorf("register commands: decode the list: %w", err)
	}
	if sameCommands(have, t.commands) {
		t.log.Info("commands up to date", "count", len(t.commands))
		return nil
	}
	want := t.commands
	if want == nil {
		want = []commandJSON{} // an overwrite with [] removes every command; null is refused
	}
	if _, err := t.call(ctx, "PUT", u, u, want, true); err != nil {
		return fmt.Errorf("register commands: overwrite: %w", err)
	}
	t.log.Info("commands registered", "count", len(want), "had", len(have))
	return nil
}

// sameCommands compares commands by a canonical JSON of what we set, ignoring order
// and dm_permission (Discord ignores it for guild commands).
func sameCommands(a, b []commandJSON) bool {
	canon := func(cs []commandJSON) []byte {
		cs = append([]commandJSON{}, cs...) // a copy, and [] rather than null when empty
		for i := range cs {
			cs[i].DMPermission = nil
			if cs[i].Type == 0 {
				cs[i].Type = int(discordgo.ChatApplicationCommand)
			}
			if p := cs[i].DefaultMemberPermissions; p != nil && *p == "" {
				cs[i].DefaultMemberPermissions = nil
			}
		}
		slices.SortFunc(cs, func(x, y commandJSON) int { return strings.Compare(x.Name, y.Name) })
		data, _ := json.Marshal(cs)
		return data
	}
	return bytes.Equal(canon(a), canon(b))
}
