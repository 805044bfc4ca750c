package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// TestReloaderTellsModeratorsOnceWhileSourceIsDown: while the live source is
// down the program of its last good copy stays in force and the moderators
// are told once, not at every reload; when it is back they are told so, and
// a later outage is told again.
func TestReloaderTellsModeratorsOnceWhileSourceIsDown(t *testing.T) {
	clock := bottest.NewClock(at(6, 40))
	tr := &recorder{}
	b := newTestBot(t, clock, newMemStore(), tr)
	good := &Program{Schedule: testSchedule()}
	down := &StaleSourceError{URL: "https://pretalx.example/s.json", Err: errors.New("GET https://pretalx.example/s.json: HTTP 502 Bad Gateway")}
	type result struct {
		version string
		err     error
	}
	var next result
	r := NewReloader(b, func() (*Program, Files, error) { return good, Files{Version: next.version}, next.err }, "version-0001")
	ctx := context.Background()
	steps := []struct {
		res     result
		applied bool
		told    int // moderator messages so far
	}{
		{result{"version-0001", down}, false, 1},
		{result{"version-0001", down}, false, 1},
		{result{"version-0001", down}, false, 1},
		{result{"version-0002", nil}, true, 2}, // back, with a change upstream
		{result{"version-0002", nil}, false, 2},
		{result{"version-0002", down}, false, 3}, // a new outage
		{result{"version-0003", errors.Join(down)}, true, 3},
	}
	for i, s := range steps {
		next = s.res
		if got := r.Check(ctx); got != s.applied {
			t.Errorf("step %d: applied %v, want %v", i, got, s.applied)
		}
		if got := len(tr.channel(ChannelModerators)); got != s.told {
			t.Fatalf("step %d: %d moderator messages, want %d: %+v", i, got, s.told, tr.channel(ChannelModerators))
		}
	}
	msgs := tr.channel(ChannelModerators)
	if !strings.Contains(msgs[0].Content, "last good copy") || !strings.Contains(msgs[0].Content, "HTTP 502") || !strings.Contains(msgs[1].Content, "can be read again") {
		t.Errorf("messages %q, %q: want the outage with its cause, then the return", msgs[0].Content, msgs[1].Content)
	}
}

// TestSourceKey: source: is read and checked; a command that reads only the
// file says the sessions come from the source, at its line.
func TestSourceKey(t *testing.T) {
	head := "workshop: {name: W, timezone: UTC, date: 2026-06-12}\n"
	for _, tt := range []struct {
		src  string
		want wantErr
	}{
		{"source: {frab: https://pretalx.example/c/schedule/export/schedule.json}\n", wantErr{2, "source", "the sessions come from https://pretalx.example/c/schedule/export/schedule.json"}},
		{"source: {frab: ftp://example.org/s.json}\n", wantErr{2, "source.frab", "ftp"}},
		{"source: {pretalx: https://example.org/s.json}\n", wantErr{2, "source", `unknown key "pretalx"`}},
	} {
		_, err := ParseSchedule("schedule.yaml", []byte(head+tt.src))
		checkErrors(t, "schedule.yaml", err, []wantErr{tt.want})
	}
	data := []byte(head + "source:\n  frab: https://pretalx.example/s.json\n")
	if got := ScheduleSource("schedule.yaml", data); got != "https://pretalx.example/s.json" {
		t.Errorf("ScheduleSource = %q", got)
	}
	if got := ScheduleSource("schedule.yaml", []byte(head)); got != "" {
		t.Errorf("ScheduleSource of a file without one = %q", got)
	}
}

// TestDelayRefusesALiveSource: /workshop delay edits schedule.yaml, which
// does not hold a live source's sessions; it says where to move them.
func TestDelayRefusesALiveSource(t *testing.T) {
	data := []byte("workshop: {name: W, timezone: UTC, date: 2026-06-12}\nsource: {frab: https://pretalx.example/s.json}\n")
	_, _, err := ShiftSessions("schedule.yaml", data, "talk", 10*time.Minute, true)
	if err == nil || !strings.Contains(err.Error(), "the sessions come from https://pretalx.example/s.json: move them there") {
		t.Errorf("err = %v", err)
	}
}
