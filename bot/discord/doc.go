// Package discord is the Discord edge of workshopbot: it implements bot.Transport for
// one real guild on top of github.com/bwmarrin/discordgo.
//
// Open connects the gateway, resolves the channels and roles named in schedule.yaml
// (creating the bot-owned channels that are missing, never deleting anything),
// registers the slash commands when they changed, and logs every permission the bot
// lacks. Post sends a message with an explicit allowed_mentions (nothing pings but the
// reminder role, and only when asked) and a nonce Discord deduplicates, retrying
// rate limits, 5xx answers and timeouts a bounded number of times. Slash commands
// arrive as bot.Command values and go to Config.Handle, whose bot.Reply is sent back.
//
// Every REST call goes through one function (call, in rest.go) and every Discord limit
// lives in limits.go. The package imports the domain package bot and discordgo; it
// must never import another edge (bot/console, bot/sqlite) or main.
package discord
