package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/frab"
	"workshopbot/bot/report"
	"workshopbot/bot/sqlite"
)

// runReport is `workshopbot report [flags]`: the day in figures, read from the
// database read-only (a backup copy, or the file a running bot writes to), as one
// self-contained HTML page (the default), JSON, or one CSV file per table.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("workshopbot report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "workshopbot.db", "the database the bot runs or ran with, or a backup of it (read only)")
	schedule := fs.String("schedule", "schedule.yaml", "the program")
	posters := fs.String("posters", "posters.csv", "the posters")
	format := fs.String("format", "html", "html (one self-contained page), json, or csv (one file per table, in --out)")
	out := fs.String("out", "", "write to this file (html, json) or directory (csv) rather than to stdout")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: workshopbot report [--db PATH] [--format html|json|csv] [--out PATH] > report.html\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "workshopbot report: unexpected arguments %q\n", fs.Args())
		return 2
	}
	switch *format {
	case "html", "json":
	case "csv":
		if *out == "" {
			fmt.Fprintf(stderr, "workshopbot report: --format csv writes one file per table: give a directory with --out\n")
			return 2
		}
	default:
		fmt.Fprintf(stderr, "workshopbot report: --format %q: want html, json or csv\n", *format)
		return 2
	}
	if err := writeReport(ctx, *db, *schedule, *posters, *format, *out, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "workshopbot report: %v\n", err)
		return 1
	}
	return 0
}

func writeReport(ctx context.Context, dbPath, schedulePath, postersPath, format, out string, stdout, stderr io.Writer) error {
	store, err := sqlite.OpenReadOnly(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	prog, err := reportProgram(ctx, store, schedulePath, postersPath)
	if err != nil {
		return fmt.Errorf("%w (the report needs the program the bot ran)", err)
	}
	f, err := bot.ReadFigures(ctx, prog, store, time.Now())
	if err != nil {
		return err
	}

	if format == "csv" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		for _, t := range report.Tables(f) {
			name := filepath.Join(out, t.Name+".csv")
			if err := writeFile(name, func(w io.Writer) error { return report.WriteCSV(w, t) }); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "figures of %s written to %s/*.csv\n", dbPath, out)
		return nil
	}
	write := func(w io.Writer) error { return report.WriteHTML(w, f, report.Options{}) }
	if format == "json" {
		write = func(w io.Writer) error { return report.WriteJSON(w, f) }
	}
	if out == "" {
		return write(stdout)
	}
	if err := writeFile(out, write); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "figures of %s written to %s\n", dbPath, out)
	return nil
}

// reportProgram is the program the bot ran: the files, and when schedule.yaml
// names a live source, the copy of it the bot kept in the database (the
// source may have changed, or be gone, since).
func reportProgram(ctx context.Context, store *sqlite.DB, schedulePath, postersPath string) (*bot.Program, error) {
	url := bot.SourceOf(schedulePath)
	if url == "" {
		return bot.LoadProgram(schedulePath, postersPath)
	}
	kept, data, err := store.SourceCopy(ctx)
	if err != nil {
		return nil, err
	}
	if kept != url {
		return nil, fmt.Errorf("%s: source %s: the database keeps no copy of it (it has %q)", schedulePath, url, kept)
	}
	prog, _, err := frab.Load(schedulePath, postersPath, url, data)
	return prog, err
}

// writeFile writes name through write, and reports the first error of either.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
