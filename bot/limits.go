package bot

import (
	"fmt"
	"strings"
	"time"
)

// Discord's format and limits, in one place: the core renders within them, and
// the discord edge (bot/discord) sends what it gets cut to them with Truncate.
// The fake Discord (bot/discord/discordtest) checks them again, on its own.

// Sizes of a message and what it carries, in characters unless said otherwise.
const (
	MaxContent          = 2000     // a message's content, or an interaction response's
	MaxNonce            = 25       // a message nonce
	MaxEmbeds           = 10       // embeds under one message
	MaxEmbedTitle       = 256      // an embed's title
	MaxEmbedDescription = 4096     // an embed's description
	MaxEmbedFieldValue  = 1024     // an embed field's value
	MaxEmbedFooter      = 2048     // an embed's footer
	MaxEmbedTotal       = 6000     // all of a message's embeds together
	MaxMentionUsers     = 100      // users in allowed_mentions.users
	MaxFiles            = 10       // attachments in one message
	MaxUpload           = 10 << 20 // bytes of attachments in one message (a guild without boosts)
)

// Sizes of commands and components.
const (
	MaxCommandName = 32  // a command or option name
	MaxDescription = 100 // a command or option description
	MaxButtonLabel = 80  // a button's label
	MaxCustomID    = 100 // a component's custom_id
	MaxRowButtons  = 5   // buttons in one action row
	MaxRows        = 5   // action rows under one message
	MaxChoices     = 25  // autocomplete choices in one answer
	MaxChoiceText  = 100 // a choice's name, and a string choice's value
)

// Names and topics of channels, and what a guild holds.
const (
	MaxChannelName      = 100  // characters in a channel name
	MaxTopic            = 1024 // characters in a channel topic
	MaxGuildChannels    = 500  // channels and categories together
	MaxCategoryChannels = 50   // channels in one category
	// A guild holds at most 250 roles, @everyone included: beyond, Discord
	// answers JSON error code 30005 "Maximum number of guild roles reached
	// (250)" (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
	// /remindme leaves RoleHeadroom of them to the moderators.
	MaxRoles     = 250
	RoleHeadroom = 10
)

// Scheduled events.
const (
	MaxEventName        = 100
	MaxEventDescription = 1000
	MaxEventLocation    = 100
	MaxEvents           = 100 // scheduled or active events in one guild
)

// Permission bits the bot grants or denies (Discord's numbering).
const (
	PermViewChannel        int64 = 1 << 10
	PermSendMessages       int64 = 1 << 11
	PermManageMessages     int64 = 1 << 13 // delete others' messages (no longer pins: see PermPinMessages)
	PermEmbedLinks         int64 = 1 << 14
	PermAttachFiles        int64 = 1 << 15
	PermReadMessageHistory int64 = 1 << 16
	// PermPinMessages pins and unpins; since Discord's pin permission split
	// MANAGE_MESSAGES no longer does (discord-api-docs PRs #7766, #7770).
	PermPinMessages int64 = 1 << 51
)

// Rate budgets. Discord's global limit is 50 requests per second per bot,
// for every route but the interaction endpoints
// (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit).
// The discord edge lets PaceBurst calls go at once and PaceRate per second
// after that: at most PaceBurst+PaceRate (45) in any second, with room for the
// jitter between leaving the bot and arriving at Discord. An interaction must
// be answered (or deferred) within InteractionDeadline of its arrival.
const (
	PaceRate            = 40
	PaceBurst           = 5
	InteractionDeadline = 3 * time.Second
	// Discord lets a channel's name and topic change MaxTopicEdits times per
	// TopicEditWindow (no documented figure; observed, and what the fake
	// enforces). /poster topic and the poster sync share the budget.
	MaxTopicEdits   = 2
	TopicEditWindow = 10 * time.Minute
)

// stamp writes t as a Discord timestamp, which every reader sees in their own time
// zone. Style t is a short time, R is relative ("in 15 minutes"), f a full date-time.
func stamp(t time.Time, style byte) string {
	return fmt.Sprintf("<t:%d:%c>", t.Unix(), style)
}

// Truncate cuts s to at most n characters, at a line or word boundary when one is
// near, and marks the cut with an ellipsis. It is the one cut for Discord's
// limits: the discord edge and the console show the same text.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexAny(cut, "\n "); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " \n") + "…"
}
