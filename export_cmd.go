package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"workshopbot/bot/frab"
)

// runExport is `workshopbot export frab > schedule.json`: the program as frab
// JSON (the c3voc schedule schema), for attendees' schedule apps.
func runExport(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "frab" {
		fmt.Fprintf(stderr, "usage: workshopbot export frab [--schedule FILE] [--base-url URL] > schedule.json\n")
		return 2
	}
	fs := flag.NewFlagSet("workshopbot export frab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schedule := fs.String("schedule", "schedule.yaml", "the workshop program")
	base := fs.String("base-url", "", "the program's web page, the base of events without a page of their own (default: the first workshop link)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "workshopbot export frab: unexpected arguments %q\n", fs.Args())
		return 2
	}
	s, err := readSchedule(context.Background(), *schedule)
	if err != nil {
		fmt.Fprintf(stderr, "%v\nworkshopbot export frab: the schedule is not valid; run `workshopbot check`\n", err)
		return 1
	}
	u := *base
	if u == "" && len(s.Workshop.Links) > 0 {
		u = s.Workshop.Links[0].URL
	}
	data, err := frab.Export(s, u)
	if err == nil {
		_, err = stdout.Write(data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "workshopbot export frab: %v\n", err)
		return 1
	}
	return 0
}
