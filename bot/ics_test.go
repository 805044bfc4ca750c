package bot

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"workshopbot/bot/bottest"
)

// dstSchedule is a two-night program across a daylight saving change in New York:
// the March one (clocks jump from 02:00 to 03:00 on 14 March 2021) or the November
// one (01:00-02:00 happens twice on 7 November 2021).
func dstSchedule(t *testing.T, date string, sessions string) *Program {
	t.Helper()
	src := `workshop:
  name: "Night shift: a workshop; across DST"
  short_name: NS
  timezone: America/New_York
  date: ` + date + `
  links:
    livestream: https://example.org/live
sessions:
` + sessions
	s, err := ParseSchedule("dst.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return &Program{Schedule: s}
}

const marchSessions = `  - {id: before, start: "23:00", kind: invited, title: "Before the change, with a comma; and a semicolon", speakers: [Ann]}
  - {id: during, start: "2021-03-14T01:30:00-05:00", kind: spotlight, title: Still EST}
  - {id: after, start: "2021-03-14T03:00:00-04:00", end: "2021-03-14T03:30:00-04:00", kind: panel, title: "Now EDT, with a very long title that has to be folded over several lines by the writer of the iCalendar file"}
`

const novemberSessions = `  - {id: first-130, start: "2021-11-07T01:30:00-04:00", kind: invited, title: First 01:30 (EDT)}
  - {id: second-130, start: "2021-11-07T01:30:00-05:00", end: "2021-11-07T02:00:00-05:00", kind: invited, title: Second 01:30 (EST)}
`

func parseICS(t *testing.T, data []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse the .ics: %v\n%s", err, data)
	}
	return cal
}

func TestWriteICSAcrossDST(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name       string
		prog       *Program
		uid, start string
		end        string
		summary    string
	}{
		{"march, before", dstSchedule(t, "2021-03-13", marchSessions), "before@ns.workshopbot", "2021-03-14T04:00:00Z", "2021-03-14T06:30:00Z", "Before the change, with a comma; and a semicolon"},
		{"march, during", dstSchedule(t, "2021-03-13", marchSessions), "during@ns.workshopbot", "2021-03-14T06:30:00Z", "2021-03-14T07:00:00Z", "Still EST"},
		{"march, after", dstSchedule(t, "2021-03-13", marchSessions), "after@ns.workshopbot", "2021-03-14T07:00:00Z", "2021-03-14T07:30:00Z", "Now EDT, with a very long title that has to be folded over several lines by the writer of the iCalendar file"},
		{"november, first 01:30", dstSchedule(t, "2021-11-06", novemberSessions), "first-130@ns.workshopbot", "2021-11-07T05:30:00Z", "2021-11-07T06:30:00Z", "First 01:30 (EDT)"},
		{"november, second 01:30", dstSchedule(t, "2021-11-06", novemberSessions), "second-130@ns.workshopbot", "2021-11-07T06:30:00Z", "2021-11-07T07:00:00Z", "Second 01:30 (EST)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteICS(&buf, tt.prog, utc("2021-03-01T00:00:00Z")); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
				if len(line) > 75 {
					t.Errorf("line %d is %d octets, RFC 5545 folds at 75: %q", i+1, len(line), line)
				}
				if strings.Contains(line, "\n") {
					t.Errorf("line %d ends in a bare LF", i+1)
				}
			}
			cal := parseICS(t, data)
			events := cal.Events()
			if len(events) != len(tt.prog.Schedule.Sessions) {
				t.Fatalf("%d events, want one per session (%d)", len(events), len(tt.prog.Schedule.Sessions))
			}
			var e *ics.VEvent
			for _, ev := range events {
				if ev.Id() == tt.uid {
					e = ev
				}
			}
			if e == nil {
				t.Fatalf("no event with UID %s", tt.uid)
			}
			start, err := e.GetStartAt()
			if err != nil || !start.Equal(utc(tt.start)) {
				t.Errorf("DTSTART = %v (%v), want %s", start, err, tt.start)
			}
			end, err := e.GetEndAt()
			if err != nil || !end.Equal(utc(tt.end)) {
				t.Errorf("DTEND = %v (%v), want %s", end, err, tt.end)
			}
			if got := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value); got != tt.summary {
				t.Errorf("SUMMARY = %q, want %q", got, tt.summary)
			}
			if got := e.GetProperty(ics.ComponentPropertyLocation); got == nil || got.Value != "https://example.org/live" {
				t.Errorf("LOCATION = %+v, want the livestream", got)
			}
		})
	}
}

// TestICSUIDsSurviveAChange: re-exporting after sessions moved and were renamed
// keeps every UID, so a calendar updates its events instead of duplicating them.
func TestICSUIDsSurviveAChange(t *testing.T) {
	uids := func(p *Program) []string {
		var buf bytes.Buffer
		if err := WriteICS(&buf, p, at(0, 0)); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range parseICS(t, buf.Bytes()).Events() {
			out = append(out, e.Id())
		}
		return out
	}
	before := uids(program(nil))
	after := uids(program(func(s *Schedule) {
		s.Sessions[0].Start, s.Sessions[0].End = at(9, 0), at(9, 30)
		s.Sessions[0].Title = "Talk A, renamed"
	}))
	if strings.Join(before, " ") != "a@t.workshopbot b@t.workshopbot c@t.workshopbot" {
		t.Errorf("UIDs = %v", before)
	}
	if len(after) != len(before) {
		t.Fatalf("UIDs after the change = %v, want %v", after, before)
	}
	for _, u := range before {
		if !strings.Contains(strings.Join(after, " "), u) {
			t.Errorf("UID %s lost after the change: %v", u, after)
		}
	}
}

func TestScheduleAttachesCalendar(t *testing.T) {
	b := newTestBot(t, bottest.NewClock(at(6, 0)), newMemStore(), &recorder{})
	r := b.Handle(t.Context(), Command{Name: "schedule", User: User{ID: "u", Name: "alice"}})
	if len(r.Files) != 1 || r.Files[0].Name != "t.ics" || r.Files[0].ContentType != "text/calendar" {
		t.Fatalf("files = %+v, want t.ics", r.Files)
	}
	if len(parseICS(t, r.Files[0].Data).Events()) != 3 {
		t.Error("the attached calendar does not hold the 3 sessions")
	}
	if !strings.Contains(r.Content, "Talk A") {
		t.Errorf("content = %q, want the day as text too", r.Content)
	}
}

// TestScheduleShowsEachDay (issue 12 item 11): /schedule writes each session
// with its day (<t:…:f>), so that a reader in Tokyo, for whom the workshop's
// day is two, sees the 23:00 panel on the next day, not as a bare 13:00 after
// the evening's talks.
func TestScheduleShowsEachDay(t *testing.T) {
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule("schedule.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	text := ScheduleText(s, s.Workshop.Date)
	panel, _ := s.Session("panel")
	if want := fmt.Sprintf("<t:%d:f>", panel.Start.Unix()); !strings.Contains(text, want) {
		t.Errorf("no %s for the panel in:\n%s", want, text)
	}
	if n := strings.Count(text, ":f>"); n != len(s.Sessions) {
		t.Errorf("%d sessions show their day, want all %d", n, len(s.Sessions))
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip(err) // no tzdata
	}
	shown := RenderTimestamps(text, tokyo, s.Workshop.Date)
	if !strings.Contains(shown, "Tue 14 Dec 2021 20:45 +09:00 📣 Introduction") || !strings.Contains(shown, "Wed 15 Dec 2021 13:00 +09:00 🎙️ Panel discussion") {
		t.Errorf("as Tokyo reads it:\n%s", shown)
	}
}
