package discordtest

import (
	"github.com/bwmarrin/discordgo"
)

// Say posts a message as the member userID in channelID, as a person typing
// in the Discord client would, and returns the message id. A connected bot
// receives MESSAGE_CREATE if it asked for the GUILD_MESSAGES intent; the
// content, embeds, attachments and components are left empty unless it also
// asked for the privileged MESSAGE_CONTENT intent: "Apps without the intent
// will receive empty values in fields that expose message content"
// (https://discord.com/developers/docs/topics/gateway#message-content-intent;
// the exceptions, messages that mention the bot and DMs, are not modelled:
// Say never mentions the bot, and posts in guild channels only).
// It panics on an unknown member or channel: a test's mistake.
func (s *Server) Say(userID, channelID, content string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	mem, ok := s.members[userID]
	if !ok {
		panic("discordtest: Say: no member " + userID)
	}
	ch := s.channelLocked(channelID)
	if ch == nil || ch.Type == discordgo.ChannelTypeDM {
		panic("discordtest: Say: no guild channel " + channelID)
	}
	now := s.cfg.now().UTC()
	m := &Message{
		Message: discordgo.Message{
			ID: s.newID(), ChannelID: ch.ID, GuildID: ch.GuildID, Author: mem.User, Timestamp: now,
			Content: content, Type: discordgo.MessageTypeDefault,
			Attachments: []*discordgo.MessageAttachment{}, Embeds: []*discordgo.MessageEmbed{},
			Mentions: []*discordgo.User{}, MentionRoles: []string{},
		},
		Received: now,
	}
	s.messages[ch.ID] = append(s.messages[ch.ID], m)
	// MESSAGE_CREATE in a guild carries guild_id and the author's member
	// (https://discord.com/developers/docs/events/gateway-events#message-create).
	type create struct {
		wireMessage
		Member *discordgo.Member `json:"member"`
	}
	full := create{wireMessage: m.wire(), Member: &discordgo.Member{Roles: mem.Roles, JoinedAt: mem.JoinedAt}}
	bare := full
	bare.Content = ""
	for _, sess := range s.sessions {
		if sess.intents&discordgo.IntentGuildMessages == 0 {
			continue
		}
		if sess.intents&discordgo.IntentMessageContent != 0 {
			s.sendToSessionLocked(sess, "MESSAGE_CREATE", full)
		} else {
			s.sendToSessionLocked(sess, "MESSAGE_CREATE", bare)
		}
	}
	s.notifyLocked()
	return m.ID
}

// RemoveMember removes a member from the guild, as a kick or the user leaving
// does; a bot connected with the GUILD_MEMBERS intent receives
// GUILD_MEMBER_REMOVE, whose payload is the guild id and the user
// (https://discord.com/developers/docs/events/gateway-events#guild-member-remove).
// It panics on an unknown member.
func (s *Server) RemoveMember(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mem, ok := s.members[userID]
	if !ok {
		panic("discordtest: RemoveMember: no member " + userID)
	}
	delete(s.members, userID)
	for i, id := range s.memberOrder {
		if id == userID {
			s.memberOrder = append(s.memberOrder[:i:i], s.memberOrder[i+1:]...)
			break
		}
	}
	s.dispatchLocked("GUILD_MEMBER_REMOVE", map[string]any{"guild_id": s.guildID, "user": mem.User}, discordgo.IntentGuildMembers)
	s.notifyLocked()
}
