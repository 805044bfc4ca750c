package bot

import (
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// EventUID is the iCalendar UID of a session: stable across exports as long as
// the session keeps its id, so that re-importing the file updates a calendar
// rather than duplicating it.
func EventUID(s *Schedule, sess Session) string {
	short := Slug(s.Workshop.ShortName)
	if short == "" {
		short = "workshop"
	}
	return sess.ID + "@" + short + ".workshopbot"
}

// WriteICS writes the program as an iCalendar file (RFC 5545): one event per
// session, times as UTC instants (every calendar shows them in its reader's zone,
// and no VTIMEZONE can be wrong), with the title, speakers and links. now is the
// export's DTSTAMP. The library folds long lines and escapes text.
func WriteICS(w io.Writer, p *Program, now time.Time) error {
	s := p.Schedule
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//workshopbot//" + s.Workshop.ShortName + "//EN")
	cal.SetName(s.Workshop.Name)
	cal.SetXWRCalName(s.Workshop.Name)
	if s.Workshop.Location != nil {
		cal.SetXWRTimezone(s.Workshop.Location.String())
	}
	for _, sess := range s.Sessions {
		e := cal.AddEvent(EventUID(s, sess))
		e.SetDtStampTime(now)
		e.SetStartAt(sess.Start)
		e.SetEndAt(sess.End)
		e.SetSummary(sess.Title)
		var desc []string
		what := kindLabel(sess)
		if len(sess.Speakers) > 0 {
			what += " — " + strings.Join(sess.Speakers, ", ")
		}
		desc = append(desc, what, s.Workshop.Name)
		for _, l := range eventLinks(s, sess) {
			desc = append(desc, linkName(l.Name)+": "+l.URL)
		}
		e.SetDescription(strings.Join(desc, "\n"))
		if loc := eventLocation(s, sess); strings.HasPrefix(loc, "http") {
			e.SetLocation(loc)
			e.SetURL(loc)
		}
		e.AddProperty(ics.ComponentPropertyCategories, string(sess.Kind))
	}
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}

// ICSName is the calendar file's name: the workshop's short name.
func ICSName(s *Schedule) string {
	name := Slug(s.Workshop.ShortName)
	if name == "" {
		name = "workshop"
	}
	return name + ".ics"
}

// scheduleReply answers /schedule: the day as text, and the calendar file to import.
func scheduleReply(b *Bot, prog *Program, now time.Time) Reply {
	r := ephemeral(ScheduleText(prog.Schedule, now))
	var buf strings.Builder
	if err := WriteICS(&buf, prog, now); err != nil {
		b.log.Error("/schedule: calendar file", "err", err)
		return r
	}
	r.Files = []File{{Name: ICSName(prog.Schedule), ContentType: "text/calendar", Data: []byte(buf.String())}}
	return r
}
