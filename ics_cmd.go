package main

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"workshopbot/bot"
)

// runICS writes the program as an iCalendar file: `go run . ics > workshop.ics`.
// Each session keeps its UID from one export to the next, so importing the file
// again updates a calendar instead of duplicating its events.
func runICS(o *options, stdout, stderr io.Writer) int {
	prog := loadProgram(o, stderr)
	if prog == nil {
		fmt.Fprintln(stderr, "workshopbot ics: the files are not valid; run `workshopbot check`")
		return 1
	}
	w := bufio.NewWriter(stdout)
	if err := bot.WriteICS(w, prog, time.Now()); err != nil {
		fmt.Fprintf(stderr, "workshopbot ics: %v\n", err)
		return 1
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "workshopbot ics: write: %v\n", err)
		return 1
	}
	return 0
}
