package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
	"workshopbot/bot/web"
)

const schedule = `workshop:
  name: Web Test Workshop
  short_name: WTW
  timezone: Europe/Berlin
  date: 2026-06-12
discord:
  moderators_role: Moderators
sessions:
  - {id: opening, start: "09:00", kind: opening, title: Opening}
  - {id: talk, start: "09:15", kind: invited, title: Solving PDEs with Networks, speakers: [Ada Lovelace]}
  - {id: panel, start: "10:00", end: "11:00", kind: panel, title: Panel Discussion}
`

const token = "test-token-0123456789"

var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	start     = time.Date(2026, 6, 12, 9, 20, 0, 0, berlin) // during the talk; the panel is next
	alice     = bot.User{ID: "201", Name: "Alice"}
	bob       = bot.User{ID: "202", Name: "Bob"}
	mod       = bot.User{ID: "100", Name: "Mo", Roles: []string{"Moderators"}}
)

// fixedClock stands still: the pages' countdowns are computed from its reading.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                       { return c.t }
func (c fixedClock) After(time.Duration) <-chan time.Time { return nil }

// sink is a transport that accepts every post.
type sink struct{}

func (sink) Post(context.Context, bot.Message) (bot.Posted, error) {
	return bot.Posted{ChannelID: "c", MessageID: "m"}, nil
}

// env is a bot on a real SQLite store, served by a web.Server through httptest.
type env struct {
	t    *testing.T
	b    *bot.Bot
	db   *sqlite.DB
	srv  *web.Server
	http *httptest.Server
	logs *bytes.Buffer
}

func newEnv(t *testing.T, checks ...web.Check) *env {
	t.Helper()
	return newEnvWith(t, schedule, nil, checks...)
}

// newEnvWith is newEnv on another schedule.yaml (src), with the server's
// Config changed by set (if not nil) before New.
func newEnvWith(t *testing.T, src string, set func(*web.Config), checks ...web.Check) *env {
	t.Helper()
	sched, err := bot.ParseSchedule("schedule.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: sched}, Clock: fixedClock{start}, Store: db, Questions: db, Transport: sink{}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cfg := web.Config{
		Bot: b, Token: token, Checks: checks, Heartbeat: 100 * time.Millisecond,
		Link:   func(c, m string) string { return "https://discord.com/channels/1/" + c + "/" + m },
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil)),
	}
	if set != nil {
		set(&cfg)
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, b: b, db: db, srv: srv, http: hs, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ask asks text as u through the bot, as /ask would, and returns its number.
func (e *env) ask(u bot.User, text string) int64 {
	e.t.Helper()
	r := e.b.Handle(context.Background(), bot.Command{Name: "ask", User: u, Options: map[string]string{"question": text}})
	var id int64
	if _, err := fmt.Sscanf(r.Content, "Received: your question #%d ", &id); err != nil {
		e.t.Fatalf("/ask %q: %q", text, r.Content)
	}
	return id
}

func (e *env) status(id int64) bot.QuestionStatus {
	e.t.Helper()
	q, err := e.db.Question(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return q.Status
}

// do sends a request and returns the status and body.
func (e *env) do(method, path string, header map[string]string) (int, http.Header, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

var bearer = map[string]string{"Authorization": "Bearer " + token}

// TestReadOnlyRoutes: every page and endpoint that needs no token answers, with
// its content type, and the security headers.
func TestReadOnlyRoutes(t *testing.T) {
	e := newEnv(t)
	e.ask(alice, "Which solver do you use for stiff ODEs?")
	for _, tc := range []struct {
		path, ctype string
		want        []string
	}{
		{"/", "text/html", []string{"Web Test Workshop", "Solving PDEs with Networks", "Panel Discussion", "Which solver do you use for stiff ODEs?", "read-only", `src="/assets/dashboard.js"`}},
		{"/overlay", "text/html", []string{"Up next", "Panel Discussion", `src="/assets/overlay.js"`}},
		{"/api/overview", "application/json", []string{`"short_name":"WTW"`, `"timezone":"Europe/Berlin"`, `"text":"Which solver do you use for stiff ODEs?"`}},
		{"/healthz", "text/plain", []string{"ok"}},
		{"/metrics", "text/plain", []string{"workshopbot_questions{status=\"open\"} 1", "go_goroutines"}},
		{"/assets/common.js", "text/javascript", []string{"textContent"}},
		{"/assets/dashboard.js", "text/javascript", []string{"sessionStorage", "Authorization"}},
		{"/assets/overlay.js", "text/javascript", []string{"on_stage"}},
		{"/assets/dashboard.css", "text/css", []string{".questions"}},
		{"/assets/overlay.css", "text/css", []string{"transparent"}},
	} {
		code, h, body := e.do("GET", tc.path, nil)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200\n%s", tc.path, code, body)
			continue
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", tc.path, ct, tc.ctype)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tc.path, w)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: security headers missing: %v", tc.path, h)
		}
	}
	if code, _, _ := e.do("GET", "/nope", nil); code != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", code)
	}
	if code, _, _ := e.do("GET", "/api/questions/next", bearer); code != http.StatusMethodNotAllowed {
		t.Errorf("GET on an action: %d, want 405", code)
	}
}

// TestActionsRefusedWithoutToken: no token, a wrong one, another scheme, or the
// token in the URL: refused, and nothing changes.
func TestActionsRefusedWithoutToken(t *testing.T) {
	e := newEnv(t)
	id := e.ask(alice, "Will this question survive the attack?")
	paths := []string{"/api/questions/next", fmt.Sprintf("/api/questions/%d/answered", id), fmt.Sprintf("/api/questions/%d/dismiss", id), "/api/token"}
	for _, tc := range []struct {
		name   string
		query  string
		header map[string]string
		code   int
	}{
		{"no token", "", nil, http.StatusUnauthorized},
		{"wrong token", "", map[string]string{"Authorization": "Bearer not-" + token}, http.StatusUnauthorized},
		{"prefix of the token", "", map[string]string{"Authorization": "Bearer " + token[:5]}, http.StatusUnauthorized},
		{"basic scheme", "", map[string]string{"Authorization": "Basic " + token}, http.StatusUnauthorized},
		{"bare token", "", map[string]string{"Authorization": token}, http.StatusUnauthorized},
		{"token in the URL", "?token=" + token, nil, http.StatusBadRequest},
		{"token in the URL and the header", "?token=" + token, bearer, http.StatusBadRequest},
	} {
		for _, p := range paths {
			code, h, body := e.do("POST", p+tc.query, tc.header)
			if code != tc.code {
				t.Errorf("%s: POST %s: %d, want %d\n%s", tc.name, p, code, tc.code, body)
			}
			if code == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: POST %s: 401 without WWW-Authenticate: Bearer", tc.name, p)
			}
			if !strings.Contains(body, `"error"`) {
				t.Errorf("%s: POST %s: body %q does not say why", tc.name, p, body)
			}
		}
	}
	if st := e.status(id); st != bot.QuestionOpen {
		t.Errorf("after refused actions the question is %s, want open", st)
	}
	if code, _, _ := e.do("POST", "/api/token", bearer); code != http.StatusNoContent {
		t.Errorf("POST /api/token with the token: %d, want 204", code)
	}
}

// TestActionsDoWhatSlashCommandsDo: each button's reply and effect are the
// slash command's, run by a moderator.
func TestActionsDoWhatSlashCommandsDo(t *testing.T) {
	e := newEnv(t)
	low := e.ask(alice, "A question with fewer votes in it?")
	top := e.ask(bob, "A question with the most votes here?")
	e.b.Handle(context.Background(), bot.Command{User: alice, Button: fmt.Sprintf("q:vote:%d", top)})
	third := e.ask(bob, "A question that will be dismissed?")

	action := func(path string) string {
		t.Helper()
		code, _, body := e.do("POST", path, bearer)
		if code != http.StatusOK {
			t.Fatalf("POST %s: %d\n%s", path, code, body)
		}
		var r struct{ Message, Error string }
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("POST %s: %v: %s", path, err, body)
		}
		return r.Message
	}
	msg := action("/api/questions/next")
	if !strings.HasPrefix(msg, fmt.Sprintf("🎙️ On stage: **Q%d** (👍 1)", top)) || e.status(top) != bot.QuestionOnStage {
		t.Errorf("next: %q, Q%d %s; want Q%d on stage", msg, top, e.status(top), top)
	}
	msg = action(fmt.Sprintf("/api/questions/%d/answered", top))
	if msg != fmt.Sprintf("Question #%d is now answered.", top) || e.status(top) != bot.QuestionAnswered {
		t.Errorf("answered: %q, status %s", msg, e.status(top))
	}
	msg = action(fmt.Sprintf("/api/questions/%d/dismiss", third))
	if msg != fmt.Sprintf("Question #%d is now dismissed.", third) || e.status(third) != bot.QuestionDismissed {
		t.Errorf("dismiss: %q, status %s", msg, e.status(third))
	}
	// The same refusals as on Discord: a second dismiss, an unknown number.
	if msg = action(fmt.Sprintf("/api/questions/%d/dismiss", third)); msg != fmt.Sprintf("Question #%d is dismissed already.", third) {
		t.Errorf("dismiss twice: %q", msg)
	}
	if msg = action("/api/questions/999/answered"); msg != "There is no question #999." {
		t.Errorf("unknown question: %q", msg)
	}
	if code, _, _ := e.do("POST", "/api/questions/abc/answered", bearer); code != http.StatusBadRequest {
		t.Errorf("non-numeric id: %d, want 400", code)
	}
	// Compare with the slash command itself, by a moderator, for the same step.
	want := e.b.Handle(context.Background(), bot.Command{Name: "questions next", User: mod}).Content
	e.b.Handle(context.Background(), bot.Command{Name: "questions reopen", User: mod, Options: map[string]string{"id": fmt.Sprint(low)}})
	if got := action("/api/questions/next"); got != want {
		t.Errorf("dashboard next = %q\nslash command next = %q", got, want)
	}
	if !strings.Contains(e.logs.String(), "dashboard action") {
		t.Errorf("actions are not logged:\n%s", e.logs.String())
	}
}

// TestUserTextIsEscaped: a question holding markup shows as text on both pages
// and in the JSON.
func TestUserTextIsEscaped(t *testing.T) {
	e := newEnv(t)
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	id := e.ask(alice, evil)
	e.b.Handle(context.Background(), bot.Command{Name: "questions next", User: mod})
	if st := e.status(id); st != bot.QuestionOnStage {
		t.Fatalf("question %s, want on stage", st)
	}
	for _, path := range []string{"/", "/overlay"} {
		_, _, body := e.do("GET", path, nil)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("GET %s: the question's markup is in the page unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("GET %s: the question is not shown as text", path)
		}
	}
	_, _, body := e.do("GET", "/api/overview", nil)
	var ov bot.Overview
	if err := json.Unmarshal([]byte(body), &ov); err != nil {
		t.Fatal(err)
	}
	if ov.OnStage == nil || ov.OnStage.Text != evil {
		t.Errorf("JSON on stage: %+v, want the exact text", ov.OnStage)
	}
	if strings.Contains(body, "<script>") {
		t.Errorf("JSON carries a raw <script> (encoding/json escapes it as \\u003c)")
	}
}

// stream reads server-sent events.
type stream struct {
	events chan string
}

func openStream(t *testing.T, e *env) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/events", nil)
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	s := &stream{events: make(chan string, 100)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev strings.Builder
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				if ev.Len() > 0 {
					s.events <- ev.String()
				}
				ev.Reset()
				continue
			}
			ev.WriteString(line + "\n")
		}
	}()
	return s
}

// next waits up to d for an event for which match holds, skipping others.
func (s *stream) next(t *testing.T, d time.Duration, what string, match func(string) bool) string {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream ended waiting for %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

func overviewOf(t *testing.T, ev string) bot.Overview {
	t.Helper()
	_, data, ok := strings.Cut(ev, "event: overview\ndata: ")
	if !ok {
		t.Fatalf("not an overview event: %q", ev)
	}
	var ov bot.Overview
	if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ov); err != nil {
		t.Fatal(err)
	}
	return ov
}

func isOverview(ev string) bool { return strings.Contains(ev, "event: overview\n") }

// TestEventsDeliverChanges: the stream sends the state at once, then a fresh one
// within a second of each change, and heartbeats while idle.
func TestEventsDeliverChanges(t *testing.T) {
	e := newEnv(t)
	s := openStream(t, e)
	first := overviewOf(t, s.next(t, time.Second, "the first overview", isOverview))
	if first.OnStage != nil || len(first.Questions) != 0 {
		t.Fatalf("first overview has questions: %+v", first.Questions)
	}
	id := e.ask(alice, "Does the overlay see this at once?")
	ov := overviewOf(t, s.next(t, time.Second, "an overview after /ask", isOverview))
	if len(ov.Questions) != 1 || ov.Questions[0].ID != id {
		t.Fatalf("after /ask: queue %+v, want Q%d", ov.Questions, id)
	}
	e.b.Handle(context.Background(), bot.Command{Name: "questions next", User: mod})
	ev := s.next(t, time.Second, "an overview with the question on stage", func(ev string) bool {
		return isOverview(ev) && overviewOf(t, ev).OnStage != nil
	})
	if ov := overviewOf(t, ev); ov.OnStage.ID != id || ov.OnStage.Text != "Does the overlay see this at once?" {
		t.Errorf("on stage %+v, want Q%d", ov.OnStage, id)
	}
	// A change made on the dashboard reaches the stream too.
	if code, _, _ := e.do("POST", fmt.Sprintf("/api/questions/%d/answered", id), bearer); code != http.StatusOK {
		t.Fatalf("answered: %d", code)
	}
	s.next(t, time.Second, "an overview with the stage empty", func(ev string) bool {
		return isOverview(ev) && overviewOf(t, ev).OnStage == nil
	})
	s.next(t, time.Second, "a heartbeat", func(ev string) bool { return ev == ": heartbeat\n" })
}

// TestHealthz: 200 when every check passes; 503 naming the failing part.
func TestHealthz(t *testing.T) {
	ok := func(note string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return note, nil }
	}
	bad := func(context.Context) (string, error) { return "", errors.New("last tick 5m0s ago") }
	for _, tc := range []struct {
		name   string
		checks []web.Check
		code   int
		lines  []string
	}{
		{"all fine", []web.Check{{Name: "gateway", Run: ok("connected")}, {Name: "cron", Run: ok("")}, {Name: "database", Run: ok("answers")}}, 200,
			[]string{"ok       gateway: connected", "ok       cron", "ok       database: answers"}},
		{"cron stuck", []web.Check{{Name: "gateway", Run: ok("connected")}, {Name: "cron", Run: bad}, {Name: "database", Run: ok("answers")}}, 503,
			[]string{"ok       gateway: connected", "failing  cron: last tick 5m0s ago", "ok       database: answers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.checks...)
			code, _, body := e.do("GET", "/healthz", nil)
			if code != tc.code {
				t.Errorf("GET /healthz: %d, want %d\n%s", code, tc.code, body)
			}
			if got := strings.Split(strings.TrimSpace(body), "\n"); strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
				t.Errorf("body:\n%s\nwant:\n%s", body, strings.Join(tc.lines, "\n"))
			}
			_, _, metrics := e.do("GET", "/metrics", nil)
			want := "workshopbot_health{check=\"cron\"} 1"
			if tc.code != 200 {
				want = "workshopbot_health{check=\"cron\"} 0"
			}
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		})
	}
}

// TestMetrics: REST calls and 429s by route, reconnects after the first
// connection, reminders and questions by status, in Prometheus' text format.
func TestMetrics(t *testing.T) {
	m := web.NewMetrics()
	sched, _ := bot.ParseSchedule("schedule.yaml", []byte(schedule))
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, _ := bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: sched}, Clock: fixedClock{start}, Store: db, Questions: db, Transport: sink{}})
	srv, err := web.New(web.Config{Bot: b, Token: token, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutReminder(context.Background(), bot.ReminderRecord{Key: bot.ReminderKey{SessionID: "opening"}, Due: start, Status: bot.StatusFailed}); err != nil {
		t.Fatal(err)
	}
	m.ObserveREST("POST /channels/{id}/messages", 200)
	m.ObserveREST("POST /channels/{id}/messages", 200)
	m.ObserveREST("POST /channels/{id}/messages", 429)
	m.ObserveREST("GET /gateway", 0)
	m.ObserveConnect()
	m.ObserveConnect()
	m.ObserveConnect()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`workshopbot_discord_requests_total{code="200",route="POST /channels/{id}/messages"} 2`,
		`workshopbot_discord_requests_total{code="429",route="POST /channels/{id}/messages"} 1`,
		`workshopbot_discord_requests_total{code="0",route="GET /gateway"} 1`,
		`workshopbot_discord_rate_limited_total{route="POST /channels/{id}/messages"} 1`,
		`workshopbot_gateway_reconnects_total 2`,
		`workshopbot_reminders{status="failed"} 1`,
		`workshopbot_reminders{status="sent"} 0`,
		`workshopbot_questions{status="open"} 0`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// One Metrics serves one server: a second would count the bot twice.
	if _, err := web.New(web.Config{Bot: b, Token: token, Metrics: m}); err == nil {
		t.Error("a second server on the same Metrics: no error")
	}
}

func TestNewRefusesMissingParts(t *testing.T) {
	if _, err := web.New(web.Config{Token: token}); err == nil {
		t.Error("no bot: no error")
	}
	e := newEnv(t)
	if _, err := web.New(web.Config{Bot: e.b, Token: "  "}); err == nil || !strings.Contains(err.Error(), "WORKSHOPBOT_DASHBOARD_TOKEN") {
		t.Errorf("blank token: %v, want an error naming WORKSHOPBOT_DASHBOARD_TOKEN", err)
	}
}

func TestNewToken(t *testing.T) {
	a, err := web.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := web.NewToken()
	if len(a) < 32 || a == b || strings.ContainsAny(a, "+/=") {
		t.Errorf("tokens %q, %q: want two different URL-safe tokens of 32+ characters", a, b)
	}
}

// TestListen: a non-loopback address is warned about; a busy port is an error
// that names the address.
func TestListen(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ln, err := web.Listen("127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if logs.Len() != 0 {
		t.Errorf("loopback: logged %q, want nothing", logs.String())
	}
	if _, err := web.Listen(ln.Addr().String(), log); err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("busy port: %v, want an error naming %s", err, ln.Addr())
	}
	wide, err := web.Listen("0.0.0.0:0", log)
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0 here: %v", err)
	}
	defer wide.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "non-loopback") || !strings.Contains(logs.String(), "TLS") {
		t.Errorf("0.0.0.0: logged %q, want a warning naming the risk", logs.String())
	}
}

// TestServeShutsDownWithOpenStreams: stopping ends event streams and returns
// quickly.
func TestServeShutsDownWithOpenStreams(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return within 2 s of its context ending")
	}
	if _, err := io.ReadAll(resp.Body); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("stream ended with %v", err)
	}
}
