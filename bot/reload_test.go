package bot

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// reloadFixture is the delay fixture's program on disk, a bot running on it, and
// the reloader that watches the files.
type reloadFixture struct {
	t              *testing.T
	sched, posters string
	good           []byte
	bot            *Bot
	tr             *recorder
	r              *Reloader
}

func newReloadFixture(t *testing.T) *reloadFixture {
	t.Helper()
	f := &reloadFixture{t: t}
	var err error
	if f.good, err = os.ReadFile("testdata/delay/schedule.yaml"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f.sched, f.posters = filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	f.write(string(f.good))
	if err := os.WriteFile(f.posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := FileSource(f.sched, f.posters)
	prog, files, err := src()
	if err != nil {
		t.Fatal(err)
	}
	f.tr = &recorder{}
	st := &announceStore{memStore: newMemStore()}
	f.bot, err = New(Config{Features: featuresFor(st), Program: prog, Clock: bottest.NewClock(time.Date(2021, 12, 14, 6, 0, 0, 0, et)),
		Store: st, Transport: f.tr})
	if err != nil {
		t.Fatal(err)
	}
	f.r = NewReloader(f.bot, src, files.Version)
	return f
}

// write saves schedule.yaml with a modification time of its own, as an editor would.
func (f *reloadFixture) write(text string) {
	f.t.Helper()
	if err := os.WriteFile(f.sched, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// touch sets both files' modification time: the version's time of save.
func (f *reloadFixture) touch(at time.Time) {
	f.t.Helper()
	for _, p := range []string{f.sched, f.posters} {
		if err := os.Chtimes(p, at, at); err != nil {
			f.t.Fatal(err)
		}
	}
}

// TestRefusedVersionReported: a refused edit's message names the version (the
// time of the save and a short hash) and its first errors, with a nonce of its
// own; a new save with the same errors is only said to be still refused, naming
// when they were first reported; the same version again says nothing; different
// errors are reported in full.
func TestRefusedVersionReported(t *testing.T) {
	f := newReloadFixture(t)
	ctx := context.Background()
	broken := strings.Replace(string(f.good), `start: "07:45"`, `start: "13:15 AM"`, 1)
	f.write(broken)
	saved := time.Date(2021, 12, 14, 17, 3, 0, 0, time.UTC) // 12:03 in New York
	f.touch(saved)
	if f.r.Check(ctx) {
		t.Fatal("a broken schedule was applied")
	}
	_, files, _ := FileSource(f.sched, f.posters)()
	msgs := f.tr.channel(ChannelModerators)
	if len(msgs) != 1 {
		t.Fatalf("moderators got %d messages, want 1: %+v", len(msgs), msgs)
	}
	first := msgs[0]
	for _, want := range []string{"version " + files.Short(), "saved at <t:" + strconv.FormatInt(saved.Unix(), 10) + ":t>", "schedule.yaml:", "13:15 AM", "1 error", "last good program stays"} {
		if !strings.Contains(first.Content, want) {
			t.Errorf("refusal lacks %q:\n%s", want, first.Content)
		}
	}
	if first.Nonce == "" {
		t.Errorf("refusal has no nonce")
	}

	// The same version, looked at again (the cron, the watch): nothing.
	f.r.Check(ctx)
	if got := len(f.tr.channel(ChannelModerators)); got != 1 {
		t.Errorf("same version again: %d messages, want still 1", got)
	}

	// A new save, same errors (a comment added): still refused, not re-posted.
	f.write("# edited\n" + broken)
	later := saved.Add(6 * time.Minute)
	f.touch(later)
	f.r.Check(ctx)
	msgs = f.tr.channel(ChannelModerators)
	if len(msgs) != 2 {
		t.Fatalf("same errors again: %d messages, want 2", len(msgs))
	}
	_, files2, _ := FileSource(f.sched, f.posters)()
	still := msgs[1]
	for _, want := range []string{"still refused", "same errors as the edit saved at <t:" + strconv.FormatInt(saved.Unix(), 10) + ":t>", files2.Short()} {
		if !strings.Contains(still.Content, want) {
			t.Errorf("second refusal lacks %q:\n%s", want, still.Content)
		}
	}
	if strings.Contains(still.Content, "13:15 AM") {
		t.Errorf("second refusal re-posts the errors:\n%s", still.Content)
	}
	if still.Nonce == "" || still.Nonce == first.Nonce {
		t.Errorf("second refusal nonce %q, want its own (first %q)", still.Nonce, first.Nonce)
	}

	// Different errors: reported in full.
	f.write(strings.Replace(string(f.good), `start: "08:00"`, `start: "25:00"`, 1))
	f.r.Check(ctx)
	msgs = f.tr.channel(ChannelModerators)
	if len(msgs) != 3 || !strings.Contains(msgs[2].Content, "25:00") || strings.Contains(msgs[2].Content, "still refused") {
		t.Errorf("new errors: %d messages, last %q; want a third, in full", len(msgs), msgs[len(msgs)-1].Content)
	}

	// Fixed: applied.
	f.write(strings.Replace(string(f.good), `start: "08:00"`, `start: "08:05"`, 1))
	if !f.r.Check(ctx) {
		t.Errorf("the fixed file was not applied")
	}
}

// TestRefusalShowsFirstErrors: a version with an error in every session shows the first ten
// and says how many more there are, within Discord's 2,000 characters.
func TestRefusalShowsFirstErrors(t *testing.T) {
	f := newReloadFixture(t)
	n := strings.Count(string(f.good), "\n    kind: ")
	f.write(strings.ReplaceAll(string(f.good), "\n    kind: ", "\n    kind: bogus-"))
	f.r.Check(context.Background())
	msgs := f.tr.channel(ChannelModerators)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	c := msgs[0].Content
	if !strings.Contains(c, "The first 10 of "+strconv.Itoa(n)+" errors") || !strings.Contains(c, strconv.Itoa(n-10)+" more") || len([]rune(c)) > MaxContent {
		t.Errorf("refusal of %d errors (%d characters):\n%s", n, len([]rune(c)), c)
	}
}

// memPrograms is an in-memory ProgramStore.
type memPrograms struct {
	f  Files
	ok bool
}

func (m *memPrograms) LastGoodProgram(context.Context) (Files, bool, error) { return m.f, m.ok, nil }
func (m *memPrograms) PutLastGoodProgram(_ context.Context, f Files) error {
	m.f, m.ok = f, true
	return nil
}

// TestStartProgram: good files are started on and recorded; broken files start
// on the last good program recorded, with the errors; with none, they are an
// error; a reloader that keeps versions records what it puts in force.
func TestStartProgram(t *testing.T) {
	f := newReloadFixture(t)
	ctx := context.Background()
	src := FileSource(f.sched, f.posters)
	ps := &memPrograms{}
	prog, files, broken, err := StartProgram(ctx, src, ps)
	if err != nil || broken != nil || prog == nil || !ps.ok || ps.f.Version != files.Version || string(ps.f.Schedule) != string(f.good) {
		t.Fatalf("good files: prog %v, broken %v, err %v, recorded %v", prog != nil, broken, err, ps.ok)
	}

	f.write(strings.Replace(string(f.good), `start: "07:45"`, `start: "13:15 AM"`, 1))
	if _, _, _, err := StartProgram(ctx, src, &memPrograms{}); err == nil || !strings.Contains(err.Error(), "13:15 AM") {
		t.Errorf("broken files, nothing recorded: err %v, want the files' errors", err)
	}
	prog, last, broken, err := StartProgram(ctx, src, ps)
	if err != nil || broken == nil || !strings.Contains(broken.Error(), "13:15 AM") {
		t.Fatalf("broken files, a last good program: broken %v, err %v", broken, err)
	}
	if s, ok := prog.Schedule.Session("spotlight-1"); !ok || s.Start.In(et).Format("15:04") != "07:45" || last.Version != files.Version {
		t.Errorf("started on %v (version %s), want the last good program (%s)", s.Start, last.Short(), files.Short())
	}

	// The bot's reloader records each version in force.
	f.r.Keep(ps)
	fixed := strings.Replace(string(f.good), `start: "07:45"`, `start: "07:50"`, 1)
	f.write(fixed)
	if !f.r.Check(ctx) || string(ps.f.Schedule) != fixed {
		t.Errorf("the fixed version was not recorded as the last good one")
	}
}
