package bot

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// LoadProgram loads the schedule and the posters and checks them together. On
// failure the error is an Errors with the problems of both files, so that an
// organizer sees everything at once. An empty postersPath means no posters.
func LoadProgram(schedulePath, postersPath string) (*Program, error) {
	f, serrs, perrs := readFiles(schedulePath, postersPath)
	return parseFiles(f, serrs, perrs)
}

// LoadProgramWithSource is LoadProgram for a schedule.yaml that names a live
// source: upstream is the source's program as schedule.yaml text (bot/frab
// makes it), named srcName in errors. See source.go.
func LoadProgramWithSource(schedulePath, postersPath, srcName string, upstream []byte) (*Program, Files, error) {
	f, serrs, perrs := readFiles(schedulePath, postersPath)
	f = f.WithSource(srcName, upstream)
	prog, err := parseFiles(f, serrs, perrs)
	return prog, f, err
}

// maxTitle is how much of a title the check table shows.
const maxTitle = 60

// WriteCheck writes the program as organizers review it before the event: one
// row per session with its time in the workshop's zone and in local (nil means
// time.Local), then what the posters need from Discord.
func WriteCheck(w io.Writer, p *Program, local *time.Location) error {
	if local == nil {
		local = time.Local
	}
	s := p.Schedule
	ws := s.Workshop
	var buf bytes.Buffer
	title := ws.Name
	if ws.ShortName != "" && ws.ShortName != ws.Name {
		title = ws.ShortName + ": " + ws.Name
	}
	fmt.Fprintf(&buf, "%s\n%s, times in %s and (local) %s\n\n", title, ws.Date.Format("Monday 2 January 2006"), ws.Location, local)

	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "WORKSHOP\tLOCAL\tLENGTH\tKIND\tID\tTITLE\tSPEAKERS\n")
	for _, sess := range s.Sessions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			checkTime(sess.Start.In(ws.Location), ws.Date),
			checkTime(sess.Start.In(local), ws.Date),
			formatDuration(sess.End.Sub(sess.Start)),
			sess.Kind, sess.ID, Truncate(sess.Title, maxTitle), strings.Join(sess.Speakers, ", "))
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		// tabwriter pads a row's last cell when a later one is empty.
		buf.WriteString(strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			buf.WriteByte('\n')
		}
	}

	fmt.Fprintf(&buf, "\nSessions: %d (%s)\n", len(s.Sessions), kindCounts(s.Sessions))
	fmt.Fprintf(&buf, "Posters: %d\n", len(p.Posters))
	perSession := map[int]int{}
	for _, poster := range p.Posters {
		perSession[poster.Session]++
	}
	for _, sess := range s.Sessions {
		if sess.Kind == KindPosters {
			fmt.Fprintf(&buf, "  poster session %d at %s (%s): %d\n", sess.PosterSession, checkTime(sess.Start.In(ws.Location), ws.Date), sess.ID, perSession[sess.PosterSession])
		}
	}
	if HasGreenRoom(s) {
		people, sessions := map[string]bool{}, 0
		for _, sess := range s.Sessions {
			if l := Listed(sess); len(l) > 0 {
				sessions++
				for _, e := range l {
					people[e] = true
				}
			}
		}
		who := fmt.Sprintf("%d people", len(people))
		if len(people) == 1 {
			who = "1 person"
		}
		fmt.Fprintf(&buf, "Green room: #%s for %s listed in %s (check-in %s before, moderators told %s before)\n",
			s.GreenRoom.Channel, who, plural(sessions, "session"), formatDuration(s.GreenRoom.CheckIn), formatDuration(s.GreenRoom.Escalate))
	}
	channels, categories := PosterChannels(p.Posters)
	fmt.Fprintf(&buf, "Discord: %d poster channels in %d categories + %d for the bot = %d of %d channels\n",
		channels, categories, BotChannels, channels+categories+BotChannels, MaxGuildChannels)
	_, err := w.Write(buf.Bytes())
	return err
}

// checkTime shows t as "15:04 -07:00", marked "+1d" when it falls on another
// calendar day than the workshop date.
func checkTime(t, day time.Time) string {
	s := t.Format("15:04 -07:00")
	ty, tm, td := t.Date()
	dy, dm, dd := day.Date()
	diff := int(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Sub(time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	if diff != 0 {
		s += fmt.Sprintf(" %+dd", diff)
	}
	return s
}

// kindCounts lists how many sessions there are of each kind, in Kinds order.
func kindCounts(sessions []Session) string {
	var parts []string
	for _, k := range Kinds {
		n := 0
		for _, sess := range sessions {
			if sess.Kind == k {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}
