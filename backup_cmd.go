package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"workshopbot/bot/sqlite"
)

// runBackup is `workshopbot backup [--db PATH] DEST`: a consistent copy of the
// database, safe to take while the bot runs on it (sqlite.BackupFile reads the
// file read-only, beside the running bot's lock).
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("workshopbot backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "workshopbot.db", "the database the bot runs with")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: workshopbot backup [--db PATH] DEST   copy the database to the new file DEST, also while the bot runs\n\nflags:\n")
		fs.PrintDefaults()
	}
	// Flags may come after DEST too: `backup copy.db --db bot.db`.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "workshopbot backup: want one destination file, got %q\n", rest)
		fs.Usage()
		return 2
	}
	dst := rest[0]
	if err := sqlite.BackupFile(ctx, *db, dst); err != nil {
		fmt.Fprintf(stderr, "workshopbot backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *db, dst)
	return 0
}
