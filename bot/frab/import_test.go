package frab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rows shows sessions one a line: what an import must get right.
func rows(ss []bot.Session) []string {
	var out []string
	for _, s := range ss {
		var links []string
		for _, l := range s.Links {
			links = append(links, l.Name+"="+l.URL)
		}
		end := ""
		if !s.End.IsZero() {
			end = s.End.Format(time.RFC3339)
		}
		poster := ""
		if s.PosterSession > 0 {
			poster = fmt.Sprintf("#%d", s.PosterSession)
		}
		out = append(out, strings.Join([]string{s.ID, s.Start.Format(time.RFC3339), end, string(s.Kind) + poster, s.Room, s.Title,
			strings.Join(s.Speakers, ";"), strings.Join(links, " ")}, "|"))
	}
	return out
}

func importFile(t *testing.T, data []byte, o Options) *Program {
	t.Helper()
	c, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Import(c, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImport(t *testing.T) {
	tests := []struct {
		file                 string
		opts                 Options
		name, short, tz, day string
		rooms                []string
		want                 []string
		warn                 string
	}{
		{file: "pretalx.json", name: "ML Conf 2024", short: "mlconf-2024", tz: "Europe/Berlin", day: "2024-05-02", rooms: []string{"Hall A", "Hall B"}, want: []string{
			"mlconf-2024-101-welcome|2024-05-02T09:00:00+02:00|2024-05-02T09:15:00+02:00|opening|Hall A|Welcome|Ada Lovelace|event=https://pretalx.example.org/mlconf-2024/talk/QX7RPA/",
			"mlconf-2024-102-keynote-learning-to-integrate|2024-05-02T09:15:00+02:00|2024-05-02T10:00:00+02:00|invited|Hall A|Learning to integrate|Alan Turing;Grace Hopper|event=https://pretalx.example.org/mlconf-2024/talk/KN2TLK/ slides=https://example.org/slides.pdf",
			"mlconf-2024-103-poster-session|2024-05-02T09:15:00+02:00|2024-05-02T10:15:00+02:00|posters#1|Hall B|Poster session||event=https://pretalx.example.org/mlconf-2024/talk/PS3TRS/",
			// Past midnight, listed under the first day: keeps its own date.
			"mlconf-2024-104-late-night-lightning-talks|2024-05-03T00:30:00+02:00|2024-05-03T01:00:00+02:00|spotlight|Hall B|Late-night lightning talks|Emmy Noether|event=https://pretalx.example.org/mlconf-2024/talk/LT4NGT/",
			"mlconf-2024-105-closing|2024-05-03T17:00:00+02:00|2024-05-03T17:20:00+02:00|closing|Hall A|Closing||event=https://pretalx.example.org/mlconf-2024/talk/CL5SNG/",
		}},
		// --kinds wins over the guesses, by type or by track.
		{file: "pretalx.json", opts: Options{Kinds: map[string]bot.Kind{"lightning talk": bot.KindOther, "Main": bot.KindInvited}}, name: "ML Conf 2024", short: "mlconf-2024", tz: "Europe/Berlin", day: "2024-05-02", rooms: []string{"Hall A", "Hall B"}, want: []string{
			"mlconf-2024-101-welcome|2024-05-02T09:00:00+02:00|2024-05-02T09:15:00+02:00|invited|Hall A|Welcome|Ada Lovelace|event=https://pretalx.example.org/mlconf-2024/talk/QX7RPA/",
			"mlconf-2024-102-keynote-learning-to-integrate|2024-05-02T09:15:00+02:00|2024-05-02T10:00:00+02:00|invited|Hall A|Learning to integrate|Alan Turing;Grace Hopper|event=https://pretalx.example.org/mlconf-2024/talk/KN2TLK/ slides=https://example.org/slides.pdf",
			"mlconf-2024-103-poster-session|2024-05-02T09:15:00+02:00|2024-05-02T10:15:00+02:00|posters#1|Hall B|Poster session||event=https://pretalx.example.org/mlconf-2024/talk/PS3TRS/",
			"mlconf-2024-104-late-night-lightning-talks|2024-05-03T00:30:00+02:00|2024-05-03T01:00:00+02:00|other|Hall B|Late-night lightning talks|Emmy Noether|event=https://pretalx.example.org/mlconf-2024/talk/LT4NGT/",
			"mlconf-2024-105-closing|2024-05-03T17:00:00+02:00|2024-05-03T17:20:00+02:00|invited|Hall A|Closing||event=https://pretalx.example.org/mlconf-2024/talk/CL5SNG/",
		}},
		// FOSDEM: no zone, no dates; --timezone names it. Durations with seconds.
		{file: "fosdem.xml", opts: Options{TimeZone: "Europe/Brussels"}, name: "FOSDEM 2021", tz: "Europe/Brussels", day: "2021-02-06", rooms: []string{"K.fosdem", "D.radio"}, want: []string{
			"keynotes-welcome|2021-02-06T09:00:00+01:00|2021-02-06T09:25:00+01:00|opening|K.fosdem|Welcome to FOSDEM 2021||video-recording-webm-vp9=https://video.fosdem.org/2021/K.fosdem/keynotes_welcome.webm submit-feedback=https://submission.fosdem.org/feedback/11795.php",
			"sdr-panel|2021-02-07T10:00:00+01:00|2021-02-07T11:00:00+01:00|panel|D.radio|Free radio panel|Marco Marinello;Paolo Dongilli|",
		}},
		{file: "fosdem.xml", name: "FOSDEM 2021", tz: "UTC", day: "2021-02-06", rooms: []string{"K.fosdem", "D.radio"}, warn: "read as UTC", want: []string{
			"keynotes-welcome|2021-02-06T09:00:00Z|2021-02-06T09:25:00Z|opening|K.fosdem|Welcome to FOSDEM 2021||video-recording-webm-vp9=https://video.fosdem.org/2021/K.fosdem/keynotes_welcome.webm submit-feedback=https://submission.fosdem.org/feedback/11795.php",
			"sdr-panel|2021-02-07T10:00:00Z|2021-02-07T11:00:00Z|panel|D.radio|Free radio panel|Marco Marinello;Paolo Dongilli|",
		}},
		// frab XML, one room: no rooms at all; a clock time before the day's
		// start is on the next date; the zone comes from the day's offset; an
		// event without a slug takes its guid as id.
		{file: "frab.xml", name: "Test Congress", short: "tc24", tz: "Etc/GMT-1", day: "2024-12-27", warn: "knows no summer time", want: []string{
			"tc24-6561-en-saal-1-late-talk|2024-12-27T23:30:00+01:00|2024-12-28T00:15:00+01:00|other||A late talk|erdgeist|",
			"hoqenib6g7m4hyfkfrkcmq|2024-12-28T01:00:00+01:00|2024-12-28T01:30:00+01:00|other||After midnight||page=https://example.org/after",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := importFile(t, read(t, tt.file), tt.opts)
			if p.Name != tt.name || p.ShortName != tt.short || p.Location.String() != tt.tz || p.Date.Format(time.DateOnly) != tt.day {
				t.Errorf("header = %q %q %s %s, want %q %q %s %s", p.Name, p.ShortName, p.Location, p.Date.Format(time.DateOnly), tt.name, tt.short, tt.tz, tt.day)
			}
			if !slices.Equal(p.Rooms, tt.rooms) {
				t.Errorf("rooms = %q, want %q", p.Rooms, tt.rooms)
			}
			if got := rows(p.Sessions); !slices.Equal(got, tt.want) {
				t.Errorf("sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if warn := strings.Join(p.Warnings, "\n"); tt.warn == "" && warn != "" || !strings.Contains(warn, tt.warn) {
				t.Errorf("warnings = %q, want %q", warn, tt.warn)
			}
			// The written schedule.yaml is valid and reads back as the same program.
			s, err := bot.ParseSchedule("schedule.yaml", p.WriteYAML(tt.file))
			if err != nil {
				t.Fatalf("%v\n%s", err, p.WriteYAML(tt.file))
			}
			if got := rows(s.Sessions); !slices.Equal(got, tt.want) {
				t.Errorf("schedule.yaml reads back as:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "empty file"},
		{"hello", "neither JSON nor XML"},
		{`{"version": "1"}`, `no "schedule" object`},
		{`<schedule><conference><title>x</title></conference><day date="2024-01-01"><room name="a"><event id="1"><start>9am</start><duration>00:30</duration><title>T</title></event></room></day></schedule>`, `start "9am"`},
	} {
		c, err := Parse([]byte(tt.in))
		if err == nil {
			_, err = Import(c, Options{TimeZone: "UTC"})
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
	if _, err := ParseKinds("kinds.yaml", []byte("Keynote: invitd\n")); err == nil || !strings.Contains(err.Error(), `"invitd" is not a kind`) {
		t.Errorf("bad kinds file: err = %v", err)
	}
}

// TestImportRealExports reads the real exports in ../shared/import-samples
// (see SOURCES.md there; they are not committed): each becomes a valid
// schedule.yaml with every event.
func TestImportRealExports(t *testing.T) {
	dir := "../../../shared/import-samples"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real exports not here (%v); they live in /work/shared/import-samples", err)
	}
	tests := []struct {
		file     string
		sessions int
		rooms    int
		tz       string
		id       string // one session to look at
		start    string
	}{
		{"frab_31c3_schedule.xml", 138, 4, "Etc/GMT-1", "31c3-6561-en-saal-1-201412271100-31c3-opening-event-erdgeist-geraldine-de-bastion", "2014-12-27T11:00:00+01:00"},
		// DebConf 23: <date> in UTC, <start> in IST; the instant is the same.
		{"giggity_debconf23.xml", 117, 5, "Asia/Kolkata", "debconf23-35-opening-ceremony", "2023-09-10T10:30:00+05:30"},
		{"giggity_fosdem_2021.xml", 773, 106, "UTC", "keynotes-welcome", "2021-02-06T09:00:00Z"},
		{"pretalx_democon-2020_schedule.json", 36, 2, "Etc/GMT-2", "democon-2901-open-source-executive-info-mediaries", "2020-04-17T10:00:00+02:00"},
		// An event at 01:50 sits in a day that starts at 04:00: it keeps its date.
		{"pretalx_democon-2022_schedule.json", 35, 2, "Europe/Berlin", "democon-1-persevering-cohesive-concept", "2022-09-06T01:50:00+02:00"},
		{"voc_frab-camp2019.json", 79, 2, "Europe/Berlin", "camp2019-10386-opening-ceremony", "2019-08-21T11:00:00+02:00"},
		{"voc_pretalx-rc3.json", 48, 5, "Etc/GMT-1", "mja8qy", "2020-12-27T11:30:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Skip(err)
			}
			p := importFile(t, data, Options{})
			s, err := bot.ParseSchedule("schedule.yaml", p.WriteYAML(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Sessions) != tt.sessions || len(s.Rooms) != tt.rooms || s.Workshop.Location.String() != tt.tz {
				t.Errorf("%d sessions in %d rooms, zone %s; want %d in %d, %s", len(s.Sessions), len(s.Rooms), s.Workshop.Location, tt.sessions, tt.rooms, tt.tz)
			}
			sess, ok := s.Session(tt.id)
			if !ok || sess.Start.Format(time.RFC3339) != tt.start {
				t.Errorf("session %s: found %v, start %s; want %s", tt.id, ok, sess.Start.Format(time.RFC3339), tt.start)
			}
		})
	}
}
