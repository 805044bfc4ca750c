package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// messageRoutes lists the routes for channel messages and pins.
func messageRoutes() map[string]handler {
	return map[string]handler{
		"POST /channels/{channel_id}/messages":                     createMessage,
		"GET /channels/{channel_id}/messages":                      listMessages,
		"GET /channels/{channel_id}/messages/{message_id}":         getMessage,
		"PATCH /channels/{channel_id}/messages/{message_id}":       editMessage,
		"DELETE /channels/{channel_id}/messages/{message_id}":      deleteMessage,
		"PUT /channels/{channel_id}/pins/{message_id}":             pinMessage,
		"DELETE /channels/{channel_id}/pins/{message_id}":          unpinMessage,
		"GET /channels/{channel_id}/pins":                          listPins,
		"PUT /channels/{channel_id}/messages/pins/{message_id}":    pinMessage,
		"DELETE /channels/{channel_id}/messages/pins/{message_id}": unpinMessage,
		"GET /channels/{channel_id}/messages/pins":                 listPinsV2,
	}
}

// nonceWindow is how long Discord remembers an enforced nonce.
const nonceWindow = 5 * time.Minute

// maxPins is Discord's per-channel pin limit.
const maxPins = 50

// messageBody is a message create or edit request. Raw fields keep "absent"
// apart from "null" for edits.
type messageBody struct {
	Content          *string                     `json:"content"`
	Embeds           json.RawMessage             `json:"embeds"`
	Components       json.RawMessage             `json:"components"`
	AllowedMentions  json.RawMessage             `json:"allowed_mentions"`
	Nonce            json.RawMessage             `json:"nonce"`
	EnforceNonce     bool                        `json:"enforce_nonce"`
	Flags            discordgo.MessageFlags      `json:"flags"`
	TTS              bool                        `json:"tts"`
	MessageReference *discordgo.MessageReference `json:"message_reference"`
	Attachments      json.RawMessage             `json:"attachments"`
}

func (b *messageBody) nonce() string {
	var v any
	if err := json.Unmarshal(b.Nonce, &v); err != nil || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func decodeEmbeds(raw json.RawMessage) []*discordgo.MessageEmbed {
	var out []*discordgo.MessageEmbed
	if present(raw) {
		_ = json.Unmarshal(raw, &out)
	}
	for _, e := range out {
		if e != nil && e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	if out == nil {
		out = []*discordgo.MessageEmbed{}
	}
	return out
}

// decodeComponents uses discordgo's own decoding of component unions.
func decodeComponents(raw json.RawMessage) []discordgo.MessageComponent {
	if !present(raw) {
		return []discordgo.MessageComponent{}
	}
	var m discordgo.Message
	if err := json.Unmarshal([]byte(`{"components":`+string(raw)+`}`), &m); err != nil {
		return []discordgo.MessageComponent{}
	}
	return m.Components
}

func decodeAllowedMentions(raw json.RawMessage) *discordgo.MessageAllowedMentions {
	if !present(raw) {
		return nil
	}
	var am discordgo.MessageAllowedMentions
	if err := json.Unmarshal(raw, &am); err != nil {
		return nil
	}
	return &am
}

// newMessageLocked builds a message from a request body as Discord stores
// it: the bot as author, rich embeds, attachments for files, and the
// mentions that allowed_mentions lets through.
func (s *Server) newMessageLocked(ch *discordgo.Channel, b *messageBody, body []byte, files []File) *Message {
	now := time.Now().UTC()
	m := &Message{
		Message: discordgo.Message{
			ID: s.newID(), ChannelID: ch.ID, GuildID: ch.GuildID, Author: s.botUser, Timestamp: now,
			Embeds: decodeEmbeds(b.Embeds), Flags: b.Flags, TTS: b.TTS, Type: discordgo.MessageTypeDefault,
			MessageReference: b.MessageReference, Attachments: []*discordgo.MessageAttachment{},
			Mentions: []*discordgo.User{}, MentionRoles: []string{},
		},
		Body:            body,
		AllowedMentions: decodeAllowedMentions(b.AllowedMentions),
		Nonce:           b.nonce(),
		Files:           files,
		Received:        now,
	}
	if b.MessageReference != nil {
		m.Type = discordgo.MessageTypeReply
	}
	if b.Content != nil {
		m.Content = *b.Content
	}
	m.Components = decodeComponents(b.Components)
	m.Message.Components = m.Components
	for _, f := range files {
		m.Attachments = append(m.Attachments, &discordgo.MessageAttachment{
			ID: s.newID(), Filename: f.Name, ContentType: f.ContentType, Size: len(f.Data),
			URL: "https://cdn.discordapp.com/attachments/" + ch.ID + "/" + m.ID + "/" + f.Name,
		})
	}
	s.resolveMentionsLocked(m)
	return m
}

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
)

// resolveMentionsLocked fills Mentions, MentionRoles and MentionEveryone
// with who would actually be pinged: mentioned in the content and allowed
// by allowed_mentions (Discord's default, without it, is to allow all).
// @everyone also needs MENTION_EVERYONE.
func (s *Server) resolveMentionsLocked(m *Message) {
	am := m.AllowedMentions
	allow := func(kind discordgo.AllowedMentionType, id string, list []string) bool {
		if am == nil {
			return true
		}
		for _, p := range am.Parse {
			if p == kind {
				return true
			}
		}
		return id != "" && slices.Contains(list, id)
	}
	m.Mentions = []*discordgo.User{}
	m.MentionRoles = []string{}
	for _, sub := range userMention.FindAllStringSubmatch(m.Content, -1) {
		if mem, ok := s.members[sub[1]]; ok && allow(discordgo.AllowedMentionTypeUsers, sub[1], amUsers(am)) {
			m.Mentions = append(m.Mentions, mem.User)
		}
	}
	// A role pings only if it is mentionable, or the author may mention
	// every role: MENTION_EVERYONE, "Allows for using the @everyone tag ...";
	// Discord's client calls it "Mention @everyone, @here, and All Roles"
	// (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags;
	// the role object's mentionable field,
	// https://discord.com/developers/docs/topics/permissions#role-object).
	mentionAll := s.channelPermsLocked(s.botUser.ID, s.channelLocked(m.ChannelID))&discordgo.PermissionMentionEveryone != 0
	for _, sub := range roleMention.FindAllStringSubmatch(m.Content, -1) {
		if r := s.roleLocked(sub[1]); r != nil && (r.Mentionable || mentionAll) && allow(discordgo.AllowedMentionTypeRoles, sub[1], amRoles(am)) {
			m.MentionRoles = append(m.MentionRoles, sub[1])
		}
	}
	if strings.Contains(m.Content, "@everyone") || strings.Contains(m.Content, "@here") {
		ch := s.channelLocked(m.ChannelID)
		m.MentionEveryone = allow(discordgo.AllowedMentionTypeEveryone, "", nil) &&
			s.channelPermsLocked(s.botUser.ID, ch)&discordgo.PermissionMentionEveryone != 0
	}
}

// The helpers below read allowed_mentions lists from a possibly nil value.
type allowedMentions = discordgo.MessageAllowedMentions

func amUsers(am *allowedMentions) []string {
	if am == nil {
		return nil
	}
	return am.Users
}

func amRoles(am *allowedMentions) []string {
	if am == nil {
		return nil
	}
	return am.Roles
}

// messageLocked finds a message in a channel.
func (s *Server) messageLocked(channelID, id string) (int, *Message) {
	for i, m := range s.messages[channelID] {
		if m.ID == id {
			return i, m
		}
	}
	return -1, nil
}

// messageIntent is the intent under which a channel's message events flow.
func messageIntent(ch *discordgo.Channel) discordgo.Intent {
	if ch.Type == discordgo.ChannelTypeDM {
		return discordgo.IntentDirectMessages
	}
	return discordgo.IntentGuildMessages
}

func createMessage(s *Server, rc *reqCtx) (int, any, error) {
	ch := s.channelLocked(rc.param("channel_id"))
	if ch == nil {
		return 0, nil, errUnknownChannel
	}
	var b messageBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	if ch.Type == discordgo.ChannelTypeDM {
		if len(ch.Recipients) > 0 && s.dmsClosed[ch.Recipients[0].ID] {
			return 0, nil, errCannotDM
		}
	} else {
		need := int64(discordgo.PermissionSendMessages)
		if len(rc.files) > 0 {
			need |= discordgo.PermissionAttachFiles
		}
		if b.MessageReference != nil {
			need |= discordgo.PermissionReadMessageHistory
		}
		if err := s.botNeedsLocked(ch, need); err != nil {
			return 0, nil, err
		}
	}
	if b.Flags&discordgo.MessageFlagsEphemeral != 0 {
		s.violateLocked(RuleSemantics, rc, "EPHEMERAL is only valid in interaction responses")
		return 0, nil, invalidForm(RuleSemantics, "flags: EPHEMERAL")
	}
	nonce := b.nonce()
	key := ch.ID + "|" + nonce
	if nonce != "" && b.EnforceNonce {
		if e, ok := s.nonces[key]; ok && time.Since(e.at) < nonceWindow {
			if _, m := s.messageLocked(ch.ID, e.messageID); m != nil {
				return http.StatusOK, m.wire(), nil
			}
		}
	}
	m := s.newMessageLocked(ch, &b, rc.body, rc.files)
	s.messages[ch.ID] = append(s.messages[ch.ID], m)
	if nonce != "" && b.EnforceNonce {
		s.nonces[key] = nonceEntry{messageID: m.ID, at: time.Now()}
	}
	s.dispatchLocked("MESSAGE_CREATE", m.wire(), messageIntent(ch))
	return http.StatusOK, m.wire(), nil
}

// readableChannelLocked finds a channel the bot may read history in.
func (s *Server) readableChannelLocked(rc *reqCtx) (*discordgo.Channel, error) {
	ch := s.channelLocked(rc.param("channel_id"))
	if ch == nil {
		return nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(ch, discordgo.PermissionReadMessageHistory); err != nil {
		return nil, err
	}
	return ch, nil
}

// listMessages pages messages newest first, like Discord: limit 1–100
// (default 50), with before, after or around a message id.
func listMessages(s *Server, rc *reqCtx) (int, any, error) {
	ch, err := s.readableChannelLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	limit := rc.queryInt("limit", 50)
	all := s.messages[ch.ID] // oldest first
	var sel []*Message
	switch {
	case rc.query.Get("after") != "":
		after := rc.query.Get("after")
		for _, m := range all {
			if snowflakeLess(after, m.ID) && len(sel) < limit {
				sel = append(sel, m)
			}
		}
	case rc.query.Get("around") != "":
		around := rc.query.Get("around")
		idx := sort.Search(len(all), func(i int) bool { return !snowflakeLess(all[i].ID, around) })
		lo := max(0, idx-limit/2)
		hi := min(len(all), lo+limit)
		sel = all[lo:hi]
	default:
		before := rc.query.Get("before")
		for i := len(all) - 1; i >= 0 && len(sel) < limit; i-- {
			if before == "" || snowflakeLess(all[i].ID, before) {
				sel = append([]*Message{all[i]}, sel...)
			}
		}
	}
	out := make([]wireMessage, 0, len(sel))
	for i := len(sel) - 1; i >= 0; i-- {
		out = append(out, sel[i].wire())
	}
	return http.StatusOK, out, nil
}

func getMessage(s *Server, rc *reqCtx) (int, any, error) {
	ch, err := s.readableChannelLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	_, m := s.messageLocked(ch.ID, rc.param("message_id"))
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	return http.StatusOK, m.wire(), nil
}

// applyEditLocked returns an edited copy of m: only fields present in the
// body change; "null" clears them.
func (s *Server) applyEditLocked(m *Message, b *messageBody, body []byte, files []File) *Message {
	e := *m
	now := time.Now().UTC()
	e.EditedTimestamp = &now
	e.Edits++
	e.Body = body
	if b.Content != nil {
		e.Content = *b.Content
	} else if strings.Contains(string(body), `"content":null`) {
		e.Content = ""
	}
	if b.Embeds != nil {
		e.Embeds = decodeEmbeds(b.Embeds)
	}
	if b.Components != nil {
		e.Components = decodeComponents(b.Components)
		e.Message.Components = e.Components
	}
	if b.AllowedMentions != nil {
		e.AllowedMentions = decodeAllowedMentions(b.AllowedMentions)
	}
	if b.Flags != 0 {
		e.Flags = b.Flags
	}
	if present(b.Attachments) || len(files) > 0 {
		var keep []struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(b.Attachments, &keep)
		atts := []*discordgo.MessageAttachment{}
		for _, a := range m.Attachments {
			for _, k := range keep {
				if k.ID == a.ID {
					atts = append(atts, a)
				}
			}
		}
		for _, f := range files {
			atts = append(atts, &discordgo.MessageAttachment{ID: s.newID(), Filename: f.Name, ContentType: f.ContentType, Size: len(f.Data)})
		}
		e.Attachments = atts
		e.Files = append(append([]File{}, m.Files...), files...)
	}
	s.resolveMentionsLocked(&e)
	return &e
}

func editMessage(s *Server, rc *reqCtx) (int, any, error) {
	ch := s.channelLocked(rc.param("channel_id"))
	if ch == nil {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(ch, 0); err != nil {
		return 0, nil, err
	}
	i, m := s.messageLocked(ch.ID, rc.param("message_id"))
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	if m.Author == nil || m.Author.ID != s.botUser.ID {
		return 0, nil, errNotAuthor
	}
	var b messageBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	e := s.applyEditLocked(m, &b, rc.body, rc.files)
	s.messages[ch.ID][i] = e
	s.dispatchLocked("MESSAGE_UPDATE", e.wire(), messageIntent(ch))
	return http.StatusOK, e.wire(), nil
}

func deleteMessage(s *Server, rc *reqCtx) (int, any, error) {
	ch := s.channelLocked(rc.param("channel_id"))
	if ch == nil {
		return 0, nil, errUnknownChannel
	}
	i, m := s.messageLocked(ch.ID, rc.param("message_id"))
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	need := int64(0)
	if m.Author == nil || m.Author.ID != s.botUser.ID {
		need = discordgo.PermissionManageMessages
	}
	if err := s.botNeedsLocked(ch, need); err != nil {
		return 0, nil, err
	}
	s.messages[ch.ID] = append(s.messages[ch.ID][:i:i], s.messages[ch.ID][i+1:]...)
	s.dispatchLocked("MESSAGE_DELETE", map[string]string{"id": m.ID, "channel_id": ch.ID, "guild_id": ch.GuildID}, messageIntent(ch))
	return http.StatusNoContent, nil, nil
}

// setPinnedLocked pins or unpins. Only PIN_MESSAGES allows it: Discord
// split it from MANAGE_MESSAGES, which stopped granting pins when the
// migration ended (discord-api-docs PR #7766 documents PIN_MESSAGES (1 << 51)
// "allowing pinning and unpinning", PR #7770 is the changelog entry "Pin
// permission split"; Pin Message and Unpin Message now list PIN_MESSAGES).
func (s *Server) setPinnedLocked(rc *reqCtx, pinned bool) (int, any, error) {
	ch := s.channelLocked(rc.param("channel_id"))
	if ch == nil {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(ch, PermissionPinMessages); err != nil {
		return 0, nil, err
	}
	i, m := s.messageLocked(ch.ID, rc.param("message_id"))
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	if pinned && !m.Pinned {
		n := 0
		for _, x := range s.messages[ch.ID] {
			if x.Pinned {
				n++
			}
		}
		if n >= maxPins {
			s.violateLocked("limit/pins", rc, fmt.Sprintf("channel already has %d pins, max %d", n, maxPins))
			return 0, nil, &apiError{Status: 400, Code: 30003, Message: "Maximum number of pins reached (50)"}
		}
	}
	e := *m
	e.Pinned = pinned
	s.messages[ch.ID][i] = &e
	s.dispatchLocked("CHANNEL_PINS_UPDATE", map[string]any{"guild_id": ch.GuildID, "channel_id": ch.ID, "last_pin_timestamp": time.Now().UTC()}, discordgo.IntentGuilds)
	s.dispatchLocked("MESSAGE_UPDATE", e.wire(), messageIntent(ch))
	return http.StatusNoContent, nil, nil
}

func pinMessage(s *Server, rc *reqCtx) (int, any, error)   { return s.setPinnedLocked(rc, true) }
func unpinMessage(s *Server, rc *reqCtx) (int, any, error) { return s.setPinnedLocked(rc, false) }

func (s *Server) pinnedLocked(rc *reqCtx) ([]*Message, error) {
	ch, err := s.readableChannelLocked(rc)
	if err != nil {
		return nil, err
	}
	var out []*Message
	msgs := s.messages[ch.ID]
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Pinned {
			out = append(out, msgs[i])
		}
	}
	return out, nil
}

func listPins(s *Server, rc *reqCtx) (int, any, error) {
	pins, err := s.pinnedLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	out := make([]wireMessage, 0, len(pins))
	for _, m := range pins {
		out = append(out, m.wire())
	}
	return http.StatusOK, out, nil
}

func listPinsV2(s *Server, rc *reqCtx) (int, any, error) {
	pins, err := s.pinnedLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	items := make([]map[string]any, 0, len(pins))
	for _, m := range pins {
		items = append(items, map[string]any{"pinned_at": m.Timestamp, "message": m.wire()})
	}
	return http.StatusOK, map[string]any{"items": items, "has_more": false}, nil
}
