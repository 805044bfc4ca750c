package discord

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Discord's limits and our bounds on waiting for Discord, in one place.
const (
	maxContent     = 2000     // characters in a message or an interaction response
	maxNonce       = 25       // characters in a message nonce
	maxCommandName = 32       // characters in a command or option name
	maxDescription = 100      // characters in a command or option description
	maxButtonLabel = 80       // characters in a button's label
	maxCustomID    = 100      // characters in a component's custom_id
	maxRowButtons  = 5        // buttons in one action row
	maxRows        = 5        // action rows under one message
	maxChoices     = 25       // autocomplete choices in one answer
	maxChoiceText  = 100      // characters in a choice's name, and in a string choice's value
	maxFiles       = 10       // attachments in one message
	maxUpload      = 10 << 20 // bytes of attachments in one message (a guild without boosts)
	// A guild holds at most 250 roles, @everyone included: beyond, Discord
	// answers JSON error code 30005 "Maximum number of guild roles reached
	// (250)" (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
	// /remindme leaves roleHeadroom of them to the moderators.
	maxRoles     = 250
	roleHeadroom = 10

	requestTimeout = 10 * time.Second      // one HTTP attempt
	maxRetryWait   = 10 * time.Second      // longest retry_after we wait for; longer fails now
	bucketSlack    = 20 * time.Millisecond // added to a bucket's wait: discordgo rounds its reset down

	// Discord's global limit is 50 requests per second per bot, for every route
	// but the interaction endpoints
	// (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit).
	// The pacer lets paceBurst calls go at once and paceRate per second after
	// that: at most paceBurst+paceRate (45) in any second, with room for the
	// jitter between leaving the bot and arriving at Discord.
	paceRate        = 40
	paceBurst       = 5
	backoffBase     = 250 * time.Millisecond  // first wait after a 5xx or a network error
	backoffMax      = 4 * time.Second         // longest wait after a 5xx or a network error
	openTimeout     = 30 * time.Second        // gateway connect + READY + GUILD_CREATE, unless ctx is shorter
	handleBudget    = 2 * time.Second         // deadline of Config.Handle, from the interaction's arrival
	deferAfter      = 2200 * time.Millisecond // if Handle has not returned by then, defer the answer
	respondBudget   = 2900 * time.Millisecond // Discord wants the callback within 3 s of the interaction
	followupBudget  = 30 * time.Second        // a deferred answer: Handle plus the edit of the original
	closeBudget     = 5 * time.Second         // Close, in total
	gatewayCloseFor = 1500 * time.Millisecond // part of closeBudget for closing the gateway (discordgo sleeps 1 s)
	cutWait         = 500 * time.Millisecond  // part of closeBudget for closing it after cutting its connection
)

// fit returns s cut to at most max characters, at a line or word break when one is
// near the end, with an ellipsis to show it was cut.
func fit(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	cut := string(runes[:max-1]) // room for the ellipsis
	if i := strings.LastIndexAny(cut, "\n "); i >= len(cut)*4/5 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " \n") + "…"
}
