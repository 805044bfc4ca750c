package frab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
)

// liveSchedule keeps the header, names the source (%s), lists the rooms with a
// channel, overrides the welcome's title and adds a session of its own.
const liveSchedule = `workshop:
  name: ML Conf 2024 on Discord
  short_name: MLC
  timezone: Europe/Berlin
  date: 2024-05-02
  links: {livestream: https://example.org/live}
source:
  frab: %s
rooms:
  - name: Hall A
    announcements: hall-a
  - name: Hall B
sessions:
  - id: mlconf-2024-101-welcome
    start: "2024-05-02T09:00:00+02:00"
    kind: opening
    title: Welcome to ML Conf
    room: Hall A
  - id: social
    start: "2024-05-02T18:00:00+02:00"
    kind: other
    title: Social evening
`

// upstream is a pretalx server whose answer the test changes.
type upstream struct {
	mu   sync.Mutex
	mode string // "ok", "500", "slow", "garbage"
	page []byte
}

func (u *upstream) set(mode string, page []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.mode = mode
	if page != nil {
		u.page = page
	}
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	mode, page := u.mode, u.page
	u.mu.Unlock()
	switch mode {
	case "ok":
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	case "500":
		http.Error(w, "oops", http.StatusInternalServerError)
	case "slow":
		<-r.Context().Done()
	case "garbage":
		w.Write([]byte("<html>maintenance</html>"))
	}
}

// TestLiveSource: a schedule.yaml that says source: {frab: URL} takes its
// sessions from the URL at each reload, with its own overrides by id and its
// own sessions added; a change upstream is a new version; when the source
// answers 500, times out or sends garbage, the program of the last good copy
// comes back with a StaleSourceError, also after a restart (the copy is in
// the database); with no copy yet, or with a broken file, it is an error.
func TestLiveSource(t *testing.T) {
	up := &upstream{mode: "ok", page: read(t, "pretalx.json")}
	srv := httptest.NewServer(up)
	defer srv.Close()
	url := srv.URL + "/mlconf-2024/schedule/export/schedule.json"
	dir := t.TempDir()
	schedule, posters := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	write := func(path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(schedule, strings.Replace(liveSchedule, "%s", url, 1))
	write(posters, "id,session,title,authors,presenters,abstract,pdf,video\np1,1,A poster,Ada Lovelace,,,,\n")

	ctx := context.Background()
	dbPath := filepath.Join(dir, "w.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	hc := srv.Client()
	live := &Live{HTTP: hc, Store: db, Timeout: 100 * time.Millisecond}
	src := live.Source(ctx, schedule, posters)

	prog, v1, err := src()
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, s := range prog.Schedule.Sessions {
		titles[s.ID] = s.Title
	}
	if len(titles) != 6 || titles["mlconf-2024-101-welcome"] != "Welcome to ML Conf" || titles["social"] != "Social evening" ||
		titles["mlconf-2024-102-keynote-learning-to-integrate"] != "Learning to integrate" {
		t.Errorf("sessions %v: want the source's 5 with the welcome overridden, and the social evening", titles)
	}
	if r, _ := prog.Schedule.Room("Hall A"); r.Announcements != "hall-a" || prog.Schedule.Source != url || len(prog.Posters) != 1 {
		t.Errorf("room %+v, source %q, %d posters: want the file's rooms, the URL, 1 poster", r, prog.Schedule.Source, len(prog.Posters))
	}
	if u, data, _ := db.SourceCopy(ctx); u != url || string(data) != string(up.page) {
		t.Errorf("copy of %q (%d bytes) kept, want the page of %s", u, len(data), url)
	}

	for _, mode := range []string{"500", "slow", "garbage"} {
		up.set(mode, nil)
		prog, v, err := src()
		var stale *bot.StaleSourceError
		if !errors.As(err, &stale) || prog == nil || v.Version != v1.Version || stale.URL != url {
			t.Errorf("%s: prog %v, version changed %v, err %v; want the copy's program and a StaleSourceError", mode, prog != nil, v.Version != v1.Version, err)
			continue
		}
		if !strings.Contains(err.Error(), url) {
			t.Errorf("%s: %v does not name the URL", mode, err)
		}
	}

	// A change upstream is a new version with the new title.
	changed := strings.Replace(string(read(t, "pretalx.json")), `"title":"Learning to integrate"`, `"title":"Learning to integrate, revised"`, 1)
	up.set("ok", []byte(changed))
	prog, v2, err := src()
	if err != nil || v2.Version == v1.Version {
		t.Fatalf("after a change upstream: %v, version changed %v", err, v2.Version != v1.Version)
	}
	if s, _ := prog.Schedule.Session("mlconf-2024-102-keynote-learning-to-integrate"); s.Title != "Learning to integrate, revised" {
		t.Errorf("keynote title %q, want the revised one", s.Title)
	}

	// A restart while the source is down runs on the copy in the database.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	up.set("500", nil)
	db, err = sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prog, v, err := (&Live{HTTP: hc, Store: db}).Source(ctx, schedule, posters)()
	var stale *bot.StaleSourceError
	if !errors.As(err, &stale) || prog == nil || v.Version != v2.Version {
		t.Fatalf("restarted with the source down: %v, version %v; want the last good copy", err, v.Version == v2.Version)
	}
	if s, _ := prog.Schedule.Session("mlconf-2024-102-keynote-learning-to-integrate"); s.Title != "Learning to integrate, revised" {
		t.Errorf("restarted: keynote title %q, want the copy's", s.Title)
	}

	// No copy: an error that names the URL and the status.
	if prog, _, err := (&Live{HTTP: hc}).Source(ctx, schedule, posters)(); prog != nil || err == nil ||
		errors.As(err, &stale) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("no copy: %v", err)
	}

	// A broken file is the file's error, whatever the source does.
	write(schedule, strings.Replace(strings.Replace(liveSchedule, "%s", url, 1), "kind: other", "kind: party", 1))
	up.set("ok", nil)
	src = (&Live{HTTP: hc, Store: db}).Source(ctx, schedule, posters)
	if prog, _, err := src(); prog != nil || errors.As(err, &stale) || err == nil || !strings.Contains(err.Error(), "schedule.yaml:21: sessions[5].kind") {
		t.Errorf("broken file: %v", err)
	}
}

// posts is a bot.Transport that keeps what was posted.
type posts struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (p *posts) Post(_ context.Context, m bot.Message) (bot.Posted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, m)
	return bot.Posted{ChannelID: m.Channel, MessageID: fmt.Sprint(len(p.msgs))}, nil
}

func (p *posts) in(channel string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.msgs {
		if m.Channel == channel {
			out = append(out, m.Content)
		}
	}
	return out
}

// TestLiveSourceChangeIsAnnounced: a session moved upstream is moved in the
// bot at the next reload and announced as an edit of the file is.
func TestLiveSourceChangeIsAnnounced(t *testing.T) {
	page := string(read(t, "pretalx.json"))
	up := &upstream{mode: "ok", page: []byte(page)}
	srv := httptest.NewServer(up)
	defer srv.Close()
	dir := t.TempDir()
	schedule, posters := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(schedule, []byte(strings.Replace(liveSchedule, "%s", srv.URL+"/schedule.json", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := (&Live{HTTP: srv.Client(), Store: db}).Source(ctx, schedule, posters)
	prog, version, err := src()
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tr := &posts{}
	b, err := bot.New(bot.Config{Features: features.All(), Program: prog, Clock: bottest.NewClock(time.Date(2024, 5, 2, 7, 0, 0, 0, berlin)), Store: db, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Step(ctx); err != nil {
		t.Fatal(err)
	}
	r := bot.NewReloader(b, src, version.Version)

	const keynote = `"code":"KN2TLK","id":102,"logo":null,"date":"2024-05-02T09:15:00+02:00","start":"09:15"`
	up.set("ok", []byte(strings.Replace(page, keynote, strings.ReplaceAll(keynote, "09:15", "09:45"), 1)))
	if !r.Check(ctx) {
		t.Fatal("the change upstream was not applied")
	}
	if s, _ := b.Program().Schedule.Session("mlconf-2024-102-keynote-learning-to-integrate"); s.Start.In(berlin).Format("15:04") != "09:45" {
		t.Errorf("keynote starts %s in the bot, want 09:45", s.Start.In(berlin).Format("15:04"))
	}
	if _, err := b.Step(ctx); err != nil {
		t.Fatal(err)
	}
	var notice string
	for _, m := range tr.in(bot.ChannelAnnouncements) {
		if strings.Contains(m, "Learning to integrate") {
			notice = m
		}
	}
	if notice == "" || !strings.Contains(notice, "<t:1714635900:") { // 09:45 Berlin
		t.Errorf("announcements %q: want the keynote's move to 09:45", tr.in(bot.ChannelAnnouncements))
	}
}
