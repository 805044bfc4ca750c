// Package postgres is workshopbot's store on a PostgreSQL server, through
// github.com/jackc/pgx/v5: the same tables and the same semantics as bot/sqlite,
// so that two bots on two hosts can share one truth.
//
// The frequent writes go through the same group commit as bot/sqlite's
// (writer.go), and each batch's transaction takes a transaction-scoped advisory
// lock (questionsLock): the writes that depend on what is stored (the per-user
// limit, the repeat check, a vote, taking the next question) are decided as if
// alone across both bots of a pair, not only within one. Every commit is
// durable when the call returns (PostgreSQL's default synchronous_commit).
//
// The schema lives in migrations/NNNN_name.sql: bot/sqlite's migrations in
// PostgreSQL's words, the same numbers. Open applies the pending ones in one
// transaction under an advisory lock, so two bots starting together migrate
// once, and records the version in the table workshopbot_schema.
//
// Leadership (leader.go): of the bots sharing a database, the one holding a
// session-level advisory lock on a connection of its own acts; the others wait.
//
// This package implements bot's store interfaces and imports package bot for
// its types; it must never import a transport (bot/discord, bot/console).
package postgres
