package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
)

// TestICSCommand: `workshopbot ics` writes the bundled program as a calendar a
// standard parser reads, one event per session.
func TestICSCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"ics"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cal, err := ics.ParseCalendar(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 20 {
		t.Errorf("%d events, want the 20 sessions", len(events))
	}
	if len(events) > 0 && events[0].Id() != "opening@dlde.workshopbot" {
		t.Errorf("first UID = %q", events[0].Id())
	}

	stderr.Reset()
	if code := run(context.Background(), []string{"ics", "--schedule", "bot/testdata/broken/bad-time.yaml"}, func(string) string { return "" },
		strings.NewReader(""), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "bad-time.yaml") {
		t.Errorf("broken file: exit %d, stderr %q; want 1 and the error", code, stderr.String())
	}
}
