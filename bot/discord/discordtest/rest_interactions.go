package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// interactionRoutes lists the routes for interaction callbacks and the interaction
// webhook (followups, @original).
func interactionRoutes() map[string]handler {
	r := map[string]handler{}
	r["POST /interactions/{interaction_id}/{interaction_token}/callback"] = interactionCallback
	r["POST /webhooks/{webhook_id}/{webhook_token}"] = createFollowup
	for _, m := range []string{"@original", "{message_id}"} {
		r["GET /webhooks/{webhook_id}/{webhook_token}/messages/"+m] = getWebhookMessage
		r["PATCH /webhooks/{webhook_id}/{webhook_token}/messages/"+m] = editWebhookMessage
		r["DELETE /webhooks/{webhook_id}/{webhook_token}/messages/"+m] = deleteWebhookMessage
	}
	return r
}

// allowedCallbacks lists the callback types each interaction type accepts.
var allowedCallbacks = map[int][]int{
	InteractionCommand:      {4, 5, 9},
	InteractionComponent:    {4, 5, 6, 7, 9},
	InteractionAutocomplete: {8},
	InteractionModalSubmit:  {4, 5, 6, 7},
}

func interactionCallback(s *Server, rc *reqCtx) (int, any, error) {
	it, ok := s.interactions[rc.param("interaction_id")]
	if !ok || it.token != rc.param("interaction_token") {
		s.violateLocked(RuleInteraction, rc, "callback for an unknown interaction or wrong token")
		return 0, nil, errUnknownInteraction
	}
	now := time.Now()
	latency := now.Sub(it.dispatched)
	if it.acked {
		s.violateLocked(RuleInteraction, rc, "interaction answered twice; use the webhook (followup or @original) after the first callback")
		return 0, nil, errAlreadyAcked
	}
	if latency > s.cfg.interactionDeadline {
		s.violateLocked(RuleInteraction, rc, fmt.Sprintf("first callback after %v, Discord's deadline is %v: defer (type 5) first, then work", latency.Round(time.Millisecond), s.cfg.interactionDeadline))
		return 0, nil, errUnknownInteraction
	}
	var cb struct {
		Type    int             `json:"type"`
		RawData json.RawMessage `json:"data"`
		Data    messageBody     `json:"-"`
	}
	if err := rc.decode(&cb); err != nil {
		return 0, nil, err
	}
	if present(cb.RawData) {
		if err := json.Unmarshal(cb.RawData, &cb.Data); err != nil {
			return 0, nil, invalidForm(RuleSpecBody, err.Error())
		}
	}
	if !slices.Contains(allowedCallbacks[it.typ], cb.Type) {
		detail := fmt.Sprintf("callback type %d is not valid for interaction type %d (allowed: %v)", cb.Type, it.typ, allowedCallbacks[it.typ])
		s.violateLocked(RuleInteraction, rc, detail)
		return 0, nil, invalidForm(RuleInteraction, detail)
	}
	ch := s.interactionChannelLocked(it.channelID)
	switch cb.Type {
	case 4: // CHANNEL_MESSAGE_WITH_SOURCE
		it.original = s.interactionMessageLocked(it, ch, &cb.Data, cb.RawData, rc.files)
	case 5: // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
		it.ackFlags = cb.Data.Flags
	case 7: // UPDATE_MESSAGE
		if i, m := s.messageLocked(it.channelID, it.messageID); m != nil {
			e := s.applyEditLocked(m, &cb.Data, rc.body, rc.files)
			s.messages[it.channelID][i] = e
			s.dispatchLocked("MESSAGE_UPDATE", e.wire(), messageIntent(ch))
		}
	}
	it.acked = true
	it.ackType = cb.Type
	it.answered <- responseFromCallback(rc.body, latency, it)
	if rc.query.Get("with_response") == "true" {
		resp := map[string]any{"interaction": map[string]any{"id": it.id, "type": it.typ}}
		if it.original != nil {
			resp["resource"] = map[string]any{"type": cb.Type, "message": it.original.wire()}
		} else {
			resp["resource"] = map[string]any{"type": cb.Type}
		}
		return http.StatusOK, resp, nil
	}
	return http.StatusNoContent, nil, nil
}

// interactionMessageLocked creates a message posted through an interaction.
// Ephemeral messages are only visible to the user, so they are kept with
// the interaction but not in the channel.
func (s *Server) interactionMessageLocked(it *interaction, ch *discordgo.Channel, b *messageBody, body []byte, files []File) *Message {
	m := s.newMessageLocked(ch, b, body, files)
	m.InteractionToken = it.token
	m.Type = discordgo.MessageTypeChatInputCommand
	m.WebhookID = s.appID
	m.Message.Flags = b.Flags
	if m.Flags&discordgo.MessageFlagsEphemeral == 0 {
		s.messages[ch.ID] = append(s.messages[ch.ID], m)
		s.dispatchLocked("MESSAGE_CREATE", m.wire(), messageIntent(ch))
	}
	return m
}

// webhookLocked finds the interaction behind a webhook route: the webhook id
// must be the application id and the token a live interaction token.
func (s *Server) webhookLocked(rc *reqCtx) (*interaction, error) {
	if rc.param("webhook_id") != s.appID {
		return nil, errUnknownWebhook
	}
	it, ok := s.interactionTokens[rc.param("webhook_token")]
	if !ok || time.Since(it.dispatched) > interactionLifetime {
		return nil, errUnknownWebhook
	}
	if !it.acked {
		s.violateLocked(RuleInteraction, rc, "interaction webhook used before the interaction was acknowledged")
		return nil, errUnknownWebhook
	}
	return it, nil
}

// createFollowup posts a followup. After a deferred response (type 5) the
// first followup replaces the "thinking…" message, i.e. becomes @original.
func createFollowup(s *Server, rc *reqCtx) (int, any, error) {
	it, err := s.webhookLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	var b messageBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	ch := s.interactionChannelLocked(it.channelID)
	if it.ackType == 5 && it.original == nil {
		b.Flags |= it.ackFlags & discordgo.MessageFlagsEphemeral
		it.original = s.interactionMessageLocked(it, ch, &b, rc.body, rc.files)
		return followupResult(rc, it.original)
	}
	m := s.interactionMessageLocked(it, ch, &b, rc.body, rc.files)
	it.followups = append(it.followups, m)
	return followupResult(rc, m)
}

// followupResult answers like Discord: the message with ?wait=true, else
// 204.
func followupResult(rc *reqCtx, m *Message) (int, any, error) {
	if rc.query.Get("wait") == "true" {
		return http.StatusOK, m.wire(), nil
	}
	return http.StatusNoContent, nil, nil
}

// originalLocked finds @original: the response message, or for component
// interactions answered with 6 or 7, the message clicked on.
func (s *Server) originalLocked(it *interaction) *Message {
	if it.original != nil {
		return it.original
	}
	if it.messageID != "" && (it.ackType == 6 || it.ackType == 7) {
		_, m := s.messageLocked(it.channelID, it.messageID)
		return m
	}
	return nil
}

// webhookMessageLocked finds the message a webhook message route names:
// @original, or a followup (or the original) by id.
func (s *Server) webhookMessageLocked(rc *reqCtx) (*interaction, *Message, error) {
	it, err := s.webhookLocked(rc)
	if err != nil {
		return nil, nil, err
	}
	var m *Message
	if id, ok := rc.params["message_id"]; ok {
		m = s.followupLocked(it, id)
	} else {
		m = s.originalLocked(it)
	}
	return it, m, nil
}

func getWebhookMessage(s *Server, rc *reqCtx) (int, any, error) {
	_, m, err := s.webhookMessageLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	return http.StatusOK, m.wire(), nil
}

// editWebhookMessage edits @original or a followup; editing @original after
// a deferred response (type 5) creates it.
func editWebhookMessage(s *Server, rc *reqCtx) (int, any, error) {
	it, m, err := s.webhookMessageLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	var b messageBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	if m == nil {
		if _, byID := rc.params["message_id"]; byID || it.ackType != 5 {
			return 0, nil, errUnknownMessage
		}
		b.Flags |= it.ackFlags & discordgo.MessageFlagsEphemeral
		it.original = s.interactionMessageLocked(it, s.interactionChannelLocked(it.channelID), &b, rc.body, rc.files)
		return http.StatusOK, it.original.wire(), nil
	}
	e := s.applyEditLocked(m, &b, rc.body, rc.files)
	s.replaceMessageLocked(it, m, e)
	return http.StatusOK, e.wire(), nil
}

func deleteWebhookMessage(s *Server, rc *reqCtx) (int, any, error) {
	it, m, err := s.webhookMessageLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	if m == nil {
		return 0, nil, errUnknownMessage
	}
	s.removeMessageLocked(it, m)
	return http.StatusNoContent, nil, nil
}

// replaceMessageLocked swaps an edited message in everywhere it is kept.
func (s *Server) replaceMessageLocked(it *interaction, old, e *Message) {
	if i, m := s.messageLocked(old.ChannelID, old.ID); m != nil {
		s.messages[old.ChannelID][i] = e
		if ch := s.channelLocked(old.ChannelID); ch != nil {
			s.dispatchLocked("MESSAGE_UPDATE", e.wire(), messageIntent(ch))
		}
	}
	if it.original == old {
		it.original = e
	}
	for i, f := range it.followups {
		if f == old {
			it.followups[i] = e
		}
	}
}

// removeMessageLocked deletes a message everywhere it is kept.
func (s *Server) removeMessageLocked(it *interaction, old *Message) {
	if i, m := s.messageLocked(old.ChannelID, old.ID); m != nil {
		s.messages[old.ChannelID] = append(s.messages[old.ChannelID][:i:i], s.messages[old.ChannelID][i+1:]...)
		if ch := s.channelLocked(old.ChannelID); ch != nil {
			s.dispatchLocked("MESSAGE_DELETE", map[string]string{"id": old.ID, "channel_id": old.ChannelID, "guild_id": ch.GuildID}, messageIntent(ch))
		}
	}
	if it.original == old {
		it.original = nil
	}
	for i, f := range it.followups {
		if f == old {
			it.followups = append(it.followups[:i:i], it.followups[i+1:]...)
			break
		}
	}
}

// followupLocked finds a followup (or the original) by id.
func (s *Server) followupLocked(it *interaction, id string) *Message {
	if it.original != nil && it.original.ID == id {
		return it.original
	}
	for _, m := range it.followups {
		if m.ID == id {
			return m
		}
	}
	return nil
}
