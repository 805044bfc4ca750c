// Package web serves the organizers' dashboard, the livestream overlay, and the
// health and metrics endpoints of a running bot over HTTP.
//
// It is an edge, like bot/discord and bot/console: it reads the bot's state
// through (*bot.Bot).Overview, follows its changes through (*bot.Bot).Subscribe,
// and acts only through (*bot.Bot).Handle, as a moderator, so that a button on
// the dashboard does exactly what the slash command does. Pages are Go
// templates and a little plain JavaScript embedded in the binary: there is no
// front-end build step.
//
// Read-only pages and endpoints need no credentials; the dashboard's actions
// need the moderator token in the Authorization header, never in a URL.
//
// The Figures view is bot/report's page, made from (*bot.Bot).Figures.
//
// It must never import bot/discord, bot/console or bot/sqlite: main wires them.
package web
