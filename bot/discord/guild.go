package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// ownChannel is a channel the bot posts to and creates when it is missing.
type ownChannel struct {
	logical string                         // bot.ChannelAnnouncements...
	name    func(bot.DiscordConfig) string // its name or id in schedule.yaml
	def     string                         // its name when schedule.yaml gives none
	private bool                           // visible only to the moderators role and the bot
	topic   string                         // of a private channel the bot creates
	// optional channels are resolved (and created) only when schedule.yaml
	// names them: the green room exists when a session lists people.
	optional bool
}

var ownChannels = []ownChannel{
	{bot.ChannelAnnouncements, func(n bot.DiscordConfig) string { return n.Announcements }, "announcements", false, "", false},
	{bot.ChannelQuestions, func(n bot.DiscordConfig) string { return n.PanelQuestions }, "panel-questions", false, "", false},
	{bot.ChannelModerators, func(n bot.DiscordConfig) string { return n.ModChannel }, "moderators", true, "Notices from the workshop bot to moderators", false},
	// The green room: the moderators here, and the bot lets in the listed
	// speakers and chairs one by one (bot/greenroom_run.go).
	{bot.ChannelGreenRoom, func(n bot.DiscordConfig) string { return n.GreenRoom }, "green-room", true, "Speakers and chairs check in here before their sessions", true},
}

// setUp resolves the guild's channels and roles, creates the missing bot-owned
// channels, logs the permissions the bot lacks, and registers the commands. It logs
// what it cannot do and goes on; only a role name that two roles share is an
// error, since the bot could not tell which one holds the rights.
func (t *Transport) setUp(ctx context.Context) error {
	t.state.RLock()
	g, botID, appID := t.guild, t.botID, t.appID
	t.state.RUnlock()

	modRole, err := t.findRole(g, t.cfg.Names.Moderators, "moderators")
	if err != nil {
		return err
	}
	remRole, err := t.findRole(g, t.cfg.Names.ReminderRole, "reminder")
	if err != nil {
		return err
	}
	botRoles, err := t.botRoles(ctx, g, botID)
	known := err == nil
	if err != nil {
		t.log.Error("cannot read the bot's roles; permissions not checked", "bot", botID, "error", err)
	}
	guildPerms := guildPermissions(g, botID, botRoles)
	if !known {
		guildPerms = discordgo.PermissionAll // unknown: try, and let Discord say no
	}

	channels := slices.Clone(g.Channels)
	resolved := map[string]*discordgo.Channel{}
	for _, oc := range ownChannels {
		want := strings.TrimSpace(oc.name(t.cfg.Names))
		if want == "" && oc.optional {
			continue
		}
		if want == "" {
			want = oc.def
		}
		ch := findChannel(channels, want)
		created := false
		if ch == nil {
			if isSnowflake(want) {
				t.log.Error(fmt.Sprintf("channel %s for %s not found in the guild", want, oc.logical),
					"channel_id", want, "use", oc.logical)
				continue
			}
			if ch = t.createChannel(ctx, g, channelName(want), oc.private, oc.topic, guildPerms, modRole, botID); ch == nil {
				continue
			}
			channels = append(channels, ch)
			created = true
		}
		resolved[oc.logical] = ch
		t.log.Info("channel resolved", "use", oc.logical, "channel", ch.Name, "channel_id", ch.ID, "created", created)
		if known {
			for _, p := range missing(channelPermissions(g, botID, botRoles, ch), channelNeeds) {
				t.log.Warn(fmt.Sprintf("missing permission %s in #%s", p, ch.Name),
					"permission", p, "channel", ch.Name, "channel_id", ch.ID, "use", oc.logical)
			}
		}
		if oc.private {
			t.checkPrivate(g, ch, modRole)
		}
	}

	t.state.Lock()
	t.channels = resolved
	t.reminderRole, t.modRole = "", ""
	if remRole != nil {
		t.reminderRole = remRole.ID
	}
	if modRole != nil {
		t.modRole = modRole.ID
	}
	t.state.Unlock()

	if err := t.registerCommands(ctx, appID); err != nil {
		t.log.Error("commands not registered; the ones registered before (if any) still work", "error", err)
	}
	return nil
}

var _ bot.GreenRoomGuild = (*Transport)(nil)

// ChannelID implements bot.GreenRoomGuild: the id of a logical channel as
// resolved at start, "" if it was not.
func (t *Transport) ChannelID(logical string) string {
	t.state.RLock()
	defer t.state.RUnlock()
	if ch := t.channels[logical]; ch != nil {
		return ch.ID
	}
	return ""
}

// checkPrivate warns when the moderators channel is visible to everyone, or not to
// the moderators.
func (t *Transport) checkPrivate(g *discordgo.Guild, ch *discordgo.Channel, modRole *discordgo.Role) {
	if channelPermissions(g, "", nil, ch)&discordgo.PermissionViewChannel != 0 {
		t.log.Warn(fmt.Sprintf("#%s is visible to @everyone: moderator notices will be public", ch.Name),
			"channel", ch.Name, "channel_id", ch.ID)
	}
	if modRole != nil && channelPermissions(g, "", []string{modRole.ID}, ch)&discordgo.PermissionViewChannel == 0 {
		t.log.Warn(fmt.Sprintf("#%s is not visible to the role %s", ch.Name, modRole.Name),
			"channel", ch.Name, "channel_id", ch.ID, "role", modRole.Name, "role_id", modRole.ID)
	}
}

// findRole resolves a role by id, else by its exact name when one role alone
// has it; what is the role's use, for logs. Two roles with the name is an
// error that names them: the bot checks rights by id and cannot guess which.
func (t *Transport) findRole(g *discordgo.Guild, want, what string) (*discordgo.Role, error) {
	want = strings.TrimPrefix(strings.TrimSpace(want), "@")
	if want == "" {
		t.log.Info("no " + what + " role configured")
		return nil, nil
	}
	var named []*discordgo.Role
	for _, r := range g.Roles {
		if r.ID == g.ID {
			continue // @everyone
		}
		if r.ID == want {
			t.log.Info("role resolved", "use", what, "role", r.Name, "role_id", r.ID)
			return r, nil
		}
		if r.Name == want {
			named = append(named, r)
		}
	}
	switch len(named) {
	case 0:
		t.log.Warn(fmt.Sprintf("%s role %q not found in the guild (names match exactly, case included)", what, want), "use", what, "role", want)
		return nil, nil
	case 1:
		t.log.Info("role resolved", "use", what, "role", named[0].Name, "role_id", named[0].ID)
		return named[0], nil
	}
	ids := make([]string, len(named))
	for i, r := range named {
		ids[i] = r.ID
	}
	return nil, fmt.Errorf("discord: %s role %q: %d roles have that name (ids %s); rename all but one, or give the role's id in schedule.yaml", what, want, len(named), strings.Join(ids, ", "))
}

// findChannel resolves a text channel by id, else by name as Discord spells names
// ("Panel Questions" and "#panel-questions" find panel-questions).
func findChannel(channels []*discordgo.Channel, want string) *discordgo.Channel {
	text := func(c *discordgo.Channel) bool {
		return c.Type == discordgo.ChannelTypeGuildText || c.Type == discordgo.ChannelTypeGuildNews
	}
	for _, c := range channels {
		if c.ID == want && text(c) {
			return c
		}
	}
	name := channelName(want)
	for _, c := range channels {
		if text(c) && channelName(c.Name) == name {
			return c
		}
	}
	return nil
}

// channelName is a name as Discord stores text channel names: lower case, no '#',
// dashes for spaces.
func channelName(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	return strings.Join(strings.Fields(strings.ToLower(s)), "-")
}

// botRoles returns the role ids of the bot's member in g, from GUILD_CREATE or, when
// Discord did not include it there, from REST.
func (t *Transport) botRoles(ctx context.Context, g *discordgo.Guild, botID string) ([]string, error) {
	if botID == "" {
		return nil, errors.New("no bot user in READY")
	}
	for _, m := range g.Members {
		if m.User != nil && m.User.ID == botID {
			return m.Roles, nil
		}
	}
	u := discordgo.EndpointGuildMember(g.ID, botID)
	resp, err := t.call(ctx, "GET", u, discordgo.EndpointGuildMembers(g.ID), nil, true)
	if err != nil {
		return nil, fmt.Errorf("get the bot's member: %w", err)
	}
	var m discordgo.Member
	if err := json.Unmarshal(resp, &m); err != nil {
		return nil, fmt.Errorf("get the bot's member: decode: %w", err)
	}
	return m.Roles, nil
}

// createChannel creates a text channel; a private one is hidden from @everyone and
// shown to the moderators role and the bot. It returns nil, having logged why, when
// the bot may not or Discord refuses. Creating is not idempotent, so after an answer
// that leaves it unclear whether Discord created the channel, it looks before
// trying again.
func (t *Transport) createChannel(ctx context.Context, g *discordgo.Guild, name string, private bool, topic string,
	guildPerms int64, modRole *discordgo.Role, botID string) *discordgo.Channel {
	if guildPerms&discordgo.PermissionManageChannels == 0 {
		t.log.Warn(fmt.Sprintf("missing permission MANAGE_CHANNELS in the guild: cannot create #%s", name),
			"permission", "MANAGE_CHANNELS", "channel", name)
		return nil
	}
	data := discordgo.GuildChannelCreateData{Name: name, Type: discordgo.ChannelTypeGuildText}
	if private {
		if guildPerms&discordgo.PermissionManageRoles == 0 {
			t.log.Warn(fmt.Sprintf("missing permission MANAGE_ROLES in the guild: cannot create private #%s", name),
				"permission", "MANAGE_ROLES", "channel", name)
			return nil
		}
		data.Topic = topic
		// Discord refuses overwrites that allow what the bot itself may not do.
		data.PermissionOverwrites = []*discordgo.PermissionOverwrite{
			{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
			{ID: botID, Type: discordgo.PermissionOverwriteTypeMember, Allow: channelNeeds & guildPerms},
		}
		if modRole != nil {
			data.PermissionOverwrites = append(data.PermissionOverwrites, &discordgo.PermissionOverwrite{
				ID: modRole.ID, Type: discordgo.PermissionOverwriteTypeRole,
				Allow: (discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory) & guildPerms,
			})
		} else {
			t.log.Warn(fmt.Sprintf("#%s will be visible only to the bot and administrators: no moderators role", name), "channel", name)
		}
	}
	u := discordgo.EndpointGuildChannels(g.ID)
	var err error
	for try := 0; try < 2; try++ {
		var resp []byte
		if resp, err = t.call(ctx, "POST", u, u, data, false); err == nil {
			var ch discordgo.Channel
			if err = json.Unmarshal(resp, &ch); err == nil {
				t.log.Info(fmt.Sprintf("created #%s", ch.Name), "channel", ch.Name, "channel_id", ch.ID, "private", private)
				return &ch
			}
			break
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status != 0 && ae.Status < 500 {
			break // refused: Discord did not create it
		}
		if ch := t.lookupChannel(ctx, g.ID, name); ch != nil {
			t.log.Info(fmt.Sprintf("created #%s", ch.Name), "channel", ch.Name, "channel_id", ch.ID, "private", private)
			return ch
		}
	}
	t.log.Error(fmt.Sprintf("cannot create #%s", name), "channel", name, "error", err)
	return nil
}

// lookupChannel finds a text channel by name through REST, or returns nil.
func (t *Transport) lookupChannel(ctx context.Context, guildID, name string) *discordgo.Channel {
	u := discordgo.EndpointGuildChannels(guildID)
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return nil
	}
	var channels []*discordgo.Channel
	if json.Unmarshal(resp, &channels) != nil {
		return nil
	}
	return findChannel(channels, name)
}
