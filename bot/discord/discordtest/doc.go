// Package discordtest is an in-process fake of Discord for tests: an HTTP and
// WebSocket server on 127.0.0.1 that the real discordgo client talks to.
//
// The fake keeps one guild with roles, members, channels, messages, slash
// commands, scheduled events and interactions, dispatches the gateway events a
// bot would see, and answers REST calls with Discord's semantics (snowflake
// ids, 404/403/400 error bodies with Discord's codes, nonce de-duplication,
// interaction acknowledgement rules).
//
// Its main job is to catch requests the real Discord would reject or that
// break the bot's own rules: every request is validated against Discord's
// official OpenAPI 3.1 spec (embedded from testdata/discord-api-spec) and
// against the documented limits the spec leaves out (2000 characters per
// message, embed sizes, channel and command names, ...). A violating request
// gets a 400 like Discord would send, and is recorded as a Violation; New
// fails the test at cleanup for each one.
//
// Point the bot at the fake by rewriting https://discord.com/api/v9/... to
// Server.URL()+"/api/v9/..."; GET /api/v9/gateway then returns the fake's
// WebSocket URL. Authenticate with Token.
//
// The fake is as strict as Discord by default: rate limits on (global 50
// per second, per-route buckets; WithoutRateLimits turns them off, and a
// test that uses it says why), privileged intents refused with 4014 unless
// enabled (WithPrivilegedIntents, WithServerMembersIntent), pins need
// PIN_MESSAGES, and overwrites may grant only what the bot holds in the
// channel. Faults (Fail) exercise the bot's retry paths; DropGateway
// exercises resuming.
//
// The package must never import the bot's own packages: it is a fake of
// Discord, not of the bot, and every package of the project may use it.
package discordtest
