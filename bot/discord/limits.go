package discord

import (
	"time"

	"workshopbot/bot"
)

// Our bounds on waiting for Discord. Discord's own limits, the rate budget
// and the one truncation function are the core's (bot/limits.go).
const (
	requestTimeout = 10 * time.Second      // one HTTP attempt
	maxRetryWait   = 10 * time.Second      // longest retry_after we wait for; longer fails now
	bucketSlack    = 20 * time.Millisecond // added to a bucket's wait: discordgo rounds its reset down

	backoffBase     = 250 * time.Millisecond                         // first wait after a 5xx or a network error
	backoffMax      = 4 * time.Second                                // longest wait after a 5xx or a network error
	openTimeout     = 30 * time.Second                               // gateway connect + READY + GUILD_CREATE, unless ctx is shorter
	handleBudget    = 2 * time.Second                                // deadline of Config.Handle, from the interaction's arrival
	deferAfter      = 2200 * time.Millisecond                        // if Handle has not returned by then, defer the answer
	respondBudget   = bot.InteractionDeadline - 100*time.Millisecond // the callback, with room to reach Discord in time
	followupBudget  = 30 * time.Second                               // a deferred answer: Handle plus the edit of the original
	closeBudget     = 5 * time.Second                                // Close, in total
	gatewayCloseFor = 1500 * time.Millisecond                        // part of closeBudget for closing the gateway (discordgo sleeps 1 s)
	cutWait         = 500 * time.Millisecond                         // part of closeBudget for closing it after cutting its connection
)
