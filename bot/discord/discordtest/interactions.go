package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bwmarrin/discordgo"
)

// Interaction types a test can send (discordgo.InteractionType values).
const (
	InteractionCommand      = 2
	InteractionComponent    = 3
	InteractionAutocomplete = 4
	InteractionModalSubmit  = 5
)

// interactionLifetime is how long an interaction token accepts followups.
const interactionLifetime = 15 * time.Minute

// Interaction is what a user does: run a slash command, click a component,
// type into an autocompleted option, submit a modal. Build one with
// Command, Slash, Button or a literal.
type Interaction struct {
	// Type is InteractionCommand, InteractionComponent, InteractionAutocomplete
	// or InteractionModalSubmit; 0 means Command if Name is set, else
	// Component.
	Type int
	// Name is the command's name, for commands and autocomplete.
	Name string
	// Options are the command's options. Types left 0 are taken from the
	// registered command, and values converted accordingly ("3" becomes the
	// integer 3; "#general" a channel id; "@alice" a user id).
	Options []CommandOption
	// Focus names the option being typed, for autocomplete.
	Focus string
	// UserID is who acts; default the guild owner.
	UserID string
	// ChannelID is where; default the first text channel.
	ChannelID string
	// CustomID identifies the component or modal.
	CustomID string
	// ComponentType is the component's type (default 2, button).
	ComponentType int
	// Values are the selected values of a select menu.
	Values []string
	// MessageID is the message carrying the component.
	MessageID string
	// Fields are a modal's text inputs by custom id.
	Fields map[string]string
	// GuildID is the guild it comes from: empty for the main guild, or one
	// that AddGuild returned (its one channel; ChannelID is ignored).
	GuildID string

	err error // from Slash: reported by Interact
}

// CommandOption is one option of a command invocation. Sub-commands and
// groups nest their options.
type CommandOption struct {
	Name    string
	Type    int // discordgo.ApplicationCommandOptionType; 0: from the registered command
	Value   any
	Options []CommandOption
}

// Opt is an option with a value; its type comes from the registered command.
func Opt(name string, value any) CommandOption { return CommandOption{Name: name, Value: value} }

// Command builds a slash command invocation. Each arg is either a
// CommandOption, a "name:value" string for an option, or a bare word for a
// sub-command (or group) that the following options belong to:
//
//	Command("questions", "next", "session:panel")
//	Command("poster", "assign", Opt("number", 12), "room:Hall B")
func Command(name string, args ...any) Interaction {
	in := Interaction{Type: InteractionCommand, Name: name}
	level := &in.Options
	for _, a := range args {
		switch v := a.(type) {
		case CommandOption:
			*level = append(*level, v)
		case string:
			if key, val, ok := strings.Cut(v, ":"); ok {
				*level = append(*level, CommandOption{Name: key, Value: val})
			} else {
				*level = append(*level, CommandOption{Name: v})
				level = &(*level)[len(*level)-1].Options
			}
		default:
			in.err = fmt.Errorf("discordtest: Command(%q): argument %v (%T) is neither a string nor a CommandOption", name, a, a)
		}
	}
	return in
}

// Slash parses a command line as a user types it:
//
//	Slash(`/questions ask text:"Why 42?" anonymous:true`)
//
// Values with spaces need double quotes. Errors are reported by Interact.
func Slash(line string) Interaction {
	words, err := splitCommandLine(strings.TrimSpace(line))
	if err != nil || len(words) == 0 || !strings.HasPrefix(words[0], "/") {
		return Interaction{err: fmt.Errorf("discordtest: Slash(%q): want \"/name [sub] [option:value ...]\"", line)}
	}
	args := make([]any, 0, len(words)-1)
	for _, w := range words[1:] {
		args = append(args, w)
	}
	return Command(strings.TrimPrefix(words[0], "/"), args...)
}

// splitCommandLine splits on spaces outside double quotes and drops the
// quotes.
func splitCommandLine(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQuote, has := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			has = true
		case unicode.IsSpace(r) && !inQuote:
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if inQuote {
		return nil, errors.New("unterminated quote")
	}
	if has {
		out = append(out, cur.String())
	}
	return out, nil
}

// Button builds a click on a button with customID on the message messageID.
func Button(customID, messageID string) Interaction {
	return Interaction{Type: InteractionComponent, CustomID: customID, ComponentType: int(discordgo.ButtonComponent), MessageID: messageID}
}

// InteractionResponse is the bot's first answer to an interaction.
type InteractionResponse struct {
	// Type is the callback type: 4 message, 5 deferred message, 6 deferred
	// update, 7 update, 8 autocomplete result, 9 modal.
	Type            discordgo.InteractionResponseType
	Content         string
	Flags           discordgo.MessageFlags
	Embeds          []*discordgo.MessageEmbed
	Components      []discordgo.MessageComponent
	AllowedMentions *discordgo.MessageAllowedMentions
	Choices         []*discordgo.ApplicationCommandOptionChoice
	// Title and CustomID are set for modals.
	Title, CustomID string
	// Body is the raw callback JSON.
	Body []byte
	// Latency is the time from dispatching INTERACTION_CREATE to receiving
	// the callback.
	Latency time.Duration
	// ID and Token identify the interaction; pass Token to Followups.
	ID, Token string
}

// Ephemeral reports whether only the invoking user sees the answer.
func (r *InteractionResponse) Ephemeral() bool { return r.Flags&discordgo.MessageFlagsEphemeral != 0 }

// interaction is a dispatched interaction. Guarded by Server.mu.
type interaction struct {
	id, token  string
	typ        int
	channelID  string
	userID     string
	dispatched time.Time
	acked      bool
	ackType    int
	ackFlags   discordgo.MessageFlags
	answered   chan *InteractionResponse // buffered 1: the first callback
	original   *Message                  // @original, once it exists
	followups  []*Message
	messageID  string // component interactions: the message clicked on
}

// Interact dispatches INTERACTION_CREATE and waits for the bot's callback.
// It fails if no gateway session is connected, if the command is not
// registered, if the bot does not answer within Discord's 3 s, or if ctx
// ends first.
func (s *Server) Interact(ctx context.Context, in Interaction) (*InteractionResponse, error) {
	if in.err != nil {
		return nil, in.err
	}
	s.mu.Lock()
	it, err := s.dispatchInteractionLocked(&in)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	deadline := time.NewTimer(s.cfg.interactionDeadline)
	defer deadline.Stop()
	select {
	case r := <-it.answered:
		return r, nil
	case <-deadline.C:
		return nil, fmt.Errorf("discordtest: interaction %s: no callback within %v (Discord's deadline)", describe(in), s.cfg.interactionDeadline)
	case <-ctx.Done():
		return nil, fmt.Errorf("discordtest: interaction %s: %w", describe(in), ctx.Err())
	case <-s.closing:
		return nil, errors.New("discordtest: interaction: server closed")
	}
}

func describe(in Interaction) string {
	if in.Name != "" {
		return "/" + in.Name
	}
	return "component " + in.CustomID
}

// dispatchInteractionLocked resolves defaults, builds the payload, records
// the interaction and sends it on the gateway.
func (s *Server) dispatchInteractionLocked(in *Interaction) (*interaction, error) {
	if !s.connectedLocked() {
		return nil, errors.New("discordtest: interaction: no gateway session is connected")
	}
	member, ch, err := s.resolveInteractionLocked(in)
	if err != nil {
		return nil, err
	}

	it := &interaction{id: s.newID(), token: "tok-" + randomHex(24), typ: in.Type, channelID: ch.ID, userID: in.UserID,
		answered: make(chan *InteractionResponse, 1), messageID: in.MessageID}
	payload := map[string]any{
		"id": it.id, "application_id": s.appID, "type": in.Type, "token": it.token, "version": 1,
		"guild_id": s.guildID, "channel_id": ch.ID, "channel": ch,
		"member": map[string]any{
			"user": member.User, "roles": member.Roles, "joined_at": member.JoinedAt, "nick": member.Nick,
			"deaf": false, "mute": false, "flags": 0,
			"permissions": strconv.FormatInt(s.channelPermsLocked(in.UserID, ch), 10),
		},
		"app_permissions":                strconv.FormatInt(s.channelPermsLocked(s.botUser.ID, ch), 10),
		"locale":                         "en-US",
		"guild_locale":                   "en-US",
		"entitlements":                   []any{},
		"authorizing_integration_owners": map[string]string{"0": s.guildID},
		"context":                        0,
	}
	if err := s.interactionDataLocked(in, ch, payload); err != nil {
		return nil, err
	}
	if in.GuildID != "" && in.GuildID != s.guildID {
		g := s.otherGuildLocked(in.GuildID)
		if g == nil {
			return nil, fmt.Errorf("discordtest: interaction: unknown guild %s (AddGuild first)", in.GuildID)
		}
		if in.Type == InteractionComponent {
			return nil, errors.New("discordtest: interaction: components from another guild are not supported")
		}
		s.retargetLocked(payload, g)
		it.channelID = g.channel.ID
	}
	s.interactions[it.id] = it
	s.interactionTokens[it.token] = it
	it.dispatched = time.Now()
	s.dispatchLocked("INTERACTION_CREATE", payload, 0)
	s.notifyLocked()
	return it, nil
}

// resolveInteractionLocked fills in's defaults (its type, the guild owner as
// the user, the first text channel) and returns who acts, and where.
func (s *Server) resolveInteractionLocked(in *Interaction) (*discordgo.Member, *discordgo.Channel, error) {
	if in.Type == 0 {
		in.Type = InteractionComponent
		if in.Name != "" {
			in.Type = InteractionCommand
		}
	}
	if in.UserID == "" {
		in.UserID = s.ownerID
	}
	member, ok := s.members[in.UserID]
	if !ok {
		return nil, nil, fmt.Errorf("discordtest: interaction: user %s is not a member", in.UserID)
	}
	if in.ChannelID == "" {
		for _, c := range s.sortedChannelsLocked() {
			if c.Type == discordgo.ChannelTypeGuildText {
				in.ChannelID = c.ID
				break
			}
		}
	}
	ch := s.channelLocked(in.ChannelID)
	if ch == nil {
		return nil, nil, fmt.Errorf("discordtest: interaction: unknown channel %q (add a text channel or set ChannelID)", in.ChannelID)
	}
	return member, ch, nil
}

// interactionDataLocked sets the payload's data (and, for a component, the
// message carrying it) for in's type.
func (s *Server) interactionDataLocked(in *Interaction, ch *discordgo.Channel, payload map[string]any) error {
	switch in.Type {
	case InteractionCommand, InteractionAutocomplete:
		data, err := s.commandDataLocked(in)
		if err != nil {
			return err
		}
		payload["data"] = data
	case InteractionComponent:
		if in.CustomID == "" {
			return errors.New("discordtest: interaction: a component interaction needs CustomID")
		}
		if in.ComponentType == 0 {
			in.ComponentType = int(discordgo.ButtonComponent)
		}
		values := in.Values
		if values == nil {
			values = []string{}
		}
		payload["data"] = map[string]any{"custom_id": in.CustomID, "component_type": in.ComponentType, "values": values}
		if in.MessageID != "" {
			_, m := s.messageLocked(ch.ID, in.MessageID)
			if m == nil {
				return fmt.Errorf("discordtest: interaction: unknown message %s in channel %s", in.MessageID, ch.ID)
			}
			payload["message"] = m.wire()
		}
	case InteractionModalSubmit:
		var rows []any
		for id, v := range in.Fields {
			rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": id, "value": v}}})
		}
		payload["data"] = map[string]any{"custom_id": in.CustomID, "components": rows}
	default:
		return fmt.Errorf("discordtest: interaction: unsupported type %d", in.Type)
	}
	return nil
}

// findCommandLocked looks a command up by name, guild commands first.
func (s *Server) findCommandLocked(name string, typ discordgo.ApplicationCommandType) *discordgo.ApplicationCommand {
	for _, list := range [][]*discordgo.ApplicationCommand{s.guildCommands, s.globalCommands} {
		for _, c := range list {
			ct := c.Type
			if ct == 0 {
				ct = discordgo.ChatApplicationCommand
			}
			if c.Name == name && ct == typ {
				return c
			}
		}
	}
	return nil
}

// commandDataLocked builds "data" of a command or autocomplete interaction,
// typing and converting options from the registered definition.
func (s *Server) commandDataLocked(in *Interaction) (map[string]any, error) {
	cmd := s.findCommandLocked(in.Name, discordgo.ChatApplicationCommand)
	if cmd == nil {
		return nil, fmt.Errorf("discordtest: interaction: /%s is not registered (the bot must register its commands first)", in.Name)
	}
	res := &resolved{users: map[string]any{}, members: map[string]any{}, roles: map[string]any{}, channels: map[string]any{}}
	opts, err := s.resolveOptionsLocked("/"+in.Name, cmd.Options, in.Options, in.Focus, res, in.Type == InteractionAutocomplete)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": 1, "guild_id": s.guildID, "options": opts}
	if !res.empty() {
		data["resolved"] = res.json()
	}
	return data, nil
}

// resolved collects the objects options refer to, as Discord sends them.
type resolved struct{ users, members, roles, channels map[string]any }

func (r *resolved) empty() bool {
	return len(r.users)+len(r.roles)+len(r.channels) == 0
}

func (r *resolved) json() map[string]any {
	out := map[string]any{}
	for k, m := range map[string]map[string]any{"users": r.users, "members": r.members, "roles": r.roles, "channels": r.channels} {
		if len(m) > 0 {
			out[k] = m
		}
	}
	return out
}

func (s *Server) resolveOptionsLocked(path string, defs []*discordgo.ApplicationCommandOption, given []CommandOption, focus string, res *resolved, autocomplete bool) ([]map[string]any, error) {
	out := []map[string]any{}
	seen := map[string]bool{}
	for _, g := range given {
		var def *discordgo.ApplicationCommandOption
		for _, d := range defs {
			if d.Name == g.Name {
				def = d
			}
		}
		if def == nil {
			return nil, fmt.Errorf("discordtest: interaction %s: no option %q in the registered command", path, g.Name)
		}
		seen[g.Name] = true
		typ := def.Type
		if g.Type != 0 && g.Type != int(typ) {
			return nil, fmt.Errorf("discordtest: interaction %s: option %q has type %d, registered as %d", path, g.Name, g.Type, typ)
		}
		o := map[string]any{"name": g.Name, "type": int(typ)}
		switch typ {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			sub, err := s.resolveOptionsLocked(path+" "+g.Name, def.Options, g.Options, focus, res, autocomplete)
			if err != nil {
				return nil, err
			}
			o["options"] = sub
		default:
			focused := autocomplete && g.Name == focus
			v, err := s.optionValueLocked(def, g.Value, res, focused)
			if err != nil {
				return nil, fmt.Errorf("discordtest: interaction %s: option %q: %w", path, g.Name, err)
			}
			o["value"] = v
			if focused {
				o["focused"] = true
			}
		}
		out = append(out, o)
	}
	if !autocomplete {
		for _, d := range defs {
			if d.Required && !seen[d.Name] {
				return nil, fmt.Errorf("discordtest: interaction %s: required option %q missing", path, d.Name)
			}
		}
	}
	return out, nil
}

// optionValueLocked converts a test's value to the option's JSON value and
// records referenced users, roles and channels in res.
func (s *Server) optionValueLocked(def *discordgo.ApplicationCommandOption, v any, res *resolved, focused bool) (any, error) {
	str := fmt.Sprint(v)
	if focused {
		return str, nil // autocomplete sends what is typed so far, as a string
	}
	var out any
	switch def.Type {
	case discordgo.ApplicationCommandOptionString:
		out = str
	case discordgo.ApplicationCommandOptionInteger:
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", str)
		}
		out = n
	case discordgo.ApplicationCommandOptionNumber:
		f, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", str)
		}
		out = f
	case discordgo.ApplicationCommandOptionBoolean:
		b, err := strconv.ParseBool(str)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", str)
		}
		out = b
	case discordgo.ApplicationCommandOptionUser:
		id, ok := s.lookupUserLocked(str)
		if !ok {
			return nil, fmt.Errorf("no member %q", str)
		}
		s.resolveUserLocked(id, res)
		out = id
	case discordgo.ApplicationCommandOptionRole:
		id, ok := s.lookupRoleLocked(str)
		if !ok {
			return nil, fmt.Errorf("no role %q", str)
		}
		res.roles[id] = s.roleLocked(id)
		out = id
	case discordgo.ApplicationCommandOptionMentionable:
		if id, ok := s.lookupUserLocked(str); ok {
			s.resolveUserLocked(id, res)
			out = id
		} else if id, ok := s.lookupRoleLocked(str); ok {
			res.roles[id] = s.roleLocked(id)
			out = id
		} else {
			return nil, fmt.Errorf("no member or role %q", str)
		}
	case discordgo.ApplicationCommandOptionChannel:
		name := strings.TrimPrefix(str, "#")
		var ch *discordgo.Channel
		for _, c := range s.channels {
			if c.ID == name || c.Name == name {
				ch = c
				break
			}
		}
		if ch == nil {
			return nil, fmt.Errorf("no channel %q", str)
		}
		res.channels[ch.ID] = map[string]any{"id": ch.ID, "name": ch.Name, "type": ch.Type, "parent_id": ch.ParentID,
			"permissions": strconv.FormatInt(s.channelPermsLocked(s.botUser.ID, ch), 10)}
		out = ch.ID
	default:
		out = v
	}
	if len(def.Choices) > 0 {
		for _, c := range def.Choices {
			if fmt.Sprint(c.Value) == fmt.Sprint(out) {
				return out, nil
			}
		}
		return nil, fmt.Errorf("%v is not one of the registered choices", out)
	}
	return out, nil
}

// lookupUserLocked accepts a user id, "<@id>", "@username" or "username".
func (s *Server) lookupUserLocked(v string) (string, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "<@"), "@"), ">")
	if _, ok := s.members[v]; ok {
		return v, true
	}
	for _, id := range s.memberOrder {
		if s.members[id].User.Username == v {
			return id, true
		}
	}
	return "", false
}

func (s *Server) lookupRoleLocked(v string) (string, bool) {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "<@&"), "@"), ">")
	for _, r := range s.roles {
		if r.ID == v || r.Name == v {
			return r.ID, true
		}
	}
	return "", false
}

func (s *Server) resolveUserLocked(id string, res *resolved) {
	m := s.members[id]
	res.users[id] = m.User
	res.members[id] = map[string]any{"roles": m.Roles, "joined_at": m.JoinedAt, "nick": m.Nick,
		"permissions": strconv.FormatInt(s.guildPermsLocked(id), 10)}
}

// Followups returns what the bot posted through an interaction's webhook:
// the @original response message (as last edited) first, then followups.
func (s *Server) Followups(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.interactionTokens[token]
	if !ok {
		return nil
	}
	var out []Message
	if it.original != nil {
		out = append(out, *it.original)
	}
	for _, m := range it.followups {
		out = append(out, *m)
	}
	return out
}

// responseFromCallback decodes a callback body for Interact.
func responseFromCallback(body []byte, latency time.Duration, it *interaction) *InteractionResponse {
	var cb struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	_ = json.Unmarshal(body, &cb)
	r := &InteractionResponse{Type: cb.Type, Body: body, Latency: latency, ID: it.id, Token: it.token}
	if !present(cb.Data) {
		return r
	}
	var msg discordgo.Message
	_ = json.Unmarshal(cb.Data, &msg)
	var extra struct {
		AllowedMentions json.RawMessage                             `json:"allowed_mentions"`
		Choices         []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		Title           string                                      `json:"title"`
		CustomID        string                                      `json:"custom_id"`
	}
	_ = json.Unmarshal(cb.Data, &extra)
	r.Content, r.Flags, r.Embeds, r.Components = msg.Content, msg.Flags, msg.Embeds, msg.Components
	r.AllowedMentions = decodeAllowedMentions(extra.AllowedMentions)
	r.Choices, r.Title, r.CustomID = extra.Choices, extra.Title, extra.CustomID
	return r
}
