package bot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// TestShiftSessionsGolden shifts sessions of a copy of the bundled schedule.yaml:
// only the start and end values change, comments and layout stay.
func TestShiftSessionsGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		golden    string
		id        string
		shift     time.Duration
		following bool
		moved     string
	}{
		{"poster-session-2+20-following.yaml", "poster-session-2", 20 * time.Minute, true,
			"poster-session-2 invited-4 spotlight-7 spotlight-8 panel closing"},
		{"spotlight-8-5.yaml", "spotlight-8", -5 * time.Minute, false, "spotlight-8"},
		{"panel+60.yaml", "panel", time.Hour, false, "panel"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, moved, err := ShiftSessions("schedule.yaml", data, tt.id, tt.shift, tt.following)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(moved, " "); got != tt.moved {
				t.Errorf("moved %q, want %q", got, tt.moved)
			}
			golden(t, filepath.Join("delay", tt.golden), out)
			// Every line that differs is a start or an end, and nothing else moved.
			a, b := bytes.Split(data, []byte("\n")), bytes.Split(out, []byte("\n"))
			if len(a) != len(b) {
				t.Fatalf("line count %d, want %d", len(b), len(a))
			}
			for i := range a {
				if !bytes.Equal(a[i], b[i]) && !bytes.Contains(a[i], []byte("start:")) && !bytes.Contains(a[i], []byte("end:")) {
					t.Errorf("line %d changed: %q -> %q", i+1, a[i], b[i])
				}
			}
			before, _ := ParseSchedule("schedule.yaml", data)
			after, err := ParseSchedule("schedule.yaml", out)
			if err != nil {
				t.Fatal(err)
			}
			for _, sess := range before.Sessions {
				got, _ := after.Session(sess.ID)
				want := sess.Start
				if strings.Contains(" "+tt.moved+" ", " "+sess.ID+" ") {
					want = want.Add(tt.shift)
				}
				if !got.Start.Equal(want) {
					t.Errorf("%s starts %s, want %s", sess.ID, got.Start, want)
				}
			}
		})
	}
}

func TestShiftSessionsRefuses(t *testing.T) {
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		data  []byte
		id    string
		shift time.Duration
		want  string
	}{
		{"unknown session", data, "nope", time.Minute, `no session "nope"`},
		{"broken file", bytes.Replace(data, []byte(`"07:00"`), []byte(`"25:00"`), 1), "panel", time.Minute, "has errors now"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ShiftSessions("schedule.yaml", tt.data, tt.id, tt.shift, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// TestWorkshopDelayCommand runs /workshop delay as a moderator would: the file is
// rewritten, the program in force follows at once, and the change is announced.
func TestWorkshopDelayCommand(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sched, posters := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(sched, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := FileSource(sched, posters)
	prog, version, err := src()
	if err != nil {
		t.Fatal(err)
	}
	clock := bottest.NewClock(time.Date(2021, 12, 14, 6, 0, 0, 0, et))
	st := &announceStore{memStore: newMemStore()}
	tr := &recorder{}
	b, err := New(Config{Features: featuresFor(st), Program: prog, Clock: clock, Store: st, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.Step(ctx); err != nil {
		t.Fatal(err)
	}
	mod := User{ID: "u1", Name: "carol", Roles: []string{"Moderators"}}
	cmd := func(u User, opts map[string]string) Reply {
		return b.Handle(ctx, Command{Name: "workshop delay", User: u, Options: opts})
	}
	if r := cmd(User{ID: "u2", Name: "alice"}, map[string]string{"session": "panel", "minutes": "10"}); !strings.Contains(r.Content, "for moderators") {
		t.Errorf("attendee ran /workshop delay: %q", r.Content)
	}
	if r := cmd(mod, map[string]string{"session": "panel", "minutes": "0"}); !strings.Contains(r.Content, "minutes") {
		t.Errorf("0 minutes: %q", r.Content)
	}
	NewReloader(b, src, version.Version)
	r := cmd(mod, map[string]string{"session": "invited-4", "minutes": "-15", "following": "true"})
	if !strings.Contains(r.Content, "Moved **Neural operator: A new paradigm for learning PDEs** 15 minutes earlier") || !strings.Contains(r.Content, "4 sessions after it") {
		t.Errorf("reply: %q", r.Content)
	}
	if s, _ := b.Program().Schedule.Session("invited-4"); !s.Start.Equal(time.Date(2021, 12, 14, 15, 0, 0, 0, et)) {
		t.Errorf("program in force: invited-4 starts %s, want 15:00 (applied at once)", s.Start)
	}
	if _, err := b.Step(ctx); err != nil {
		t.Fatal(err)
	}
	notices := tr.channel(ChannelAnnouncements)
	if len(notices) != 1 || !strings.Contains(notices[0].Content, "5 sessions") || !strings.Contains(notices[0].Content, "15 minutes earlier") {
		t.Errorf("notices = %+v, want one grouped move", notices)
	}
	if got, _ := os.ReadFile(sched); !bytes.Contains(got, []byte(`start: "15:00"`)) || !bytes.Contains(got, []byte("# Quote times")) {
		t.Errorf("schedule.yaml not rewritten in place:\n%s", got)
	}
}

// TestWorkshopDelayInRehearsalEditsACopy (issue 12 item 8): in a rehearsal,
// /workshop delay never rewrites the organizer's schedule.yaml: it writes a copy
// beside the database, says where, and the rehearsal follows the copy, so a
// second delay adds to the first.
func TestWorkshopDelayInRehearsalEditsACopy(t *testing.T) {
	f := newReloadFixture(t)
	ctx := context.Background()
	cp := filepath.Join(t.TempDir(), "rehearsal.schedule.yaml")
	f.r.EditCopy(cp, f.posters)
	mod := User{ID: "u1", Name: "carol", Roles: []string{"Moderators"}}
	delay := func(minutes string) Reply {
		return f.bot.Handle(ctx, Command{Name: "workshop delay", User: mod, Options: map[string]string{"session": "panel", "minutes": minutes}})
	}
	panel, _ := f.bot.Program().Schedule.Session("panel")
	if r := delay("10"); !strings.Contains(r.Content, cp) || !strings.Contains(r.Content, "rehearsal") {
		t.Errorf("reply does not say where the change is: %q", r.Content)
	}
	if got, _ := os.ReadFile(f.sched); !bytes.Equal(got, f.good) {
		t.Errorf("the organizer's schedule.yaml was rewritten")
	}
	if s, _ := f.bot.Program().Schedule.Session("panel"); !s.Start.Equal(panel.Start.Add(10 * time.Minute)) {
		t.Errorf("program in force: panel at %s, want 10 minutes later than %s", s.Start, panel.Start)
	}
	delay("5")
	if s, _ := f.bot.Program().Schedule.Session("panel"); !s.Start.Equal(panel.Start.Add(15 * time.Minute)) {
		t.Errorf("after a second delay: panel at %s, want 15 minutes later than %s", s.Start, panel.Start)
	}
	want := panel.Start.Add(15 * time.Minute).In(et).Format("15:04")
	if got, _ := os.ReadFile(cp); !bytes.Contains(got, []byte(`"`+want+`"`)) {
		t.Errorf("the copy does not hold the panel at %s:\n%s", want, got)
	}
	if got, _ := os.ReadFile(f.sched); !bytes.Equal(got, f.good) {
		t.Errorf("the organizer's schedule.yaml was rewritten by the second delay")
	}
}

// TestWorkshopDelayThroughASymlink: with schedule.yaml a symlink (to the
// organizers' repository, say), /workshop delay edits the file it points to,
// and the link stays a link (issue 11 item 8). Before, the rename replaced
// the link with a copy and left the real file unchanged.
func TestWorkshopDelayThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	real, link := filepath.Join(dir, "repo", "schedule.yaml"), filepath.Join(dir, "schedule.yaml")
	posters := filepath.Join(dir, "posters.csv")
	if err := os.Mkdir(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("repo", "schedule.yaml"), link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if err := os.WriteFile(posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := FileSource(link, posters)
	prog, version, err := src()
	if err != nil {
		t.Fatal(err)
	}
	clock := bottest.NewClock(time.Date(2021, 12, 14, 6, 0, 0, 0, et))
	st := &announceStore{memStore: newMemStore()}
	b, err := New(Config{Features: featuresFor(st), Program: prog, Clock: clock, Store: st, Transport: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	NewReloader(b, src, version.Version)
	mod := User{ID: "u1", Name: "carol", Roles: []string{"Moderators"}}
	r := b.Handle(context.Background(), Command{Name: "workshop delay", User: mod, Options: map[string]string{"session": "invited-4", "minutes": "-15"}})
	if !strings.Contains(r.Content, "Moved") || !strings.Contains(r.Content, "is updated;") {
		t.Fatalf("reply: %q", r.Content)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("schedule.yaml is no longer a symlink (%v, %v)", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(real); !bytes.Contains(got, []byte(`start: "15:00"`)) {
		t.Errorf("the file the link points to was not edited:\n%s", got)
	}
	if s, _ := b.Program().Schedule.Session("invited-4"); !s.Start.Equal(time.Date(2021, 12, 14, 15, 0, 0, 0, et)) {
		t.Errorf("program in force: invited-4 starts %s, want 15:00", s.Start)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*", ".schedule.yaml.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
