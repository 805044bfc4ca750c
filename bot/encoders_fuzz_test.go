package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workshopbot/bot/bottest"
)

// FuzzEncoders feeds every schedule that the parser (and so `check`) accepts
// to every encoder the bot uses on it: the program snapshot kept for reloads,
// the dashboard's overview as JSON, scheduled events as JSON, the calendar
// file, the check table, /schedule and each reminder. None may panic or fail:
// a program that passes `check` must never crash the bot at start or reload.
// The seeds include dates far from the workshop (years 9999 and 0000), which
// crashed the bot in Time.MarshalJSON before `check` refused them.
func FuzzEncoders(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "schedule.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	day := "date: 2021-12-14"
	for _, v := range []struct{ date, start string }{
		{"9999-12-31", `"23:00"`}, {"9999-12-31", `"24:00"`}, {"0000-01-01", `"09:00"`},
		{"2021-12-14", `"9999-12-31T23:00:00Z"`}, {"2021-12-14", `"0000-01-01T09:00:00Z"`},
	} {
		f.Add(fmt.Appendf(nil, "workshop:\n  name: W\n  timezone: UTC\n  date: %s\nsessions:\n  - title: Talk\n    kind: invited\n    start: %s\n", v.date, v.start))
	}
	if !bytes.Contains(data, []byte(day)) {
		f.Fatalf("schedule.yaml has no %q line to vary", day)
	}
	f.Add(bytes.Replace(data, []byte(day), []byte("date: 9999-12-31"), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchedule("f.yaml", data)
		if err != nil {
			return
		}
		encodeAll(t, &Program{Schedule: s})
	})
}

// encodeAll runs prog through every encoder, failing t on an error; a panic
// fails the fuzz target by itself.
func encodeAll(t *testing.T, prog *Program) {
	t.Helper()
	s := prog.Schedule
	now := s.Workshop.Date
	if len(s.Sessions) > 0 {
		now = s.Sessions[0].Start
	}
	if _, err := FromSnapshot(Snapshot(prog)); err != nil {
		t.Errorf("snapshot does not read back: %v", err)
	}
	b, err := New(Config{Features: featuresFor(newMemStore()), Program: prog, Clock: bottest.NewClock(now), Store: newMemStore(), Transport: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	ov, err := b.Overview(context.Background(), nil)
	if err != nil {
		t.Fatalf("overview: %v", err)
	}
	if _, err := json.Marshal(ov); err != nil {
		t.Errorf("overview as JSON: %v", err)
	}
	if len(ov.Sessions) != len(s.Sessions) {
		t.Errorf("overview shows %d sessions of %d", len(ov.Sessions), len(s.Sessions))
	}
	for _, sess := range s.Sessions {
		if _, err := json.Marshal(SessionEvent(s, sess)); err != nil {
			t.Errorf("scheduled event of %s as JSON: %v", sess.ID, err)
		}
	}
	PlanEvents(s, nil, nil, now)
	var buf bytes.Buffer
	if err := WriteICS(&buf, prog, now); err != nil {
		t.Errorf("calendar: %v", err)
	}
	if err := WriteCheck(&buf, prog, nil); err != nil {
		t.Errorf("check table: %v", err)
	}
	if text := ScheduleText(s, now); strings.TrimSpace(text) == "" {
		t.Error("/schedule is empty")
	}
	for _, r := range Plan(s) {
		RenderReminder(prog, r, r.Due, false)
	}
}
