package main

import (
	"context"

	"workshopbot/bot"
	"workshopbot/bot/postgres"
	"workshopbot/bot/sqlite"
)

// dbEnv names the variable that chooses the database when --db is not given:
// a postgres:// URL (keeping the password out of the command line and the
// process list), or a SQLite file.
const dbEnv = "WORKSHOPBOT_DB"

// appStore is what the bot and its dashboard need of a store: bot/sqlite and
// bot/postgres both provide it (and the optional stores bot finds by itself).
type appStore interface {
	bot.Store
	bot.QuestionStore
	bot.PosterStore
	bot.SourceStore
	bot.ProgramStore
	bot.GreenStore
	bot.RoleStore
	Ping(ctx context.Context) error
	InstanceID(ctx context.Context) (string, error)
	WriteStats() (commits, writes int64)
	Close() error
}

var (
	_ appStore = (*sqlite.DB)(nil)
	_ appStore = (*postgres.DB)(nil)
)

// defaultDB is --db's default: a SQLite file beside the program files.
const defaultDB = "workshopbot.db"

// dbName is the database the bot runs on: --db if given, else WORKSHOPBOT_DB,
// else the default file.
func dbName(o *options, getenv func(string) string) string {
	if o.db == defaultDB {
		if v := getenv(dbEnv); v != "" {
			return v
		}
	}
	return o.db
}

// openStore opens the database the bot runs on: PostgreSQL for a postgres://
// URL, SQLite for anything else.
func openStore(ctx context.Context, name string) (appStore, error) {
	if postgres.IsURL(name) {
		return postgres.Open(ctx, name)
	}
	return sqlite.Open(ctx, name)
}
