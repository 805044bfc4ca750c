package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

var _ bot.DirectMessenger = (*Transport)(nil)

// dmCreate is the body of a direct message: never a mention, and with a nonce so
// that a retry is not a second message.
type dmCreate struct {
	Content         string           `json:"content"`
	Nonce           string           `json:"nonce,omitempty"`
	EnforceNonce    bool             `json:"enforce_nonce,omitempty"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
}

// DM implements bot.DirectMessenger: it opens (or finds) the DM channel with the
// user, then posts m there. A user who does not accept DMs from the bot makes
// Discord answer 403 code 50007; that error is final.
func (t *Transport) DM(ctx context.Context, userID string, m bot.Message) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("direct message to %s: transport closed", userID)
	}
	defer done()
	if !isSnowflake(userID) {
		return fmt.Errorf("direct message to %q: not a Discord user id", userID)
	}
	u := discordgo.EndpointUserChannels("@me")
	resp, err := t.call(ctx, "POST", u, u, map[string]string{"recipient_id": userID}, true)
	if err != nil {
		return fmt.Errorf("direct message to %s: open the DM channel: %w", userID, err)
	}
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp, &ch); err != nil || ch.ID == "" {
		return fmt.Errorf("direct message to %s: decode the DM channel: %v (body %.200q)", userID, err, resp)
	}
	body := dmCreate{Content: fit(m.Content, maxContent), AllowedMentions: noMentions()}
	if m.Nonce != "" {
		body.Nonce, body.EnforceNonce = nonce(m.Nonce), true
	}
	mu := discordgo.EndpointChannelMessages(ch.ID)
	if _, err := t.call(ctx, "POST", mu, mu, body, body.Nonce != ""); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == discordgo.ErrCodeCannotSendMessagesToThisUser {
			return fmt.Errorf("direct message to %s: the user does not accept direct messages from the bot: %w", userID, err)
		}
		return fmt.Errorf("direct message to %s: %w", userID, err)
	}
	t.log.Info("direct message sent", "user", userID, "channel_id", ch.ID, "nonce", body.Nonce)
	return nil
}
