package discord

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// Interaction callback types (Discord's numbering) that replies use.
const (
	callbackMessage        = int(discordgo.InteractionResponseChannelMessageWithSource)         // 4
	callbackDeferMessage   = int(discordgo.InteractionResponseDeferredChannelMessageWithSource) // 5
	callbackDeferUpdate    = int(discordgo.InteractionResponseDeferredMessageUpdate)            // 6
	callbackUpdate         = int(discordgo.InteractionResponseUpdateMessage)                    // 7
	callbackAutocompletion = int(discordgo.InteractionApplicationCommandAutocompleteResult)     // 8
)

// respond sends the one callback of interaction i for a reply that came in time:
// for a button press whose reply replaces the message, UPDATE_MESSAGE; otherwise a
// message, with the reply's files attached.
func (t *Transport) respond(ctx context.Context, i *discordgo.Interaction, r bot.Reply) error {
	if r.Update != nil && i.Type == discordgo.InteractionMessageComponent {
		return t.callback(ctx, i, interactionResponse{Type: callbackUpdate, Data: t.edit(*r.Update)})
	}
	d, files := t.replyMessage(r)
	return t.callback(ctx, i, interactionResponse{Type: callbackMessage, Data: d}, files...)
}

// deferral is the acknowledgement sent when the handler is late. A button press
// gets DEFERRED_UPDATE_MESSAGE: its message stays as it is until the reply
// arrives, then either it is edited (an update) or a followup is sent (a message).
// A command gets a private "thinking…" message that the reply replaces; whether
// the reply is private cannot be known yet, so it is private.
func deferral(i *discordgo.Interaction) interactionResponse {
	if i.Type == discordgo.InteractionMessageComponent {
		return interactionResponse{Type: callbackDeferUpdate}
	}
	return interactionResponse{Type: callbackDeferMessage, Data: replyData{Flags: int(discordgo.MessageFlagsEphemeral), AllowedMentions: noMentions()}}
}

// finishDeferred sends a late reply after deferral(i) was acknowledged.
func (t *Transport) finishDeferred(ctx context.Context, i *discordgo.Interaction, r bot.Reply) error {
	t.state.RLock()
	appID := t.appID
	t.state.RUnlock()
	if i.AppID != "" {
		appID = i.AppID
	}
	original := discordgo.EndpointInteractionResponseActions(appID, i.Token)
	if i.Type == discordgo.InteractionMessageComponent {
		if r.Update != nil {
			// After DEFERRED_UPDATE_MESSAGE, @original is the message clicked on.
			if _, err := t.call(ctx, "PATCH", original, original, t.edit(*r.Update), true); err != nil {
				return fmt.Errorf("update the message of interaction %s: %w", i.ID, err)
			}
			return nil
		}
		d, files := t.replyMessage(r)
		u := discordgo.EndpointFollowupMessage(appID, i.Token)
		// A followup is not idempotent: call retries it only after a 429.
		if _, err := t.send(ctx, "POST", u, u, d, files, false); err != nil {
			return fmt.Errorf("follow up interaction %s: %w", i.ID, err)
		}
		return nil
	}
	d, files := t.replyMessage(r)
	d.Flags = 0 // decided by the deferral
	if _, err := t.send(ctx, "PATCH", original, original, d, files, true); err != nil {
		return fmt.Errorf("edit deferred answer to interaction %s: %w", i.ID, err)
	}
	return nil
}

// replyMessage is a reply as a message and its attachments. An update sent where
// no message can be updated (the reply to a slash command) shows its text. Files
// beyond Discord's limits are left out, and the message says so.
func (t *Transport) replyMessage(r bot.Reply) (replyData, []*discordgo.File) {
	if r.Content == "" && r.Update != nil {
		r.Content = r.Update.Content
	}
	var files []*discordgo.File
	total := 0
	for _, f := range r.Files {
		switch {
		case len(files) == bot.MaxFiles:
			r.Content += fmt.Sprintf("\n(%s is not attached: Discord allows %d files in a message.)", f.Name, bot.MaxFiles)
			continue
		case total+len(f.Data) > bot.MaxUpload:
			r.Content += fmt.Sprintf("\n(%s is not attached: %d bytes is over Discord's %d MiB.)", f.Name, len(f.Data), bot.MaxUpload>>20)
			continue
		}
		total += len(f.Data)
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		files = append(files, &discordgo.File{Name: f.Name, ContentType: ct, Reader: bytes.NewReader(f.Data)})
	}
	if len(files) < len(r.Files) {
		t.log.Warn("attachments left out", "files", len(r.Files), "sent", len(files), "bytes", total)
	}
	d := message(r)
	if d.Content == "Done." && len(files) > 0 {
		d.Content = "" // a message with a file needs no text; replyData omits it when empty
	}
	return d, files
}

// send is call for a body with attachments: JSON alone when there are none, else
// multipart/form-data with the JSON as payload_json and the files as files[n], as
// Discord documents. The body is encoded once, so a retry sends the same bytes.
func (t *Transport) send(ctx context.Context, method, urlStr, bucket string, body any, files []*discordgo.File, idempotent bool) ([]byte, error) {
	if len(files) == 0 {
		return t.call(ctx, method, urlStr, bucket, body, idempotent)
	}
	ct, data, err := discordgo.MultipartBodyWithJSON(body, files)
	if err != nil {
		return nil, fmt.Errorf("%s %s: encode the attachments: %w", method, pathOf(urlStr), err)
	}
	return t.callRaw(ctx, method, urlStr, bucket, ct, data, idempotent)
}

// autocomplete answers an autocomplete request with the handler's choices.
// Discord lets no autocomplete be deferred: a handler that is late gets no say,
// and the user sees no suggestions rather than an error.
func (t *Transport) autocomplete(received time.Time, i *discordgo.Interaction) {
	cmd := t.decode(i)
	hctx, cancel := context.WithDeadline(context.Background(), received.Add(deferAfter))
	defer cancel()
	replies := make(chan bot.Reply, 1)
	go func() { replies <- t.run(hctx, i.ID, cmd) }() // owned by hctx: the handler must honour it
	var r bot.Reply
	select {
	case r = <-replies:
	case <-hctx.Done():
		t.log.Warn("autocomplete handler late: no choices sent", "command", cmd.Name, "option", cmd.Focused, "interaction", i.ID)
	}
	ctx, cancelCall := context.WithDeadline(context.Background(), received.Add(respondBudget))
	defer cancelCall()
	if err := t.callback(ctx, i, interactionResponse{Type: callbackAutocompletion, Data: choicesData(r.Choices)}); err != nil {
		t.log.Warn("autocomplete not answered", "command", cmd.Name, "option", cmd.Focused, "interaction", i.ID, "error", err)
		return
	}
	t.log.Debug("autocomplete", "command", cmd.Name, "option", cmd.Focused, "choices", len(r.Choices),
		"interaction", i.ID, "latency", time.Since(received).Round(time.Millisecond))
}
