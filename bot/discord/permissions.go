package discord

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// Permissions is what the bot asks for when it is invited, and no more: see, send,
// embed links, read history, create channels and their overwrites (which may
// only grant what the bot holds: presenters get ATTACH_FILES, PIN_MESSAGES and
// MANAGE_MESSAGES), pin cards (PIN_MESSAGES: since Discord's pin permission
// split, MANAGE_MESSAGES no longer allows pins; discord-api-docs PRs #7766 and
// #7770), create scheduled events, and ping /remindme's reminder roles:
// MANAGE_ROLES makes them and gives them to subscribers, and MENTION_EVERYONE
// ("Mention @everyone, @here, and All Roles",
// https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags)
// lets the bot ping them although members may not (they are not mentionable:
// otherwise anyone could ping a panel's 300 subscribers). Every message names
// in allowed_mentions the one role it may ping, so @everyone is never pinged. CREATE_EVENTS also lets it edit and
// cancel the events it created, the only ones it touches, so it does not ask for
// MANAGE_EVENTS. main_permissions_test.go checks this against every request the
// end-to-end flows send.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionManageChannels |
	discordgo.PermissionManageRoles |
	discordgo.PermissionManageMessages |
	discordgo.PermissionMentionEveryone |
	PermissionPinMessages |
	discordgo.PermissionCreateEvents

// PermissionPinMessages is PIN_MESSAGES (bot.PermPinMessages), which discordgo
// v0.29.0 does not name: pinning and unpinning messages.
const PermissionPinMessages = bot.PermPinMessages

// Intents are the gateway intents the transport identifies with. GuildMembers is
// privileged: enable "Server Members Intent" for the application in the developer
// portal, or Discord closes the gateway with code 4014. It brings member joins
// and leaves (GUILD_MEMBER_ADD, GUILD_MEMBER_REMOVE). GuildMessages brings
// MESSAGE_CREATE, which the figures count; it is not privileged, and without the
// privileged MESSAGE_CONTENT intent, which the bot does not ask for, Discord
// leaves the messages' content out: the bot counts messages without reading
// them (https://discord.com/developers/docs/topics/gateway#message-content-intent).
const Intents = discordgo.IntentGuilds | discordgo.IntentGuildMembers | discordgo.IntentGuildMessages

// channelNeeds is what the bot must be able to do in every channel it posts to.
const channelNeeds int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory

// InviteURL is the link a guild admin opens to add the bot with Permissions and its
// slash commands.
func InviteURL(appID string) string {
	q := url.Values{}
	q.Set("client_id", appID)
	q.Set("permissions", strconv.FormatInt(Permissions, 10))
	q.Set("scope", "bot applications.commands")
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}

// permissionNames names the permissions that log lines and errors mention, in
// Discord's spelling.
var permissionNames = []struct {
	bit  int64
	name string
}{
	{discordgo.PermissionViewChannel, "VIEW_CHANNEL"},
	{discordgo.PermissionSendMessages, "SEND_MESSAGES"},
	{discordgo.PermissionEmbedLinks, "EMBED_LINKS"},
	{discordgo.PermissionAttachFiles, "ATTACH_FILES"},
	{discordgo.PermissionReadMessageHistory, "READ_MESSAGE_HISTORY"},
	{discordgo.PermissionManageChannels, "MANAGE_CHANNELS"},
	{discordgo.PermissionManageRoles, "MANAGE_ROLES"},
	{discordgo.PermissionManageMessages, "MANAGE_MESSAGES"},
	{discordgo.PermissionMentionEveryone, "MENTION_EVERYONE"},
	{PermissionPinMessages, "PIN_MESSAGES"},
	{discordgo.PermissionManageEvents, "MANAGE_EVENTS"},
	{discordgo.PermissionCreateEvents, "CREATE_EVENTS"},
}

// missing lists, by name, the permissions of need that have lacks. Without
// VIEW_CHANNEL a channel grants nothing else, so only that one is reported.
func missing(have, need int64) []string {
	if need&discordgo.PermissionViewChannel != 0 && have&discordgo.PermissionViewChannel == 0 {
		return []string{"VIEW_CHANNEL"}
	}
	var names []string
	for _, p := range permissionNames {
		if need&p.bit != 0 && have&p.bit == 0 {
			names = append(names, p.name)
		}
	}
	return names
}

// guildPermissions is what a member with roles may do in g before channel overwrites,
// computed as Discord documents it: @everyone, then the member's roles; the owner and
// administrators may do everything.
func guildPermissions(g *discordgo.Guild, userID string, roles []string) int64 {
	if userID != "" && userID == g.OwnerID {
		return discordgo.PermissionAll
	}
	var perms int64
	for _, r := range g.Roles {
		if r.ID == g.ID || slices.Contains(roles, r.ID) {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	return perms
}

// channelPermissions is what a member with roles may do in ch: the guild permissions,
// then the @everyone overwrite, the role overwrites together, and the member's own.
// Without VIEW_CHANNEL nothing else is granted.
func channelPermissions(g *discordgo.Guild, userID string, roles []string, ch *discordgo.Channel) int64 {
	perms := guildPermissions(g, userID, roles)
	if perms&discordgo.PermissionAdministrator != 0 || (userID != "" && userID == g.OwnerID) {
		return discordgo.PermissionAll
	}
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == g.ID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	var deny, allow int64
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID != g.ID && slices.Contains(roles, o.ID) {
			deny |= o.Deny
			allow |= o.Allow
		}
	}
	perms = perms&^deny | allow
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && userID != "" && o.ID == userID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	if perms&discordgo.PermissionViewChannel == 0 {
		return 0
	}
	return perms
}

// isSnowflake reports whether s looks like a Discord id rather than a name.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
