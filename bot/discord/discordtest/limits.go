package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's documented limits that the OpenAPI spec does not encode (or
// encodes more loosely, e.g. content up to 4000 for Nitro users). This is
// the one place the fake knows them.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooterText       = 2048
	maxAuthorName       = 256
	maxEmbedTotal       = 6000
	maxChannelName      = 100
	maxTopic            = 1024
	maxPerCategory      = 50
	maxChannels         = 500
	maxCommands         = 100
	maxOptions          = 25
	maxChoices          = 25
	maxCommandDesc      = 100
	maxEventName        = 100
	maxEventDescription = 1000
	maxEventLocation    = 100
	maxEvents           = 100
)

// commandName is Discord's rule for CHAT_INPUT command and option names.
// Go's regexp has no \p{sc=...}; \p{Devanagari} and \p{Thai} are the same
// script classes.
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// checkLimits applies the limits that concern the request's route to its
// (spec-valid) body.
func (s *Server) checkLimits(rc *reqCtx) []problem {
	switch rc.route {
	case "POST /channels/{channel_id}/messages",
		"POST /webhooks/{webhook_id}/{webhook_token}":
		return checkMessage(rc.body, true, len(rc.files) > 0)
	case "PATCH /channels/{channel_id}/messages/{message_id}",
		"PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
		"PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}":
		return checkMessage(rc.body, false, len(rc.files) > 0)
	case "POST /interactions/{interaction_id}/{interaction_token}/callback":
		return checkCallback(rc.body)
	case "POST /guilds/{guild_id}/channels":
		var c struct {
			Name  string  `json:"name"`
			Type  int     `json:"type"`
			Topic *string `json:"topic"`
		}
		_ = json.Unmarshal(rc.body, &c)
		return checkChannel(&c.Name, c.Type, c.Topic)
	case "PATCH /channels/{channel_id}":
		var c struct {
			Name  *string `json:"name"`
			Topic *string `json:"topic"`
		}
		_ = json.Unmarshal(rc.body, &c)
		s.mu.Lock()
		typ := -1
		if ch := s.channelLocked(rc.param("channel_id")); ch != nil {
			typ = int(ch.Type)
		}
		s.mu.Unlock()
		return checkChannel(c.Name, typ, c.Topic)
	case "PUT /applications/{application_id}/guilds/{guild_id}/commands",
		"PUT /applications/{application_id}/commands":
		var cmds []command
		_ = json.Unmarshal(rc.body, &cmds)
		var out []problem
		if n := countChatInput(cmds); n > maxCommands {
			out = append(out, problem{"limit/commands", fmt.Sprintf("%d chat input commands, max %d", n, maxCommands)})
		}
		seen := map[string]bool{}
		for _, c := range cmds {
			key := fmt.Sprint(c.typ(), c.Name)
			if seen[key] {
				out = append(out, problem{"limit/command", fmt.Sprintf("duplicate command name %q", c.Name)})
			}
			seen[key] = true
			out = append(out, checkCommand(c)...)
		}
		return out
	case "POST /applications/{application_id}/guilds/{guild_id}/commands",
		"POST /applications/{application_id}/commands":
		var c command
		_ = json.Unmarshal(rc.body, &c)
		return checkCommand(c)
	case "POST /guilds/{guild_id}/scheduled-events":
		return checkEvent(rc.body, true, time.Now())
	case "PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":
		return checkEvent(rc.body, false, time.Now())
	}
	return nil
}

// messageView is the part of a message body the limits look at.
type messageView struct {
	Content         *string                   `json:"content"`
	Embeds          []*discordgo.MessageEmbed `json:"embeds"`
	AllowedMentions json.RawMessage           `json:"allowed_mentions"`
	Components      []json.RawMessage         `json:"components"`
	StickerIDs      []json.RawMessage         `json:"sticker_ids"`
	Poll            json.RawMessage           `json:"poll"`
	Attachments     []json.RawMessage         `json:"attachments"`
}

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// checkMessage checks content and embed limits and the project's rule that
// every message with content says explicitly who may be pinged.
func checkMessage(body []byte, create, files bool) []problem {
	var m messageView
	if err := json.Unmarshal(body, &m); err != nil {
		return []problem{{RuleSpecBody, err.Error()}}
	}
	return checkMessageView(m, create, files)
}

func checkMessageView(m messageView, create, files bool) []problem {
	var out []problem
	content := ""
	if m.Content != nil {
		content = *m.Content
	}
	if n := utf8.RuneCountInString(content); n > maxContent {
		out = append(out, problem{"limit/content", fmt.Sprintf("content is %d characters, max %d", n, maxContent)})
	}
	out = append(out, checkEmbeds(m.Embeds)...)
	if content != "" && !present(m.AllowedMentions) {
		out = append(out, problem{RuleAllowedMentions, "a message with content must set allowed_mentions (e.g. {\"parse\":[]}) so pings are explicit"})
	}
	if create && content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 && len(m.StickerIDs) == 0 && !present(m.Poll) && !files {
		out = append(out, problem{RuleSemantics, "Cannot send an empty message (code 50006)"})
	}
	return out
}

// checkEmbeds applies the embed limits, including the 6000-character total.
func checkEmbeds(embeds []*discordgo.MessageEmbed) []problem {
	var out []problem
	if len(embeds) > maxEmbeds {
		out = append(out, problem{"limit/embeds", fmt.Sprintf("%d embeds, max %d", len(embeds), maxEmbeds)})
	}
	total := 0
	over := func(i int, what string, s string, max int) {
		n := utf8.RuneCountInString(s)
		total += n
		if n > max {
			out = append(out, problem{"limit/embed", fmt.Sprintf("embeds[%d].%s is %d characters, max %d", i, what, n, max)})
		}
	}
	for i, e := range embeds {
		if e == nil {
			continue
		}
		over(i, "title", e.Title, maxEmbedTitle)
		over(i, "description", e.Description, maxEmbedDescription)
		if len(e.Fields) > maxEmbedFields {
			out = append(out, problem{"limit/embed", fmt.Sprintf("embeds[%d] has %d fields, max %d", i, len(e.Fields), maxEmbedFields)})
		}
		for j, f := range e.Fields {
			if f == nil {
				continue
			}
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				out = append(out, problem{"limit/embed", fmt.Sprintf("embeds[%d].fields[%d]: name and value are required", i, j)})
			}
			over(i, fmt.Sprintf("fields[%d].name", j), f.Name, maxFieldName)
			over(i, fmt.Sprintf("fields[%d].value", j), f.Value, maxFieldValue)
		}
		if e.Footer != nil {
			over(i, "footer.text", e.Footer.Text, maxFooterText)
		}
		if e.Author != nil {
			over(i, "author.name", e.Author.Name, maxAuthorName)
		}
	}
	if total > maxEmbedTotal {
		out = append(out, problem{"limit/embed", fmt.Sprintf("embeds total %d characters, max %d", total, maxEmbedTotal)})
	}
	return out
}

// checkCallback checks an interaction response's message data (types 4 and
// 7), autocomplete choices (8) and modals (9).
func checkCallback(body []byte) []problem {
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		return []problem{{RuleSpecBody, err.Error()}}
	}
	switch cb.Type {
	case 4, 7:
		var m messageView
		if present(cb.Data) {
			if err := json.Unmarshal(cb.Data, &m); err != nil {
				return []problem{{RuleSpecBody, err.Error()}}
			}
		}
		return checkMessageView(m, cb.Type == 4, false)
	case 8:
		var d struct {
			Choices []json.RawMessage `json:"choices"`
		}
		_ = json.Unmarshal(cb.Data, &d)
		if len(d.Choices) > maxChoices {
			return []problem{{"limit/choices", fmt.Sprintf("%d autocomplete choices, max %d", len(d.Choices), maxChoices)}}
		}
	}
	return nil
}

// textLike reports whether Discord canonicalises the channel type's names
// (lower case, dashes): text, announcement and forum channels.
func textLike(typ int) bool {
	switch discordgo.ChannelType(typ) {
	case discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildForum:
		return true
	}
	return false
}

// checkChannel checks a channel's name and topic. Discord would silently
// rewrite "Poster Session A" to "poster-session-a"; the bot must send the
// canonical name itself, or it cannot find its channel again by name.
func checkChannel(name *string, typ int, topic *string) []problem {
	var out []problem
	if name != nil {
		n := utf8.RuneCountInString(*name)
		if n < 1 || n > maxChannelName {
			out = append(out, problem{"limit/channel-name", fmt.Sprintf("channel name is %d characters, want 1–%d", n, maxChannelName)})
		}
		if textLike(typ) && !canonicalChannelName(*name) {
			out = append(out, problem{"limit/channel-name", fmt.Sprintf("text channel name %q is not canonical (lower case, no spaces); Discord would rename it", *name)})
		}
	}
	if topic != nil && textLike(typ) {
		if n := utf8.RuneCountInString(*topic); n > maxTopic {
			out = append(out, problem{"limit/topic", fmt.Sprintf("topic is %d characters, max %d", n, maxTopic)})
		}
	}
	return out
}

func canonicalChannelName(name string) bool {
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// command is an application command as the limits see it.
type command struct {
	Type        int             `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Options     []commandOption `json:"options"`
}

func (c command) typ() int {
	if c.Type == 0 {
		return 1
	}
	return c.Type
}

type commandOption struct {
	Type        int               `json:"type"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Required    bool              `json:"required"`
	Options     []commandOption   `json:"options"`
	Choices     []json.RawMessage `json:"choices"`
}

func countChatInput(cmds []command) int {
	n := 0
	for _, c := range cmds {
		if c.typ() == 1 {
			n++
		}
	}
	return n
}

// checkCommand checks names, descriptions and option structure.
func checkCommand(c command) []problem {
	var out []problem
	add := func(format string, args ...any) {
		out = append(out, problem{"limit/command", fmt.Sprintf("/%s: ", c.Name) + fmt.Sprintf(format, args...)})
	}
	if c.typ() == 1 {
		if !commandName.MatchString(c.Name) {
			add("name must match ^[-_\\p{Ll}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$ (lower case, no spaces)")
		}
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > maxCommandDesc {
			add("description is %d characters, want 1–%d", n, maxCommandDesc)
		}
	} else {
		if n := utf8.RuneCountInString(c.Name); n < 1 || n > 32 {
			add("name is %d characters, want 1–32", n)
		}
		if c.Description != "" {
			add("user and message commands must have an empty description")
		}
	}
	checkOptions(c.Options, 0, add)
	return out
}

// checkOptions checks one level of options; depth 0 is the command itself,
// 1 a subcommand group, 2 a subcommand.
func checkOptions(opts []commandOption, depth int, add func(string, ...any)) {
	if len(opts) > maxOptions {
		add("%d options, max %d", len(opts), maxOptions)
	}
	seenOptional := false
	subs, others := 0, 0
	names := map[string]bool{}
	for _, o := range opts {
		if !commandName.MatchString(o.Name) {
			add("option name %q must match the command name pattern (lower case, no spaces)", o.Name)
		}
		if names[o.Name] {
			add("duplicate option name %q", o.Name)
		}
		names[o.Name] = true
		if n := utf8.RuneCountInString(o.Description); n < 1 || n > maxCommandDesc {
			add("option %q description is %d characters, want 1–%d", o.Name, n, maxCommandDesc)
		}
		if len(o.Choices) > maxChoices {
			add("option %q has %d choices, max %d", o.Name, len(o.Choices), maxChoices)
		}
		switch o.Type {
		case 1: // SUB_COMMAND
			subs++
			if depth >= 2 {
				add("subcommand %q nested too deep", o.Name)
			}
			checkOptions(o.Options, 2, add)
		case 2: // SUB_COMMAND_GROUP
			subs++
			if depth >= 1 {
				add("subcommand group %q must be at the top level", o.Name)
			}
			for _, sub := range o.Options {
				if sub.Type != 1 {
					add("subcommand group %q may only contain subcommands", o.Name)
				}
			}
			checkOptions(o.Options, 1, add)
		default:
			others++
			if o.Required && seenOptional {
				add("required option %q after an optional one", o.Name)
			}
			if !o.Required {
				seenOptional = true
			}
		}
	}
	if subs > 0 && others > 0 {
		add("subcommands and plain options cannot be mixed at one level")
	}
}

// eventView is the part of a scheduled event body the limits look at.
type eventView struct {
	Name               *string    `json:"name"`
	Description        *string    `json:"description"`
	EntityType         int        `json:"entity_type"`
	ChannelID          *string    `json:"channel_id"`
	ScheduledStartTime *time.Time `json:"scheduled_start_time"`
	ScheduledEndTime   *time.Time `json:"scheduled_end_time"`
	EntityMetadata     *struct {
		Location *string `json:"location"`
	} `json:"entity_metadata"`
}

// checkEvent checks a scheduled event's lengths and the rules Discord
// enforces on external events and start times.
func checkEvent(body []byte, create bool, now time.Time) []problem {
	var e eventView
	if err := json.Unmarshal(body, &e); err != nil {
		return []problem{{RuleSpecBody, err.Error()}}
	}
	var out []problem
	if e.Name != nil {
		if n := utf8.RuneCountInString(*e.Name); n < 1 || n > maxEventName {
			out = append(out, problem{"limit/event", fmt.Sprintf("name is %d characters, want 1–%d", n, maxEventName)})
		}
	}
	if e.Description != nil {
		if n := utf8.RuneCountInString(*e.Description); n > maxEventDescription {
			out = append(out, problem{"limit/event", fmt.Sprintf("description is %d characters, max %d", n, maxEventDescription)})
		}
	}
	if e.EntityMetadata != nil && e.EntityMetadata.Location != nil {
		if n := utf8.RuneCountInString(*e.EntityMetadata.Location); n < 1 || n > maxEventLocation {
			out = append(out, problem{"limit/event", fmt.Sprintf("entity_metadata.location is %d characters, want 1–%d", n, maxEventLocation)})
		}
	}
	if create {
		if e.EntityType == 3 { // EXTERNAL
			if e.EntityMetadata == nil || e.EntityMetadata.Location == nil {
				out = append(out, problem{RuleSemantics, "external events need entity_metadata.location"})
			}
			if e.ScheduledEndTime == nil {
				out = append(out, problem{RuleSemantics, "external events need scheduled_end_time"})
			}
			if e.ChannelID != nil && *e.ChannelID != "" {
				out = append(out, problem{RuleSemantics, "external events must not have channel_id"})
			}
		} else if e.ChannelID == nil || *e.ChannelID == "" {
			out = append(out, problem{RuleSemantics, "stage and voice events need channel_id"})
		}
		if e.ScheduledStartTime != nil && e.ScheduledStartTime.Before(now) {
			out = append(out, problem{RuleSemantics, "Cannot schedule event in the past"})
		}
	}
	if e.ScheduledStartTime != nil && e.ScheduledEndTime != nil && !e.ScheduledEndTime.After(*e.ScheduledStartTime) {
		out = append(out, problem{RuleSemantics, "scheduled_end_time must be after scheduled_start_time"})
	}
	return out
}
