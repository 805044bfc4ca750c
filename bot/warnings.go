package bot

import (
	"fmt"
	"slices"
	"time"
)

// MaxSessionLength is the length past which a session is surely a typo (an end
// written "17:00" for "07:00", an AM for a PM): check warns, it does not refuse.
const MaxSessionLength = 6 * time.Hour

// Warnings are what in a valid schedule is probably a mistake, though the bot
// can run it: sessions of one room that overlap, sessions written out of time
// order, a session off the workshop date (a start at "24:00" is on it), and a
// session longer than MaxSessionLength. Each names the session's line.
// `workshopbot check` prints them; /workshop delay replies with those its move
// creates.
func Warnings(s *Schedule) []FileError {
	var out []FileError
	warn := func(sess Session, format string, args ...any) {
		out = append(out, FileError{File: s.Path, Line: sess.Line, Field: "session " + sess.ID, Msg: fmt.Sprintf(format, args...)})
	}
	loc, day := s.Workshop.Location, s.Workshop.Date
	clock := func(t time.Time) string { return checkTime(t.In(loc), day) }

	// s.Sessions is in time order; the file's order is by line.
	inFile := slices.Clone(s.Sessions)
	slices.SortStableFunc(inFile, func(a, b Session) int { return a.Line - b.Line })
	for i := 1; i < len(inFile); i++ {
		if prev, sess := inFile[i-1], inFile[i]; sess.Start.Before(prev.Start) {
			warn(sess, "starts at %s, before %s above it (%s): out of time order; is its time right?", clock(sess.Start), prev.ID, clock(prev.Start))
		}
	}
	midnight := day.AddDate(0, 0, 1)
	for i, sess := range s.Sessions {
		if y, m, d := sess.Start.In(loc).Date(); !sess.Start.Equal(midnight) && (y != day.Year() || m != day.Month() || d != day.Day()) {
			warn(sess, "starts at %s, off the workshop date %s", clock(sess.Start), day.Format(time.DateOnly))
		}
		if d := sess.End.Sub(sess.Start); d > MaxSessionLength {
			warn(sess, "lasts %s (%s to %s), longer than %s; is its end right?", formatDuration(d), clock(sess.Start), clock(sess.End), formatDuration(MaxSessionLength))
		}
		for _, later := range s.Sessions[i+1:] {
			if !later.Start.Before(sess.End) {
				break
			}
			if later.Room == sess.Room {
				warn(later, "starts at %s, before %s ends (%s): they overlap", clock(later.Start), sess.ID, clock(sess.End))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b FileError) int { return a.Line - b.Line })
	return out
}
