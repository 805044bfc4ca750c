package discord

import (
	"context"
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

// DM implements bot.DirectMessenger: it posts m in the user's DM channel,
// m.Channel when /remindme opened it already, else opened (or found) now. A
// user who does not accept DMs from the bot makes Discord answer 403 code
// 50007; that error is final.
func (t *Transport) DM(ctx context.Context, userID string, m bot.Message) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("direct message to %s: transport closed", userID)
	}
	defer done()
	chID := m.Channel
	if !isSnowflake(chID) {
		var err error
		if chID, err = t.openDM(ctx, userID); err != nil {
			return fmt.Errorf("direct message to %s: %w", userID, err)
		}
	}
	body := dmCreate{Content: bot.Truncate(m.Content, bot.MaxContent), AllowedMentions: noMentions()}
	if m.Nonce != "" {
		body.Nonce, body.EnforceNonce = nonce(m.Nonce), true
	}
	mu := discordgo.EndpointChannelMessages(chID)
	if _, err := t.call(ctx, "POST", mu, mu, body, body.Nonce != ""); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == discordgo.ErrCodeCannotSendMessagesToThisUser {
			return fmt.Errorf("direct message to %s: the user does not accept direct messages from the bot: %w", userID, err)
		}
		return fmt.Errorf("direct message to %s: %w", userID, err)
	}
	t.log.Info("direct message sent", "user", userID, "channel_id", chID, "nonce", body.Nonce)
	return nil
}
