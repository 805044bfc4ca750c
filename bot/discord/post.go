package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// allowedMentions is Discord's allowed_mentions. Parse is always sent, empty, so
// that no "@everyone", "<@&role>" or "<@user>" in a text pings anyone; Roles lists
// the only roles that may be pinged.
type allowedMentions struct {
	Parse []string `json:"parse"`
	Roles []string `json:"roles,omitempty"`
	Users []string `json:"users,omitempty"` // the only users that may be pinged (Message.PingUsers)
}

// noMentions allows no mention at all.
func noMentions() *allowedMentions { return &allowedMentions{Parse: []string{}} }

// messageCreate is the body of POST /channels/{id}/messages.
type messageCreate struct {
	Content         string           `json:"content"`
	Nonce           string           `json:"nonce,omitempty"`
	EnforceNonce    bool             `json:"enforce_nonce,omitempty"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
	Components      []actionRow      `json:"components,omitempty"`
	Embeds          []embedJSON      `json:"embeds,omitempty"`
}

// Post sends m to its channel and returns where it landed. A post with a nonce is
// retried (429, 5xx, timeouts) up to MaxAttempts times, and Discord keeps one
// message per nonce; a post without a nonce is retried only after a 429.
func (t *Transport) Post(ctx context.Context, m bot.Message) (bot.Posted, error) {
	done, ok := t.track()
	if !ok {
		return bot.Posted{}, fmt.Errorf("post to %s: transport closed", m.Channel)
	}
	defer done()
	ch, label, err := t.channelFor(ctx, m.Channel)
	if err != nil {
		return bot.Posted{}, fmt.Errorf("post to %s: %w", m.Channel, err)
	}
	body := messageCreate{Content: m.Content, AllowedMentions: noMentions(), Components: t.components(m.Buttons), Embeds: embeds(m.Embeds)}
	body.AllowedMentions.Users = pingUsers(m.PingUsers)
	if m.PingRole {
		t.state.RLock()
		role := t.reminderRole
		t.state.RUnlock()
		if role != "" {
			body.Content = "<@&" + role + "> " + m.Content
			body.AllowedMentions.Roles = []string{role}
		}
	}
	if m.MentionRole != "" && isSnowflake(m.MentionRole) {
		body.Content = "<@&" + m.MentionRole + "> " + body.Content
		body.AllowedMentions.Roles = append(body.AllowedMentions.Roles, m.MentionRole)
	}
	body.Content = bot.Truncate(body.Content, bot.MaxContent)
	if m.Nonce != "" {
		body.Nonce = nonce(m.Nonce)
		body.EnforceNonce = true
	}

	start := time.Now()
	u := discordgo.EndpointChannelMessages(ch)
	resp, err := t.call(ctx, "POST", u, u, body, body.Nonce != "")
	if err != nil {
		t.log.Warn("post failed", "channel", label, "channel_id", ch, "nonce", body.Nonce, "error", err)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
			return bot.Posted{}, fmt.Errorf("post to %s: %w: the bot needs VIEW_CHANNEL and SEND_MESSAGES there", label, err)
		}
		return bot.Posted{}, fmt.Errorf("post to %s: %w", label, err)
	}
	var msg struct {
		ID        string `json:"id"`
		ChannelID string `json:"channel_id"`
	}
	if err := json.Unmarshal(resp, &msg); err != nil || msg.ID == "" {
		return bot.Posted{}, fmt.Errorf("post to %s: decode the created message: %v (body %.200q)", label, err, resp)
	}
	if msg.ChannelID == "" {
		msg.ChannelID = ch
	}
	t.log.Info("posted", "channel", label, "channel_id", msg.ChannelID, "message_id", msg.ID,
		"nonce", body.Nonce, "ping_role", len(body.AllowedMentions.Roles) > 0,
		"latency", time.Since(start).Round(time.Millisecond))
	return bot.Posted{ChannelID: msg.ChannelID, MessageID: msg.ID}, nil
}

// channelFor maps a logical channel, or a raw channel id, to a channel id, with a
// label for messages ("#announcements").
func (t *Transport) channelFor(ctx context.Context, logical string) (id, label string, err error) {
	if name, ok := bot.RoomChannelName(logical); ok {
		return t.roomChannel(ctx, logical, name)
	}
	switch logical {
	case bot.ChannelAnnouncements, bot.ChannelQuestions, bot.ChannelModerators, bot.ChannelGreenRoom:
		t.state.RLock()
		ch := t.channels[logical]
		t.state.RUnlock()
		if ch == nil {
			return "", "", errors.New("channel not resolved at start (see the log of Open)")
		}
		return ch.ID, "#" + ch.Name, nil
	}
	if isSnowflake(logical) {
		return logical, "channel " + logical, nil
	}
	return "", "", fmt.Errorf("unknown channel %q: want %s, %s, %s, %s or a channel id",
		logical, bot.ChannelAnnouncements, bot.ChannelQuestions, bot.ChannelModerators, bot.ChannelGreenRoom)
}

// roomChannel resolves a room's own announcements channel (bot.RoomChannel) the
// first time it is posted to, by id or name, from the guild as it arrived or
// else through REST, and remembers it. Rooms change with the program, so they
// are not resolved at start; and the bot does not create them: a typo would
// otherwise make a channel nobody reads.
func (t *Transport) roomChannel(ctx context.Context, logical, name string) (id, label string, err error) {
	t.state.RLock()
	ch := t.channels[logical]
	var guild []*discordgo.Channel
	if ch == nil && t.guild != nil {
		guild = t.guild.Channels
	}
	t.state.RUnlock()
	if ch == nil {
		ch = findChannel(guild, name)
	}
	if ch == nil {
		ch = t.lookupChannel(ctx, t.guildID, name)
	}
	if ch == nil {
		return "", "", fmt.Errorf("room channel %q not found in the guild: create it, or correct rooms[].announcements in schedule.yaml", name)
	}
	t.state.Lock()
	if t.channels == nil {
		t.channels = map[string]*discordgo.Channel{}
	}
	t.channels[logical] = ch
	t.state.Unlock()
	return ch.ID, "#" + ch.Name, nil
}

// WireNonce is the nonce Discord is sent for a Message.Nonce (see nonce): what
// a test looks for on the fake, where the database records the Message's.
func WireNonce(s string) string { return nonce(s) }

// nonce fits a Message.Nonce into Discord's 25 characters: a longer one is replaced
// by a hash of it, so it stays stable across retries and restarts.
func nonce(s string) string {
	if len(s) <= bot.MaxNonce {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:bot.MaxNonce]
}
