package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/frab"
	"workshopbot/bot/openreview"
)

// runImport is `workshopbot import openreview|frab ...`: bring the papers and the
// program in from where they already are.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "usage: workshopbot import openreview --venue ID [--from notes.json] [--merge posters.csv]\n"+
			"       workshopbot import frab FILE|URL > schedule.yaml\n")
		return 2
	}
	switch args[0] {
	case "openreview":
		return runImportOpenReview(ctx, args[1:], stdout, stderr)
	case "frab":
		return runImportFrab(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "workshopbot import: unknown source %q (want openreview or frab)\n", args[0])
	return 2
}

// parseInterleaved parses flags that may come before or after the positional
// arguments (`import frab FILE --kinds k.yaml`).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runImportOpenReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("workshopbot import openreview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	venue := fs.String("venue", "", "the venue id, e.g. NeurIPS.cc/2021/Workshop/DLDE")
	from := fs.String("from", "", "read a saved API response (the JSON /notes returns) instead of asking the API")
	api := fs.String("api", openreview.APIAuto, "the API version: v1 (venues up to about 2023), v2, or auto (v2, else v1; for --from, by the response's shape)")
	merge := fs.String("merge", "", "update this posters.csv in place (a backup is left as FILE.bak) instead of writing to stdout")
	session := fs.Int("session", 0, "put new papers in this poster session (default: spread evenly over the schedule's poster sessions)")
	schedule := fs.String("schedule", "schedule.yaml", "the program whose poster sessions new papers go to")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on an API request after this long")
	baseV1 := fs.String("api-v1", openreview.BaseV1, "the API v1 server")
	baseV2 := fs.String("api-v2", openreview.BaseV2, "the API v2 server")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "workshopbot import openreview: "+format+"\n", a...)
		return 1
	}
	switch {
	case len(rest) > 0:
		fmt.Fprintf(stderr, "workshopbot import openreview: unexpected arguments %q\n", rest)
		return 2
	case *venue == "":
		fmt.Fprintf(stderr, "workshopbot import openreview: --venue is required (e.g. --venue NeurIPS.cc/2021/Workshop/DLDE)\n")
		return 2
	case *api != openreview.APIAuto && *api != openreview.APIV1 && *api != openreview.APIV2:
		fmt.Fprintf(stderr, "workshopbot import openreview: --api %q: want v1, v2 or auto\n", *api)
		return 2
	}
	c := &openreview.Client{HTTP: &http.Client{Timeout: *timeout}, BaseV1: *baseV1, BaseV2: *baseV2}
	papers, err := readPapers(ctx, c, *venue, *api, *from)
	if err != nil {
		return fail("%v", err)
	}
	accepted := openreview.Accepted(papers, *venue)
	if len(accepted) == 0 {
		return fail("no accepted paper of %s among the %d notes; check --venue (and --api)", *venue, len(papers))
	}
	incoming := make([]bot.Poster, len(accepted))
	for i, p := range accepted {
		incoming[i] = p.Poster()
	}
	sched, schedErr := readSchedule(ctx, *schedule)
	if schedErr != nil && *session == 0 {
		return fail("%v\n(new papers go to the schedule's poster sessions; fix it, or pass --session N)", schedErr)
	}
	if *merge == "" {
		if err := writePosters(stdout, sched, incoming, *session); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stderr, "%d accepted papers of %s (of %d notes)\n", len(incoming), *venue, len(papers))
		return 0
	}
	if err := mergePosterFile(stdout, *merge, sched, incoming, *session); err != nil {
		return fail("%v", err)
	}
	return 0
}

// readPapers reads the venue's notes: from a saved API response (from, if
// set), else from the API through c.
func readPapers(ctx context.Context, c *openreview.Client, venue, api, from string) ([]openreview.Paper, error) {
	if from == "" {
		papers, _, err := c.Fetch(ctx, venue, api)
		return papers, err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	papers, _, err := openreview.Parse(data, api)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return papers, nil
}

// writePosters writes the new papers as a posters.csv to w, spread over the
// schedule's poster sessions (or all in session, if set).
func writePosters(w io.Writer, sched *bot.Schedule, incoming []bot.Poster, session int) error {
	assign, err := bot.SpreadPosters(sched, nil, session)
	if err != nil {
		return err
	}
	for i := range incoming {
		incoming[i].Session = assign(incoming[i])
	}
	data, err := bot.WritePosters(incoming)
	if err == nil {
		_, err = w.Write(data)
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// mergePosterFile merges the new papers into the posters.csv at path, in
// place, leaving the old file beside it as path.bak, and tells stdout what
// changed.
func mergePosterFile(stdout io.Writer, path string, sched *bot.Schedule, incoming []bot.Poster, session int) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--merge: %w", err)
	}
	existing, err := bot.ParsePosters(path, old, nil)
	if err != nil {
		return fmt.Errorf("--merge: %w", err)
	}
	assign, err := bot.SpreadPosters(sched, existing, session)
	if err != nil {
		return err
	}
	merged, summary, err := bot.MergePosters(path, old, incoming, assign)
	if err != nil {
		return err
	}
	backup := path + ".bak"
	if err := writeFileAtomic(backup, old); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := writeFileAtomic(path, merged); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s", path, summary)
	fmt.Fprintf(stdout, "the old file is in %s\n", backup)
	return nil
}

// writeFileAtomic replaces path with data, so that a crash leaves the old file
// or the new one, never half of it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		_ = os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func runImportFrab(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("workshopbot import frab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tz := fs.String("timezone", "", "the conference's IANA time zone, when the file names none (or a wrong one)")
	kindsPath := fs.String("kinds", "", "a YAML file mapping event types or tracks to session kinds (like \"Keynote: invited\"), ahead of the guesses")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on fetching a URL after this long")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "usage: workshopbot import frab FILE|URL [--timezone ZONE] [--kinds FILE] > schedule.yaml\n")
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "workshopbot import frab: "+format+"\n", a...)
		return 1
	}
	src := rest[0]
	var opts frab.Options
	opts.TimeZone = *tz
	if *kindsPath != "" {
		data, err := os.ReadFile(*kindsPath)
		if err != nil {
			return fail("--kinds: %v", err)
		}
		if opts.Kinds, err = frab.ParseKinds(*kindsPath, data); err != nil {
			return fail("--kinds: %v", err)
		}
	}
	var data []byte
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		data, err = frab.Fetch(ctx, &http.Client{Timeout: *timeout}, src)
	} else {
		data, err = os.ReadFile(src)
	}
	if err != nil {
		return fail("%v", err)
	}
	conf, err := frab.Parse(data)
	if err != nil {
		return fail("%s: %v", src, err)
	}
	prog, err := frab.Import(conf, opts)
	if err != nil {
		return fail("%s: %v", src, err)
	}
	out := prog.WriteYAML(src)
	// What check would say, now rather than at the first start.
	if _, err := bot.ParseSchedule("schedule.yaml", out); err != nil {
		return fail("%s: the program it makes is not valid (please report this): %v", src, err)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail("write: %v", err)
	}
	for _, w := range prog.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(stderr, "%d sessions", len(prog.Sessions))
	if len(prog.Rooms) > 0 {
		fmt.Fprintf(stderr, " in %d rooms", len(prog.Rooms))
	}
	fmt.Fprintf(stderr, " from %s\n", src)
	return 0
}
