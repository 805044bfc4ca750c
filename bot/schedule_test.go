package bot

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// wantErr is one expected FileError: where it is, and words its message must hold.
type wantErr struct {
	line  int
	field string
	msg   string
}

// checkErrors asserts that err is an Errors holding exactly want, in order.
func checkErrors(t *testing.T, file string, err error, want []wantErr) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got error %v (%T), want Errors", err, err)
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		g := errs[i]
		if g.File != file || g.Line != w.line || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("error %d:\n got %s\nwant %s:%d: %s: ...%s...", i, g, file, w.line, w.field, w.msg)
		}
	}
}

func mustLoadBundled(t *testing.T) *Schedule {
	t.Helper()
	s, err := LoadSchedule(filepath.Join("..", "schedule.yaml"))
	if err != nil {
		t.Fatalf("bundled schedule: %v", err)
	}
	return s
}

func TestBundledSchedule(t *testing.T) {
	s := mustLoadBundled(t)
	ny, _ := time.LoadLocation("America/New_York")
	at := func(day, h, m int) time.Time { return time.Date(2021, 12, day, h, m, 0, 0, ny) }

	if got, want := len(s.Sessions), 20; got != want {
		t.Fatalf("got %d sessions, want %d", got, want)
	}
	if s.Workshop.ShortName != "DLDE" || s.Workshop.Location.String() != "America/New_York" || !s.Workshop.Date.Equal(at(14, 0, 0)) {
		t.Errorf("workshop: got %+v", s.Workshop)
	}
	if got, want := s.Reminders.Leads, []time.Duration{15 * time.Minute, 0}; !slices.Equal(got, want) {
		t.Errorf("leads: got %v, want %v", got, want)
	}

	tests := []struct {
		id         string
		start, end time.Time
		kind       Kind
		speakers   []string
	}{
		{"opening", at(14, 6, 45), at(14, 7, 0), KindOpening, nil},
		{"invited-1", at(14, 7, 0), at(14, 7, 45), KindInvited, []string{"Weinan E"}},
		{"coffee-break-1", at(14, 9, 0), at(14, 9, 15), KindBreak, nil},
		{"invited-3", at(14, 10, 30), at(14, 11, 15), KindInvited, []string{"Philipp Grohs"}},
		{"lunch-break", at(14, 12, 15), at(14, 13, 45), KindBreak, nil},
		{"spotlight-8", at(14, 16, 15), at(14, 16, 30), KindSpotlight, nil},
		{"panel", at(14, 23, 0), at(15, 0, 0), KindPanel, nil},
		{"closing", at(15, 0, 0), at(15, 0, 30), KindClosing, nil},
	}
	for _, tt := range tests {
		sess, ok := s.Session(tt.id)
		if !ok {
			t.Errorf("no session %q", tt.id)
			continue
		}
		if !sess.Start.Equal(tt.start) || !sess.End.Equal(tt.end) || sess.Kind != tt.kind || !slices.Equal(sess.Speakers, tt.speakers) {
			t.Errorf("%s: got %s-%s %s %v, want %s-%s %s %v", tt.id, sess.Start, sess.End, sess.Kind, sess.Speakers, tt.start, tt.end, tt.kind, tt.speakers)
		}
	}
	if got := s.Sessions[19].Start.Format(time.RFC3339); got != "2021-12-15T00:00:00-05:00" {
		t.Errorf("24:00: got %s, want 2021-12-15T00:00:00-05:00", got)
	}

	counts := map[Kind]int{}
	for i, sess := range s.Sessions {
		counts[sess.Kind]++
		if i > 0 && sess.Start.Before(s.Sessions[i-1].Start) {
			t.Errorf("sessions not sorted at %d", i)
		}
		if !sess.End.After(sess.Start) {
			t.Errorf("%s ends at %s, not after its start %s", sess.ID, sess.End, sess.Start)
		}
	}
	want := map[Kind]int{KindOpening: 1, KindInvited: 4, KindSpotlight: 8, KindBreak: 3, KindPosters: 2, KindPanel: 1, KindClosing: 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s sessions: got %d, want %d", k, counts[k], n)
		}
	}
}

func TestScheduleLink(t *testing.T) {
	s := mustLoadBundled(t)
	s.Sessions[0].Links = []Link{{Name: "zoom", URL: "https://example.org/own-zoom"}}
	tests := []struct {
		session, name, want string
		ok                  bool
	}{
		{"opening", "zoom", "https://example.org/own-zoom", true},
		{"opening", "livestream", "https://neurips.cc/virtual/2021/workshop/21880", true},
		{"poster-session-1", "gathertown", "https://eventhosts.gather.town/wR7m2n0AMEhpzwM2/neurips2021reserveSpace8", true},
		{"invited-1", "zoom", "https://neurips.cc/virtual/2021/workshop/21880", true},
		{"invited-1", "slides", "", false},
	}
	for _, tt := range tests {
		sess, ok := s.Session(tt.session)
		if !ok {
			t.Fatalf("no session %q", tt.session)
		}
		got, ok := s.Link(sess, tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Link(%s, %s): got %q, %v; want %q, %v", tt.session, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := s.Session("no-such-session"); ok {
		t.Errorf("Session(no-such-session) found something")
	}
}

const minimalSchedule = `workshop:
  name: Test Workshop
  timezone: Europe/Berlin
  date: 2022-03-27
sessions:
`

func TestParseScheduleDefaults(t *testing.T) {
	s, err := ParseSchedule("s.yaml", []byte(minimalSchedule+"  - {start: \"09:00\", kind: other, title: Caf\u00e9 \u00e0 la Cr\u00e8me}\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantDiscord := DiscordConfig{Announcements: "announcements", PanelQuestions: "panel-questions", ModChannel: "workshop-moderators", Moderators: "Moderators", PosterCategory: "Posters", Events: DefaultEventKinds}
	if s.Discord != wantDiscord {
		t.Errorf("discord: got %+v, want %+v", s.Discord, wantDiscord)
	}
	if s.Reminders.Reload != "@every 30s" || s.Reminders.CatchUp != 5*time.Minute || !slices.Equal(s.Reminders.Leads, []time.Duration{15 * time.Minute, 0}) {
		t.Errorf("reminders: got %+v", s.Reminders)
	}
	if s.Questions != (QuestionsConfig{PerTenMinutes: 5}) {
		t.Errorf("questions: got %+v", s.Questions)
	}
	if s.Workshop.ShortName != "Test Workshop" {
		t.Errorf("short name: got %q, want the name", s.Workshop.ShortName)
	}
	sess := s.Sessions[0]
	if sess.ID != "cafe-a-la-creme" || sess.End.Sub(sess.Start) != 30*time.Minute || sess.Line != 6 {
		t.Errorf("session: got id %q, length %s, line %d", sess.ID, sess.End.Sub(sess.Start), sess.Line)
	}
}

func TestParseScheduleTimes(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		start string
		want  time.Time
	}{
		{`"09:00"`, time.Date(2022, 3, 27, 9, 0, 0, 0, berlin)},
		{`"9:05"`, time.Date(2022, 3, 27, 9, 5, 0, 0, berlin)},
		{`"00:00"`, time.Date(2022, 3, 27, 0, 0, 0, 0, berlin)},
		{`"24:00"`, time.Date(2022, 3, 28, 0, 0, 0, 0, berlin)},
		// 27 March 2022 is the day Berlin moves to summer time: 01:00 is still +01:00, 03:00 is +02:00.
		{`"03:00"`, time.Date(2022, 3, 27, 1, 0, 0, 0, time.UTC)},
		{`2022-03-27T06:45:00-05:00`, time.Date(2022, 3, 27, 11, 45, 0, 0, time.UTC)},
		{`"2022-03-26T23:00:00Z"`, time.Date(2022, 3, 27, 0, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		s, err := ParseSchedule("s.yaml", []byte(minimalSchedule+"  - start: "+tt.start+"\n    kind: other\n    title: T\n"))
		if err != nil {
			t.Errorf("start %s: %v", tt.start, err)
			continue
		}
		got := s.Sessions[0].Start
		if !got.Equal(tt.want) || got.Location().String() != "Europe/Berlin" {
			t.Errorf("start %s: got %s, want %s in Europe/Berlin", tt.start, got, tt.want.In(berlin))
		}
	}
}

func TestParseScheduleEnds(t *testing.T) {
	// Sessions out of order in the file; two share a start. Each default end is
	// the next later start, so a parallel session does not end the other at once.
	src := minimalSchedule + `  - {id: c, start: "11:00", kind: other, title: C}
  - {id: a, start: "09:00", kind: other, title: A}
  - {id: b1, start: "10:00", kind: other, title: B1}
  - {id: b2, start: "10:00", end: "10:15", kind: other, title: B2}
`
	s, err := ParseSchedule("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sess := range s.Sessions {
		got = append(got, sess.ID+" "+sess.Start.Format("15:04")+"-"+sess.End.Format("15:04"))
	}
	want := []string{"a 09:00-10:00", "b1 10:00-11:00", "b2 10:00-10:15", "c 11:00-11:30"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestScheduleBroken(t *testing.T) {
	tests := []struct {
		file string
		want []wantErr
	}{
		{"bad-time.yaml", []wantErr{{6, "sessions[0].start", `"25:00" is not a time; want "HH:MM" (00:00-24:00)`}}},
		{"unknown-key.yaml", []wantErr{
			{6, "sessions[0].title", "missing"},
			{8, "sessions[0]", `unknown key "titel" (did you mean "title"?); valid keys: id, start, end, kind, title`},
		}},
		{"duplicate-id.yaml", []wantErr{{10, "sessions[1].id", `id "talk" is already used by sessions[0] (line 6)`}}},
		{"missing-title.yaml", []wantErr{{9, "sessions[1].title", "missing; add it"}}},
		{"bad-url.yaml", []wantErr{
			{6, "workshop.links.zoom", `"zoom.us/j/123" is not a web address`},
			{11, "sessions[0].recording", `"ftp://example.org/rec.mp4" is not a web address`},
		}},
		{"bad-timezone.yaml", []wantErr{{3, "workshop.timezone", `"US/Eastrn" is not an IANA time zone (like America/New_York)`}}},
		{"bad-lead.yaml", []wantErr{
			{6, "reminders.leads[1]", `"-5m" is not a duration`},
			{6, "reminders.leads[2]", `"10 minutes" is not a duration`},
			{6, "reminders.leads[3]", "15m is listed twice"},
		}},
		{"bad-kind.yaml", []wantErr{{7, "sessions[0].kind", `"talk" is not a kind; want one of opening, invited, spotlight, break, posters, panel, closing, other`}}},
		{"invalid-utf8.yaml", []wantErr{{8, "", "invalid UTF-8 (byte 0xe9)"}}},
		{"colliding-slugs.yaml", []wantErr{{12, "sessions[2].id", `the id made from the title, "coffee-break", is already used by sessions[0] (line 6); add an id`}}},
		{"duplicate-key.yaml", []wantErr{{9, "sessions[0].title", "key given twice; it is first given at line 8"}}},
		{"end-before-start.yaml", []wantErr{{7, "sessions[0].end", "08:30 is not after the start 09:00"}}},
		{"bad-cron.yaml", []wantErr{
			{6, "reminders.reload", `"every 30s" is not a cron spec`},
			{7, "reminders.catch_up", `"soon" is not a duration`},
		}},
		{"syntax.yaml", []wantErr{{8, "", "not valid YAML"}}},
		{"empty.yaml", []wantErr{{1, "", "file is empty"}}},
		{"duplicate-poster-session.yaml", []wantErr{{10, "sessions[1].poster_session", "poster session 1 is already sessions[0] (line 6)"}}},
		{"bad-date.yaml", []wantErr{
			{4, "workshop.date", `"14/12/2021" is not a date; want YYYY-MM-DD`},
			{5, "sessions", "is empty; add at least one session"},
		}},
		{"many-errors.yaml", []wantErr{
			{2, "workshop.date", "missing"},
			{5, "discord.announcements", `is empty; remove the line to use the default "announcements"`},
			{6, "discord", `unknown key "moderator_role" (did you mean "moderators_role"?)`},
			{8, "questions.moderated", `"maybe" is not true or false`},
			{9, "questions.per_ten_minutes", `"500" is not a whole number from 1 to 100`},
			{11, "sessions[0].start", `"9.00" is not a time`},
			{14, "sessions[0].poster_session", "only a session of kind posters has a poster_session"},
			{15, "sessions[1].poster_session", "missing; a posters session needs its number"},
			{18, "sessions[1].speakers", "want a list"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", tt.file)
			s, err := LoadSchedule(path)
			if s != nil {
				t.Errorf("got a schedule, want none")
			}
			checkErrors(t, path, err, tt.want)
		})
	}
}

func TestScheduleTooBig(t *testing.T) {
	data := []byte(minimalSchedule + "# " + strings.Repeat("x", MaxScheduleSize) + "\n")
	_, err := ParseSchedule("big.yaml", data)
	checkErrors(t, "big.yaml", err, []wantErr{{0, "", "more than the 1 MiB limit"}})

	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSchedule(path)
	checkErrors(t, path, err, []wantErr{{0, "", "more than the 1 MiB limit"}})
}

func TestLoadScheduleMissingFile(t *testing.T) {
	_, err := LoadSchedule("testdata/no-such-file.yaml")
	checkErrors(t, "testdata/no-such-file.yaml", err, []wantErr{{0, "", "cannot open: no such file or directory"}})
}

func TestFileErrorFormat(t *testing.T) {
	tests := []struct {
		err  FileError
		want string
	}{
		{FileError{"schedule.yaml", 42, "sessions[3].start", `"25:00" is not a time`}, `schedule.yaml:42: sessions[3].start: "25:00" is not a time`},
		{FileError{"posters.csv", 3, "", "row has 2 fields"}, "posters.csv:3: row has 2 fields"},
		{FileError{"big.yaml", 0, "", "too big"}, "big.yaml: too big"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	errs := Errors{tests[0].err, tests[1].err}
	if got, want := errs.Error(), tests[0].want+"\n"+tests[1].want; got != want {
		t.Errorf("Errors: got %q, want %q", got, want)
	}
	var fe FileError
	if !errors.As(error(errs), &fe) || fe.Line != 42 {
		t.Errorf("errors.As(Errors, *FileError): got %+v", fe)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Coffee Break", "coffee-break"},
		{"Introduction and opening remarks", "introduction-and-opening-remarks"},
		{"GRAND: Graph Neural Diffusion", "grand-graph-neural-diffusion"},
		{"Statistical Numerical PDE : Fast Rate, Neural Scaling Law and When it's Optimal", "statistical-numerical-pde-fast-rate-neural-scaling-law-and-when-its-optimal"},
		{"  --Poster Session 1--  ", "poster-session-1"},
		{"Schrödinger Straße, Łódź, Ærø", "schrodinger-strasse-lodz-aero"},
		{"Cafe\u0301", "cafe"}, // decomposed accent
		{"深度学习 Deep", "deep"},
		{"深度学习", ""},
		{"a_b.c/d", "a-b-c-d"},
		{strings.Repeat("ab ", 60), strings.Repeat("ab-", 33) + "a"},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fuzzSeeds adds every file of testdata (and the bundled file) with suffix as a seed.
func fuzzSeeds(f *testing.F, bundled, suffix string) {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "broken", "*"+suffix))
	paths = append(paths, bundled)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkRejection asserts that err is a non-empty Errors whose errors all have a
// line, unless the data is over limit (a whole-file error).
func checkRejection(t *testing.T, err error, size, limit int) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("got %v (%T), want a non-empty Errors", err, err)
	}
	for _, e := range errs {
		if e.Line < 1 && size <= limit {
			t.Errorf("error without a line: %v", e)
		}
		if e.Msg == "" {
			t.Errorf("error without a message: %#v", e)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	fuzzSeeds(f, filepath.Join("..", "schedule.yaml"), ".yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchedule("f.yaml", data)
		if err != nil {
			checkRejection(t, err, len(data), MaxScheduleSize)
			return
		}
		if len(s.Sessions) == 0 {
			t.Fatal("accepted a schedule without sessions")
		}
		for i, sess := range s.Sessions {
			if !sess.End.After(sess.Start) {
				t.Errorf("session %s ends at %s, not after %s", sess.ID, sess.End, sess.Start)
			}
			if i > 0 && sess.Start.Before(s.Sessions[i-1].Start) {
				t.Errorf("sessions not sorted at %d", i)
			}
			if sess.ID == "" || Slug(sess.ID) != sess.ID {
				t.Errorf("session id %q is not a slug", sess.ID)
			}
		}
	})
}
