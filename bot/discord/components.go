package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// Component types (Discord's numbering).
const (
	componentActionRow = 1
	componentButton    = 2
)

// actionRow is a row of buttons under a message.
type actionRow struct {
	Type       int          `json:"type"`
	Components []buttonJSON `json:"components"`
}

// buttonJSON is a button that sends an interaction with its custom_id.
type buttonJSON struct {
	Type     int    `json:"type"`
	Style    int    `json:"style"`
	Label    string `json:"label,omitempty"`
	CustomID string `json:"custom_id"`
	Disabled bool   `json:"disabled,omitempty"`
}

// components lays buttons out in action rows of five, at most five rows. It is
// never nil, so that an edit sending it removes the buttons a message no longer
// has. A button Discord would refuse (an empty or too long ID) is left out and
// logged rather than failing the whole message.
func (t *Transport) components(bs []bot.Button) []actionRow {
	rows := []actionRow{}
	for _, b := range bs {
		if b.ID == "" || utf8.RuneCountInString(b.ID) > bot.MaxCustomID {
			t.log.Error("button left out: its ID must have 1 to 100 characters", "button", b.ID, "label", b.Label)
			continue
		}
		if len(rows) == 0 || len(rows[len(rows)-1].Components) == bot.MaxRowButtons {
			if len(rows) == bot.MaxRows {
				t.log.Error("button left out: Discord allows 25 buttons under a message", "button", b.ID)
				continue
			}
			rows = append(rows, actionRow{Type: componentActionRow})
		}
		style := int(b.Style)
		if style < int(bot.ButtonPrimary) || style > int(bot.ButtonDanger) {
			style = int(bot.ButtonSecondary) // link (5) and premium (6) buttons need fields we do not send
		}
		label := bot.Truncate(b.Label, bot.MaxButtonLabel)
		if label == "" {
			label = "…" // Discord wants a label or an emoji
		}
		row := &rows[len(rows)-1]
		row.Components = append(row.Components, buttonJSON{Type: componentButton, Style: style, Label: label, CustomID: b.ID, Disabled: b.Disabled})
	}
	return rows
}

// messageEdit is the body of PATCH /channels/{id}/messages/{id}, of an
// UPDATE_MESSAGE callback and of an edit of a deferred update: the whole visible
// message, so that what the bot renders is what readers see.
type messageEdit struct {
	Content         string           `json:"content"`
	Components      []actionRow      `json:"components"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
}

// edit is the body that makes a message show m. It never pings anyone: Discord
// does not notify for edits, and PingRole only matters when a message is created.
func (t *Transport) edit(m bot.Message) messageEdit {
	return messageEdit{Content: bot.Truncate(m.Content, bot.MaxContent), Components: t.components(m.Buttons), AllowedMentions: noMentions()}
}

var _ bot.Editor = (*Transport)(nil)

// Edit implements bot.Editor: the message messageID in channelID (an id, or a
// logical channel) is changed to show m's content and buttons. An edit is
// idempotent, so it is retried like a post with a nonce.
func (t *Transport) Edit(ctx context.Context, channelID, messageID string, m bot.Message) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("edit message %s: transport closed", messageID)
	}
	defer done()
	ch, label, err := t.channelFor(ctx, channelID)
	if err != nil {
		return fmt.Errorf("edit message %s in %s: %w", messageID, channelID, err)
	}
	if !isSnowflake(messageID) {
		return fmt.Errorf("edit message %q in %s: not a Discord message id", messageID, label)
	}
	start := time.Now()
	u := discordgo.EndpointChannelMessage(ch, messageID)
	if _, err := t.call(ctx, "PATCH", u, discordgo.EndpointChannelMessage(ch, ""), t.edit(m), true); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
			return fmt.Errorf("edit message %s in %s: %w: the bot needs VIEW_CHANNEL there", messageID, label, err)
		}
		return fmt.Errorf("edit message %s in %s: %w", messageID, label, err)
	}
	t.log.Info("edited", "channel", label, "channel_id", ch, "message_id", messageID,
		"latency", time.Since(start).Round(time.Millisecond))
	return nil
}

// decodeButton is a button press as the bot's Command.
func (t *Transport) decodeButton(i *discordgo.Interaction) bot.Command {
	return bot.Command{Button: i.MessageComponentData().CustomID, Channel: i.ChannelID, User: t.user(i)}
}

// choice is one autocomplete suggestion.
type choice struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// choicesData answers an autocomplete: at most 25 choices, names and values cut
// to Discord's 100 characters (a value too long to cut safely is left out).
func choicesData(cs []bot.Choice) any {
	out := []choice{}
	for _, c := range cs {
		if len(out) == bot.MaxChoices {
			break
		}
		if c.Value == "" || utf8.RuneCountInString(c.Value) > bot.MaxChoiceText {
			continue
		}
		name := bot.Truncate(c.Name, bot.MaxChoiceText)
		if name == "" {
			name = c.Value
		}
		out = append(out, choice{Name: name, Value: c.Value})
	}
	return struct {
		Choices []choice `json:"choices"`
	}{out}
}

// messageTurns makes button presses on one message take turns: the next press's
// handler starts only once the previous press's reply was sent. A press's reply
// renders the state its handler left (a vote count), so without turns two
// presses at once could land in the opposite order, and the card would show the
// older count for good. Presses on different messages do not wait for each other.
type messageTurns struct {
	mu   sync.Mutex
	last map[string]chan struct{} // message id -> closed when its latest press is answered
}

// take queues interaction i. turn is closed when i may run (at once for anything
// but a button press on a message); done must be called once i is answered.
func (m *messageTurns) take(i *discordgo.Interaction) (turn <-chan struct{}, done func()) {
	if i.Type != discordgo.InteractionMessageComponent || i.Message == nil || i.Message.ID == "" {
		return closed, func() {}
	}
	id := i.Message.ID
	mine := make(chan struct{})
	m.mu.Lock()
	if m.last == nil {
		m.last = map[string]chan struct{}{}
	}
	prev, ok := m.last[id]
	m.last[id] = mine
	m.mu.Unlock()
	if !ok {
		prev = closed
	}
	return prev, func() {
		m.mu.Lock()
		if m.last[id] == mine {
			delete(m.last, id)
		}
		m.mu.Unlock()
		close(mine)
	}
}

// closed is a channel that is always ready.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// handleInTurn waits for the interaction's turn, then runs the handler with
// handleBudget to answer: from the interaction's arrival, or, if it had to wait,
// from its turn (its answer has been deferred by then). A press that waits longer
// than followupBudget allows is answered that the bot is busy, without running.
func (t *Transport) handleInTurn(received time.Time, turn <-chan struct{}, id string, cmd bot.Command) bot.Reply {
	deadline := received.Add(handleBudget)
	select {
	case <-turn:
	default:
		wait := time.NewTimer(time.Until(received.Add(followupBudget - 2*handleBudget)))
		defer wait.Stop()
		select {
		case <-turn:
			deadline = time.Now().Add(handleBudget) // the answer may be deferred meanwhile
		case <-wait.C:
			t.log.Warn("button press not handled: earlier presses on its message took too long", "button", cmd.Button, "user", cmd.User.ID, "interaction", id)
			return bot.Reply{Content: "The bot is busy with this message; please press again in a moment.", Ephemeral: true}
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return t.run(ctx, id, cmd) // the handler must honour ctx
}
