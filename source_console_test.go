package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLiveSourceOnTheConsole rehearses a program whose sessions come from a
// pretalx export on 127.0.0.1 (source: {frab: URL}): the source's sessions
// are reminded, the file's override and rooms apply, and check reads them.
// Started again with the source answering 500, the bot runs on the copy it
// kept in its database and tells the moderators once; the report is made
// from that copy; with no copy, the bot does not start.
func TestLiveSourceOnTheConsole(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("bot", "frab", "testdata", "pretalx.json"))
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusInternalServerError)
			return
		}
		w.Write(page)
	}))
	defer srv.Close()
	dir := t.TempDir()
	schedule := `workshop:
  name: ML Conf 2024 on Discord
  short_name: MLC
  timezone: Europe/Berlin
  date: 2024-05-02
  links: {livestream: https://example.org/live}
reminders:
  leads: [0m]
  catch_up: 3h   # 6,000x: a busy machine's 100 ms is 10 virtual minutes; late, not skipped
source:
  frab: ` + srv.URL + `/mlconf-2024/schedule/export/schedule.json
rooms:
  - name: Hall A
    announcements: hall-a
  - name: Hall B
sessions:
  - {id: mlconf-2024-101-welcome, start: "2024-05-02T09:00:00+02:00", kind: opening, title: Welcome to ML Conf, room: Hall A}
`
	for name, data := range map[string]string{"schedule.yaml": schedule, "posters.csv": "id,session,title,authors,presenters,abstract,pdf,video\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// At 6,000x the 32 hours of the program take 20 s, and the 20-minute
	// closing lasts 200 ms: at 20,000x (60 ms) a loaded machine's late timer
	// found the closing over, and its reminder was skipped (CI, under -race).
	rehearse := func(db string) (string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"--schedule", filepath.Join(dir, "schedule.yaml"), "--posters", filepath.Join(dir, "posters.csv"),
			"--db", filepath.Join(dir, db), "--http", "", "--clock", "2024-05-02T08:55:00+02:00", "--speed", "6000"},
			func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}

	out, _ := rehearse("a.db")
	posts := parsePosts(out)
	hallA := reminderParts(channelPosts(posts, "hall-a"))
	rest := reminderParts(channelPosts(posts, "announcements"))
	if len(hallA) != 3 || !strings.Contains(hallA[0].text, "Welcome to ML Conf") || !strings.Contains(hallA[1].text, "Learning to integrate") {
		t.Errorf("#hall-a: %v; want the overridden welcome, the keynote and the closing", hallA)
	}
	if len(rest) != 2 || !strings.Contains(rest[1].text, "Late-night lightning talks") {
		t.Errorf("#announcements: %v, want Hall B's poster session and lightning talks\n%s", rest, out)
	}
	if len(channelPosts(posts, "moderators")) != 0 {
		t.Errorf("moderators told of a problem while the source was up:\n%s", out)
	}

	// check reads the source too.
	files := []string{"--schedule", filepath.Join(dir, "schedule.yaml"), "--posters", filepath.Join(dir, "posters.csv")}
	var checkOut, checkErr bytes.Buffer
	if code := run(context.Background(), append([]string{"check"}, files...), func(string) string { return "" },
		strings.NewReader(""), &checkOut, &checkErr); code != 0 || !strings.Contains(checkOut.String(), "Learning to integrate") ||
		!strings.Contains(checkOut.String(), "Welcome to ML Conf") {
		t.Errorf("check: exit %d\n%s\n%s", code, checkOut.String(), checkErr.String())
	}

	// Restarted (a fresh database copy would have no copy: use the same one).
	down.Store(true)
	out, errs := rehearse("a.db")
	mods := channelPosts(parsePosts(out), "moderators")
	if len(mods) != 1 || !strings.Contains(mods[0].text, "last good copy") || !strings.Contains(mods[0].text, "HTTP 500") {
		t.Errorf("moderators told %v, want once that the copy is in force, with the status\n%s", mods, out)
	}
	if !strings.Contains(errs, "running on its last good copy") {
		t.Errorf("log: %s", errs)
	}
	// The report, with the source down, is made from the copy the bot ran on.
	var rep, repErr bytes.Buffer
	if code := run(context.Background(), append([]string{"report", "--db", filepath.Join(dir, "a.db"), "--format", "json"}, files...),
		func(string) string { return "" }, strings.NewReader(""), &rep, &repErr); code != 0 || !strings.Contains(rep.String(), `"title": "Learning to integrate"`) {
		t.Errorf("report from the copy: exit %d\n%s", code, repErr.String())
	}

	// Without a copy, the bot does not start, and says why.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"--schedule", filepath.Join(dir, "schedule.yaml"), "--posters", filepath.Join(dir, "posters.csv"),
		"--db", filepath.Join(dir, "b.db"), "--http", ""}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "no good copy of it yet") || !strings.Contains(stderr.String(), srv.URL) {
		t.Errorf("no copy, source down: exit %d\n%s", code, stderr.String())
	}
}
