// Package sqlite is workshopbot's Store: what must survive a restart (which
// reminders were posted, and later questions, votes and poster channels) kept in
// one SQLite file, through the pure-Go driver modernc.org/sqlite.
//
// The file belongs to one running bot at a time. Open takes an exclusive lock
// on a side file (the real path, symlinks resolved, + ".lock", holding the
// owner's pid) and, where the system has flock, on the database file itself (so
// a hard link meets it too) for the life of the DB: a second bot on the same
// file, by whatever name, fails at start instead of double-posting.
// The kernel drops the lock when the process exits, however it exits.
//
// Every commit is durable when PutReminder returns (WAL with synchronous=FULL).
// Questions, votes and cards go through the writer (writer.go), which commits
// the writes that arrive together in one transaction and answers each once it
// is durable; reads run on connections of their own (WAL lets them see the last
// commit without waiting for the next).
// Open refuses, with an error naming the file, a file that is not a SQLite
// database or is corrupt (an empty, 0-byte file included), a database of another application, a schema newer
// than this build knows, and a database another bot holds; it never resets or
// rewrites such a file.
//
// The schema lives in migrations/NNNN_name.sql, applied in order at Open inside
// one transaction and tracked in PRAGMA user_version. Adding a file is all a
// schema change takes; a shipped file is never edited.
//
// This package implements bot.Store and imports package bot for its types; it
// must never import a transport (bot/discord, bot/console).
package sqlite
