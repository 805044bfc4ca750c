package bot

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// program is testSchedule as a Program, edited by f.
func program(f func(s *Schedule)) *Program {
	s := testSchedule()
	if f != nil {
		f(s)
	}
	return &Program{Schedule: s}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Schedule)
		want string // ChangeNotice rendered on the console's way, one line per change
	}{
		{"nothing", func(s *Schedule) {}, ""},
		{"moved", func(s *Schedule) { s.Sessions[0].Start = at(10, 0) },
			"📅 Program update: **Talk A** moved from 07:00 to 10:00"},
		{"moved to the next day", func(s *Schedule) { s.Sessions[0].Start = at(7, 0).AddDate(0, 0, 1) },
			"📅 Program update: **Talk A** moved from Tue 14 Dec 2021 07:00 to Wed 15 Dec 2021 07:00"},
		{"only the end moved", func(s *Schedule) { s.Sessions[0].End = at(7, 50) }, ""},
		{"retitled", func(s *Schedule) { s.Sessions[0].Title = "Talk A, revised" },
			"📅 Program update: **Talk A** is now titled **Talk A, revised**"},
		{"speakers", func(s *Schedule) { s.Sessions[0].Speakers = []string{"Ann", "Bob"} },
			"📅 Program update: **Talk A**: now with Ann, Bob"},
		{"session link", func(s *Schedule) { s.Sessions[0].Links = []Link{{"zoom", "https://example.org/z2"}} },
			"📅 Program update: **Talk A**: new links: Zoom: <https://example.org/z2>"},
		{"workshop link", func(s *Schedule) { s.Workshop.Links[0].URL = "https://example.org/live2" },
			"📅 Program update: Livestream link: <https://example.org/live2>"},
		{"recording only", func(s *Schedule) { s.Sessions[0].Recording = "https://example.org/rec-a" },
			"🎬 Recording of **Talk A** is up: <https://example.org/rec-a>"},
		{"removed", func(s *Schedule) { s.Sessions = slices.Delete(s.Sessions, 1, 2) },
			"📅 Program update: Cancelled: **Coffee** (was at 07:45)"},
		{"added on the next day", func(s *Schedule) {
			s.Sessions = append(s.Sessions, Session{ID: "d", Start: at(9, 0).AddDate(0, 0, 1), End: at(9, 30).AddDate(0, 0, 1), Kind: KindPanel, Title: "Panel"})
		}, "📅 Program update: New: Panel: **Panel** at Wed 15 Dec 2021 09:00"},
		{"added", func(s *Schedule) {
			s.Sessions = append(s.Sessions, Session{ID: "d", Start: at(9, 0), End: at(9, 30), Kind: KindPanel, Title: "Panel", Speakers: []string{"Cy"}})
		}, "📅 Program update: New: Panel: **Panel** — Cy at 09:00"},
		{"renamed with an id made from the title", func(s *Schedule) { s.Sessions[1].ID, s.Sessions[1].Title = "tea", "Tea" },
			"📅 Program update: **Coffee** is now titled **Tea**"},
		{"several, grouped in time order", func(s *Schedule) {
			s.Sessions[2].Start = at(6, 0)
			s.Sessions[0].Title = "Talk A2"
			s.Sessions = slices.Delete(s.Sessions, 1, 2)
		}, "📅 **Program update**\n• **Posters 1** moved from 08:00 to 06:00\n• **Talk A** is now titled **Talk A2**\n• Cancelled: **Coffee** (was at 07:45)"},
		{"moved together", func(s *Schedule) {
			for i := range s.Sessions {
				s.Sessions[i].Start = s.Sessions[i].Start.Add(20 * time.Minute)
			}
		}, "📅 Program update: 3 sessions, from **Talk A** to **Posters 1**, moved 20 minutes later: **Talk A** now starts 07:20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderTimestamps(ChangeNotice(Diff(program(nil), program(tt.edit))), et, at(6, 0))
			got = strings.ReplaceAll(got, " -05:00", "")
			if got != tt.want {
				t.Errorf("notice:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestDiffIgnoresCosmeticEdits edits the bundled schedule.yaml the way organizers
// do without changing anything: comments, blank lines, order, quoting.
func TestDiffIgnoresCosmeticEdits(t *testing.T) {
	data, err := os.ReadFile("../schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before, err := ParseSchedule("schedule.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "sessions:\n", "sessions:\n  # edited on the morning of the event\n\n", 1)
	edited = strings.ReplaceAll(edited, `start: "07:00"`, `start:   '07:00'   # unchanged`)
	// Move the opening to the end of the list: sessions are sorted by start.
	i := strings.Index(edited, "  - id: opening")
	j := strings.Index(edited, "  - id: invited-1")
	edited = edited[:i] + edited[j:] + "\n" + edited[i:j]
	after, err := ParseSchedule("schedule.yaml", []byte(edited))
	if err != nil {
		t.Fatalf("edited file: %v", err)
	}
	if changes := Diff(&Program{Schedule: before}, &Program{Schedule: after}); len(changes) != 0 {
		t.Errorf("cosmetic edit gave changes: %+v", changes)
	}
	if ChangeNotice(nil) != "" {
		t.Error("no change must make no notice")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	p := program(func(s *Schedule) { s.Sessions[0].Recording = "https://example.org/r" })
	back, err := FromSnapshot(Snapshot(p))
	if err != nil {
		t.Fatal(err)
	}
	if changes := Diff(p, back); len(changes) != 0 {
		t.Errorf("snapshot lost something: %+v", changes)
	}
	if string(Snapshot(back)) != string(Snapshot(p)) {
		t.Error("snapshot of a snapshot differs")
	}
}

// announceStore is a memStore that also remembers the announced program.
type announceStore struct {
	*memStore
	mu   sync.Mutex
	snap []byte
}

func (s *announceStore) AnnouncedProgram(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap, nil
}

func (s *announceStore) PutAnnouncedProgram(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = slices.Clone(b)
	return nil
}

// TestAnnounceOnceAcrossRestarts: the first run announces nothing, a change is
// announced once however often the bot steps, and a restarted bot (same store,
// same program) stays quiet; a change made while it was down is announced once.
func TestAnnounceOnceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	clock := bottest.NewClock(at(6, 0))
	st := &announceStore{memStore: newMemStore()}
	tr := &recorder{}
	b := newTestBot(t, clock, st, tr)
	step := func(b *Bot) {
		t.Helper()
		for range 3 {
			if _, err := b.Step(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	step(b)
	if n := len(tr.channel(ChannelAnnouncements)); n != 0 {
		t.Fatalf("first run posted %d notices, want 0", n)
	}
	b.SetProgram(program(func(s *Schedule) { s.Sessions[0].Start = at(7, 30) }))
	step(b)
	if got := tr.channel(ChannelAnnouncements); len(got) != 1 || !strings.Contains(got[0].Content, "moved") || got[0].Nonce == "" {
		t.Fatalf("notices after a move = %+v, want one with a nonce", got)
	}

	restarted := newTestBot(t, clock, st, tr)
	restarted.SetProgram(program(func(s *Schedule) { s.Sessions[0].Start = at(7, 30) }))
	step(restarted)
	if n := len(tr.channel(ChannelAnnouncements)); n != 1 {
		t.Fatalf("restart re-announced: %d notices, want 1", n)
	}
	restarted.SetProgram(program(func(s *Schedule) { s.Sessions[0].Start = at(7, 30); s.Sessions[0].Title = "Talk A2" }))
	step(restarted)
	got := tr.channel(ChannelAnnouncements)
	if len(got) != 2 || !strings.Contains(got[1].Content, "is now titled **Talk A2**") || strings.Contains(got[1].Content, "moved") {
		t.Fatalf("second change: notices %+v, want a second one with just the title", got)
	}
}

// TestChangeNoticeSplitsLongNotices: a notice over Discord's 2,000 characters
// (an edit of the whole program made while the bot was down) is split at line
// boundaries into as many messages as needed, each with its own stable nonce,
// and every change is in one of them.
func TestChangeNoticeSplitsLongNotices(t *testing.T) {
	ctx := context.Background()
	edit := func(s *Schedule) {
		for i := range 31 {
			title := fmt.Sprintf("Retitled session number %02d with a long name to fill the notice", i)
			s.Sessions = append(s.Sessions, Session{ID: fmt.Sprintf("n%02d", i), Start: at(10, i), End: at(10, i+1), Kind: KindSpotlight, Title: title, Speakers: []string{"Somebody Withalongname"}})
		}
	}
	run := func() []Message {
		st := &announceStore{memStore: newMemStore()}
		tr := &recorder{}
		b := newTestBot(t, bottest.NewClock(at(6, 0)), st, tr)
		if _, err := b.Step(ctx); err != nil {
			t.Fatal(err)
		}
		b.SetProgram(program(edit))
		if _, err := b.Step(ctx); err != nil {
			t.Fatal(err)
		}
		return tr.channel(ChannelAnnouncements)
	}
	got := run()
	if len(got) < 2 {
		t.Fatalf("%d notices, want the 31 changes split over several", len(got))
	}
	all := ""
	nonces := map[string]bool{}
	for i, m := range got {
		if n := len([]rune(m.Content)); n > MaxContent {
			t.Errorf("part %d: %d characters, over %d", i+1, n, MaxContent)
		}
		if strings.HasSuffix(m.Content, "…") {
			t.Errorf("part %d cut:\n%s", i+1, m.Content)
		}
		if m.Nonce == "" || nonces[m.Nonce] {
			t.Errorf("part %d: nonce %q, want its own", i+1, m.Nonce)
		}
		nonces[m.Nonce] = true
		all += m.Content + "\n"
	}
	for i := range 31 {
		if !strings.Contains(all, fmt.Sprintf("number %02d with", i)) {
			t.Errorf("change %d lost", i)
		}
	}
	again := run()
	for i := range got {
		if i >= len(again) || again[i].Nonce != got[i].Nonce {
			t.Fatalf("nonces not stable: %v then %v", got, again)
		}
	}
}

// TestMoveOfAFinishedSessionNotAnnounced: a session moved after it is over
// (the file corrected in the afternoon) makes no notice; a move of one still
// to come does.
func TestMoveOfAFinishedSessionNotAnnounced(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(s *Schedule)
		want int
	}{
		{"over", func(s *Schedule) { s.Sessions[0].Start = at(7, 10) }, 0},
		{"still to come", func(s *Schedule) { s.Sessions[2].Start = at(8, 10) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, tr := &announceStore{memStore: newMemStore()}, &recorder{}
			b := newTestBot(t, bottest.NewClock(at(7, 50)), st, tr)
			if _, err := b.Step(ctx); err != nil {
				t.Fatal(err)
			}
			b.SetProgram(program(tt.edit))
			if _, err := b.Step(ctx); err != nil {
				t.Fatal(err)
			}
			var notices []Message
			for _, m := range tr.channel(ChannelAnnouncements) {
				if strings.Contains(m.Content, "Program update") {
					notices = append(notices, m)
				}
			}
			if len(notices) != tt.want {
				t.Errorf("notices %+v, want %d", notices, tt.want)
			}
		})
	}
}
