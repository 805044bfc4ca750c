package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRoomsOnTheConsole rehearses a two-room program: the reminders of Hall A's
// talk are printed under the room's own channel with the room's stream, the
// rest under #announcements, and the summary counts both channels.
func TestRoomsOnTheConsole(t *testing.T) {
	dir := t.TempDir()
	schedule := `workshop:
  name: Two Rooms
  short_name: TR
  timezone: Europe/Berlin
  date: 2026-06-12
  links: {livestream: https://example.org/main}
discord:
  announcements: announcements
reminders:
  leads: [5m, 0m]
rooms:
  - name: Hall A
    announcements: hall-a
    links: {livestream: https://example.org/hall-a}
  - name: Hall B
sessions:
  - {id: a1, start: "09:30", end: "10:00", kind: invited, title: Talk in A, room: Hall A}
  - {id: b1, start: "09:30", end: "10:00", kind: invited, title: Talk in B, room: Hall B}
`
	for name, data := range map[string]string{"schedule.yaml": schedule, "posters.csv": "id,session,title,authors,presenters,abstract,pdf,video\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"--schedule", filepath.Join(dir, "schedule.yaml"), "--posters", filepath.Join(dir, "posters.csv"),
		"--db", filepath.Join(dir, "r.db"), "--http", "", "--clock", "2026-06-12T09:24:00+02:00", "--speed", "600"},
		func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	posts := parsePosts(stdout.String())
	for channel, want := range map[string]string{"hall-a": "Talk in A", "announcements": "Talk in B"} {
		got := reminderParts(channelPosts(posts, channel))
		if len(got) != 2 {
			t.Errorf("#%s: %d reminders, want 2\n%s", channel, len(got), stdout.String())
		}
		for _, p := range got {
			if !strings.Contains(p.text, want) {
				t.Errorf("#%s got %q, want only %s", channel, p.text, want)
			}
		}
	}
	for _, p := range channelPosts(posts, "hall-a") {
		if !strings.Contains(p.text, "https://example.org/hall-a") {
			t.Errorf("#hall-a reminder without the room's stream: %q", p.text)
		}
	}
	if !strings.Contains(stdout.String(), "#hall-a: 2") {
		t.Errorf("summary does not count #hall-a:\n%s", tail(stdout.String(), 3))
	}
}
