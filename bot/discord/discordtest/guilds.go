package discordtest

import (
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// otherGuild is a second guild the application is in: a staging server
// beside the production one, say. Two deployments of one application (one
// token, or one application id) receive every guild's events and
// interactions on their gateway sessions, so a bot must tell its own guild's
// from the others' ("Interactions ... guild_id: Guild that the interaction
// was sent from", https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object;
// READY lists every guild the bot is in, each followed by GUILD_CREATE,
// https://discord.com/developers/docs/events/gateway-events#ready).
// It holds what a test needs to send from it: @everyone, one text channel,
// the owner (who is also in the fake's main guild) and the bot.
type otherGuild struct {
	id, name string
	everyone *discordgo.Role
	channel  *discordgo.Channel
	commands map[string]string // command name -> its id in this guild
	joined   time.Time
}

// AddGuild adds a second guild that the bot is a member of, with one text
// channel, and returns the guild's id and the channel's. A connected bot
// receives its GUILD_CREATE; later sessions see it in READY. Interactions
// come from it when Interaction.GuildID names it: the application's commands
// are registered there too, as another deployment of the same application
// (staging beside production) would have done.
func (s *Server) AddGuild(name string) (guildID, channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &otherGuild{id: s.newID(), name: name, commands: map[string]string{}, joined: time.Now().UTC()}
	g.everyone = &discordgo.Role{ID: g.id, Name: "@everyone",
		Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory | discordgo.PermissionUseSlashCommands}
	g.channel = &discordgo.Channel{ID: s.newID(), GuildID: g.id, Name: "general", Type: discordgo.ChannelTypeGuildText}
	s.otherGuilds = append(s.otherGuilds, g)
	for _, sess := range s.sessions {
		if sess.intents&discordgo.IntentGuilds != 0 {
			s.sendToSessionLocked(sess, "GUILD_CREATE", s.otherGuildCreateLocked(g))
		}
	}
	s.notifyLocked()
	return g.id, g.channel.ID
}

// otherGuildLocked finds an added guild by id.
func (s *Server) otherGuildLocked(id string) *otherGuild {
	for _, g := range s.otherGuilds {
		if g.id == id {
			return g
		}
	}
	return nil
}

// otherGuildCreateLocked is g's GUILD_CREATE.
func (s *Server) otherGuildCreateLocked(g *otherGuild) map[string]any {
	bot := &discordgo.Member{User: s.botUser, Roles: []string{}, JoinedAt: g.joined}
	return map[string]any{
		"id": g.id, "name": g.name, "owner_id": s.ownerID,
		"roles": []*discordgo.Role{g.everyone}, "channels": []*discordgo.Channel{g.channel},
		"members": []*discordgo.Member{bot}, "member_count": 2, "joined_at": g.joined,
		"large": false, "unavailable": false, "threads": []any{}, "voice_states": []any{}, "presences": []any{},
		"emojis": []any{}, "stickers": []any{}, "guild_scheduled_events": []any{}, "features": []any{}, "preferred_locale": "en-US",
	}
}

// readyGuildsLocked is READY's guilds: every guild, unavailable until its
// GUILD_CREATE.
func (s *Server) readyGuildsLocked() []any {
	out := []any{map[string]any{"id": s.guildID, "unavailable": true}}
	for _, g := range s.otherGuilds {
		out = append(out, map[string]any{"id": g.id, "unavailable": true})
	}
	return out
}

// retargetLocked moves an interaction's payload to guild g: its guild, its
// channel, the command's id there, and the permissions @everyone has there.
func (s *Server) retargetLocked(payload map[string]any, g *otherGuild) {
	payload["guild_id"] = g.id
	payload["channel_id"] = g.channel.ID
	payload["channel"] = g.channel
	payload["authorizing_integration_owners"] = map[string]string{"0": g.id}
	perms := strconv.FormatInt(g.everyone.Permissions, 10)
	payload["app_permissions"] = perms
	if m, ok := payload["member"].(map[string]any); ok {
		m["roles"] = []string{}
		m["permissions"] = perms
	}
	if data, ok := payload["data"].(map[string]any); ok {
		if name, ok := data["name"].(string); ok {
			id, ok := g.commands[name]
			if !ok {
				id = s.newID()
				g.commands[name] = id
			}
			data["id"], data["guild_id"] = id, g.id
		}
	}
}

// interactionChannelLocked is the channel an interaction came from: one of
// the main guild's, a DM, or an added guild's, where answers to it go.
func (s *Server) interactionChannelLocked(id string) *discordgo.Channel {
	if ch := s.channelLocked(id); ch != nil {
		return ch
	}
	for _, g := range s.otherGuilds {
		if g.channel.ID == id {
			return g.channel
		}
	}
	return nil
}
