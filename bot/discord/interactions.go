package discord

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// internalError is all a user sees of a handler that panicked.
const internalError = "internal error"

// interactionResponse is the body of an interaction callback.
type interactionResponse struct {
	Type int `json:"type"`
	Data any `json:"data,omitempty"`
}

// replyData is a message answer: always with allowed_mentions, so a reply quoting a
// user's "@everyone" pings nobody.
type replyData struct {
	Content         string           `json:"content,omitempty"` // empty only when deferring
	Flags           int              `json:"flags,omitempty"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
}

// onInteraction hands an INTERACTION_CREATE to a goroutine of its own, so the
// gateway reader never waits for the bot's handler.
func (t *Transport) onInteraction(_ *discordgo.Session, e *discordgo.InteractionCreate) {
	received := time.Now()
	if e.Interaction == nil {
		return
	}
	if g := e.GuildID; g != t.guildID {
		t.otherGuild(g, e.ID)
		return
	}
	done, ok := t.track()
	if !ok {
		t.log.Info("interaction ignored: closing", "interaction", e.ID)
		return
	}
	go func() { // owned by busy; bounded by followupBudget
		defer done()
		// During the check for another live instance (heartbeat.go), a few
		// milliseconds at start, the interaction waits; refused, the bot
		// leaves it to the other one.
		timer := time.NewTimer(handleBudget)
		defer timer.Stop()
		select {
		case <-t.decided:
		case <-timer.C:
		}
		if !t.acting.Load() {
			t.log.Info("interaction ignored: not acting, another workshopbot is live on this guild", "interaction", e.ID)
			return
		}
		t.interact(received, e.Interaction)
	}()
}

// otherGuild notes an interaction that is not from the bot's guild: from
// another guild the application is in (a staging bot and the production bot
// on one application both receive every guild's interactions), or from a DM
// (guild_id empty; the bot's commands are guild commands, and its DMs carry
// no buttons). It is not answered, so that the bot whose guild it is can
// answer; it is logged at debug level, once per guild, since every
// interaction there reaches this bot too.
func (t *Transport) otherGuild(guildID, interactionID string) {
	if _, seen := t.otherGuilds.LoadOrStore(guildID, true); seen {
		return
	}
	t.log.Debug("interaction from another guild ignored (logged once per guild)", "guild", guildID, "interaction", interactionID)
}

// interact runs the bot's handler on a slash command or a button press and sends
// its reply: within Discord's 3 s when the handler is quick, as a deferred answer
// completed later when it is not (see replies.go).
func (t *Transport) interact(received time.Time, i *discordgo.Interaction) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
	case discordgo.InteractionApplicationCommandAutocomplete:
		t.autocomplete(received, i)
		return
	default:
		t.log.Info("interaction ignored", "interaction", i.ID, "type", i.Type.String())
		return
	}

	cmd := t.decode(i)
	turn, done := t.turns.take(i) // presses on one message are answered in turn (components.go)
	defer done()
	replies := make(chan bot.Reply, 1)
	go func() { replies <- t.handleInTurn(received, turn, i.ID, cmd) }() // bounded: see handleInTurn

	var reply bot.Reply
	var err error
	deferred := false
	timer := time.NewTimer(time.Until(received.Add(deferAfter)))
	select {
	case reply = <-replies:
		timer.Stop()
		ctx, cancel := context.WithDeadline(context.Background(), received.Add(respondBudget))
		err = t.respond(ctx, i, reply)
		cancel()
	case <-timer.C:
		// The handler is late: acknowledge now, then complete the answer when the
		// handler returns.
		deferred = true
		ctx, cancel := context.WithDeadline(context.Background(), received.Add(respondBudget))
		err = t.callback(ctx, i, deferral(i))
		cancel()
		if err == nil {
			ctx, cancel := context.WithDeadline(context.Background(), received.Add(followupBudget))
			select {
			case reply = <-replies:
				err = t.finishDeferred(ctx, i, reply)
			case <-ctx.Done():
				err = errors.New("handler did not return")
			}
			cancel()
		}
	}
	attrs := []any{"command", cmd.Name, "button", cmd.Button, "user", cmd.User.ID, "channel", cmd.Channel,
		"interaction", i.ID, "ephemeral", reply.Ephemeral, "deferred", deferred,
		"latency", time.Since(received).Round(time.Millisecond)}
	if err != nil {
		t.log.Warn("interaction", append(attrs, "error", err)...)
		return
	}
	t.log.Info("interaction", attrs...)
}

// run calls the bot's handler, turning a panic into an "internal error" reply and a
// log line with the rest.
func (t *Transport) run(ctx context.Context, id string, cmd bot.Command) (reply bot.Reply) {
	defer func() {
		if v := recover(); v != nil {
			t.log.Error("command handler panicked", "command", cmd.Name, "user", cmd.User.ID,
				"interaction", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			reply = bot.Reply{Content: internalError, Ephemeral: true}
		}
	}()
	return t.cfg.Handle(ctx, cmd)
}

// message is the callback data for a reply.
func message(r bot.Reply) replyData {
	d := replyData{Content: bot.Truncate(r.Content, bot.MaxContent), AllowedMentions: noMentions()}
	if d.Content == "" {
		d.Content = "Done." // Discord refuses an empty message
	}
	if r.Ephemeral {
		d.Flags = int(discordgo.MessageFlagsEphemeral)
	}
	return d
}

// callback sends the interaction's one callback, with files attached if any. A 400
// saying it was already acknowledged means an earlier attempt did arrive.
func (t *Transport) callback(ctx context.Context, i *discordgo.Interaction, r interactionResponse, files ...*discordgo.File) error {
	u := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	_, err := t.send(ctx, "POST", u, u, r, files, true)
	var ae *APIError
	if errors.As(err, &ae) && ae.Attempts > 1 && ae.Code == discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged {
		return nil
	}
	if err != nil {
		return fmt.Errorf("answer interaction %s: %w", i.ID, err)
	}
	return nil
}

// decode turns an interaction into the bot's Command: for a slash command or an
// autocomplete request, sub-command groups and sub-commands joined to the name,
// options as text (with the one being typed as Focused); for a button press, its
// custom_id; and the user's roles by id and by name.
func (t *Transport) decode(i *discordgo.Interaction) bot.Command {
	if i.Type == discordgo.InteractionMessageComponent {
		return t.decodeButton(i)
	}
	data := i.ApplicationCommandData()
	cmd := bot.Command{Name: data.Name, Options: map[string]string{}, Channel: i.ChannelID}
	opts := data.Options
	for len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup ||
		opts[0].Type == discordgo.ApplicationCommandOptionSubCommand) {
		cmd.Name += " " + opts[0].Name
		opts = opts[0].Options
	}
	for _, o := range opts {
		cmd.Options[o.Name] = optionText(o)
		if o.Focused {
			cmd.Focused = o.Name
		}
	}
	cmd.User = t.user(i)
	return cmd
}

// user is who sent an interaction, with their role ids; the moderators role,
// matched by id, also by its name in schedule.yaml. A role is never matched
// by its name: anyone who may create roles can copy a name.
func (t *Transport) user(i *discordgo.Interaction) bot.User {
	var user bot.User
	var u *discordgo.User
	var roles []string
	if i.Member != nil {
		u, roles = i.Member.User, i.Member.Roles
	}
	if u == nil {
		u = i.User // a DM: no member, no roles
	}
	if u != nil {
		user.ID = u.ID
		user.Name = u.Username
		if user.Name == "" {
			user.Name = u.GlobalName
		}
	}
	t.state.RLock()
	for _, id := range roles {
		user.Roles = append(user.Roles, id)
		if id == t.modRole && id != t.cfg.Names.Moderators {
			user.Roles = append(user.Roles, t.cfg.Names.Moderators)
		}
	}
	t.state.RUnlock()
	return user
}

// optionText is an option's value as text: integers without a fraction, booleans as
// "true"/"false", users, channels and roles as their ids.
func optionText(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if o.Type == discordgo.ApplicationCommandOptionInteger {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(o.Value)
}
