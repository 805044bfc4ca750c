package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"workshopbot/bot/discord/discordtest"
)

// The tests never bind the well-known port: the ones that want the dashboard
// pass --http 127.0.0.1:0.
func init() { defaultHTTP = "" }

// browserProgram writes a DLDE-like program around now: a spotlight live, the
// first poster session next, the panel later; a bot started now has missed the
// morning's reminders (skipped, or caught up late) and posts the poster
// session's 15-minute reminder a few seconds in.
func browserProgram(t *testing.T, dir string, now time.Time) []string {
	t.Helper()
	now = now.Truncate(time.Second)
	at := func(d time.Duration) string { return fmt.Sprintf("%q", now.Add(d).Format(time.RFC3339)) }
	yaml := `workshop:
  name: The Symbiosis of Deep Learning and Differential Equations
  short_name: DLDE
  timezone: America/New_York
  date: ` + now.In(time.UTC).Format("2006-01-02") + `
  links:
    livestream: https://example.org/live
    zoom: https://example.org/zoom
    gathertown: https://example.org/gather
discord:
  moderators_role: Moderators
reminders:
  leads: [15m, 0m]
  reload: "@every 30s"
  catch_up: 20m
sessions:
  - {id: opening, kind: opening, title: Introduction and opening remarks, start: ` + at(-62*time.Minute) + `, end: ` + at(-47*time.Minute) + `}
  - {id: invited-1, kind: invited, title: Maximum principle-based algorithm for deep learning, speakers: [Weinan E], start: ` + at(-47*time.Minute) + `, end: ` + at(-2*time.Minute) + `}
  - {id: spotlight-1, kind: spotlight, title: "NeurInt: Learning Interpolation by Neural ODEs", speakers: [Avinandan Bose], start: ` + at(-2*time.Minute) + `, end: ` + at(13*time.Minute) + `}
  - {id: posters-1, kind: posters, poster_session: 1, title: Poster Session 1 - GatherTown room, start: ` + at(15*time.Minute+6*time.Second) + `, end: ` + at(60*time.Minute) + `}
  - {id: panel, kind: panel, title: Panel discussion, start: ` + at(60*time.Minute) + `, end: ` + at(120*time.Minute) + `}
  - {id: closing, kind: closing, title: Final remarks, start: ` + at(120*time.Minute) + `, end: ` + at(135*time.Minute) + `}
`
	csv := "id,session,title,authors,presenters,abstract,pdf,video\n" +
		"grand,1,GRAND: Graph Neural Diffusion,Benjamin Paul Chamberlain;James Rowbottom,,,,\n" +
		"hyperpinn,1,HyperPINN: Learning parameterized differential equations,Filipe de Avila Belbute-Peres;Yi-fan Chen,,,,\n"
	sched, posters := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(sched, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(posters, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--schedule", sched, "--posters", posters, "--db", filepath.Join(dir, "bot.db"), "--http", "127.0.0.1:0"}
}

var dashboardLog = regexp.MustCompile(`msg=dashboard url=(\S+) overlay=\S+ token=(\S+)`)

// startDashboardBot runs the real wiring on fake with browserProgram and the
// dashboard on a free port; it returns the dashboard's URL and token, as the
// bot logs them at start.
func startDashboardBot(t *testing.T, fake *discordtest.Server) (base, token string) {
	t.Helper()
	_, logs := startBot(t, fake, browserProgram(t, t.TempDir(), time.Now()))
	waitReady(t, fake, make(chan int))
	m := dashboardLog.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("the bot did not log its dashboard address and token:\n%s", logs.String())
	}
	return m[1], m[2]
}

// TestBrowserOverlay runs the real wiring against the fake Discord and drives
// headless Chromium: the overlay shows a question pulled on Discord within one
// second, a dashboard button acts on the overlay too, and user text stays text.
// It saves screenshots of both pages as test artifacts.
func TestBrowserOverlay(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no headless browser: %s is absent (apt-get install chromium; .ci/run installs it)", chromiumPath)
	}
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	modRole := fake.AddRole("Moderators", 0)
	mo := fake.AddMember("mo", modRole)
	alice, bob, carol, dave := fake.AddMember("alice"), fake.AddMember("bob"), fake.AddMember("carol"), fake.AddMember("dave")
	base, token := startDashboardBot(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ask := func(user, text string, opts ...discordtest.CommandOption) int64 {
		t.Helper()
		in := askCmd(text)
		in.Options = append(in.Options, opts...)
		r, err := interact(ctx, fake, user, in)
		if err != nil || receivedID(r) == 0 {
			t.Fatalf("/ask %q: %v %+v", text, err, r)
		}
		return receivedID(r)
	}
	qAlice := ask(alice, "How do adjoint methods behave on stiff systems: is checkpointing enough in practice?")
	qBob := ask(bob, "Can physics-informed losses replace a classical solver for long-time integration?")
	qCarol := ask(carol, "What would you recommend to a student starting out at the intersection of deep learning and differential equations?")
	qDave := ask(dave, "Is there a theory of generalization for neural operators yet?", discordtest.Opt("anonymous", true))
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) == 4 }); err != nil {
		t.Fatalf("question cards: %v", err)
	}
	byID, _ := cards(t, fake)
	vote := func(user string, id int64) {
		t.Helper()
		in := discordtest.Button(fmt.Sprintf("q:vote:%d", id), byID[id].ID)
		in.ChannelID = byID[id].ChannelID
		if _, err := interact(ctx, fake, user, in); err != nil {
			t.Fatalf("vote for #%d: %v", id, err)
		}
	}
	for _, v := range []struct {
		user string
		id   int64
	}{{alice, qCarol}, {bob, qCarol}, {dave, qCarol}, {carol, qBob}, {alice, qBob}, {bob, qDave}} {
		vote(v.user, v.id)
	}
	_ = qAlice

	// The browser: Debian's chromium, headless, in a throwaway profile.
	alloc, stopAlloc := newBrowser(t)
	defer stopAlloc()
	overlay, stopOverlay := chromedp.NewContext(alloc)
	defer stopOverlay()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("open the overlay", chromedp.Do(overlay, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"overlay")))
	waitStream := func(tab context.Context, page string) {
		t.Helper()
		wctx, c := context.WithTimeout(tab, 10*time.Second)
		defer c()
		_, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.body.dataset.stream === "open"`, chromedp.WithPollingInterval(20*time.Millisecond)))
		must(page+": the event stream did not open", err)
	}
	waitStream(overlay, "overlay")
	hidden, err := chromedp.Run(overlay, chromedp.Evaluate[bool](`document.getElementById("question").hidden`))
	must("read the overlay", err)
	if !hidden {
		t.Fatal("the overlay shows a question before any was pulled")
	}

	// A moderator pulls the top question on Discord: the overlay shows it
	// within one second, with its votes and asker.
	const onStage = `(() => { const p = document.getElementById("question");
		return p.hidden ? "" : [document.getElementById("qmeta").textContent, document.getElementById("qtext").textContent, document.getElementById("qasker").textContent].join("\n"); })()`
	pulled := time.Now()
	r, err := interact(ctx, fake, mo, discordtest.Slash("/questions next"))
	must("/questions next", err)
	if !strings.Contains(r.Content, fmt.Sprintf("On stage: **Q%d**", qCarol)) {
		t.Fatalf("/questions next: %q, want Q%d on stage", r.Content, qCarol)
	}
	pctx, pcancel := context.WithTimeout(overlay, time.Second)
	shown, err := chromedp.Run(pctx, chromedp.Poll[string](onStage, chromedp.WithPollingMutation()))
	pcancel()
	latency := time.Since(pulled)
	must("the overlay did not show the question within 1 s of /questions next", err)
	want := fmt.Sprintf("Q%d · ▲ 3 votes\nWhat would you recommend to a student starting out at the intersection of deep learning and differential equations?\n— carol · Panel discussion", qCarol)
	if shown != want {
		t.Errorf("overlay shows:\n%s\nwant:\n%s", shown, want)
	}
	t.Logf("overlay showed the question %v after /questions next was sent", latency.Round(time.Millisecond))
	if latency > time.Second {
		t.Errorf("overlay took %v, want at most 1 s", latency)
	}

	// The dashboard, unlocked with the token (kept in sessionStorage, never in
	// the URL), once the poster session's reminder is out and the posters placed.
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		// Spotlight 1's two leads were both due at start: only "starts now"
		// is posted (the other is superseded), then Poster Session 1's.
		for _, m := range announcedReminders(fake) {
			if strings.Contains(m.Content, "Poster Session 1") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("reminders: %v", err)
	}
	dash, stopDash := chromedp.NewContext(overlay)
	defer stopDash()
	must("open the dashboard", chromedp.Do(dash, chromedp.EmulateViewport(1600, 1000), chromedp.Navigate(base)))
	waitStream(dash, "dashboard")
	must("unlock", chromedp.Do(dash,
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS("#auth button[type=submit]"))))
	mode, err := chromedp.Run(dash, chromedp.Poll[string](`(() => { const m = document.getElementById("mode").textContent; return m === "moderator" ? m : ""; })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	must("the dashboard did not accept the token", err)
	_ = mode
	loc, err := chromedp.Run(dash, chromedp.Location())
	must("read the location", err)
	if strings.Contains(loc, token) {
		t.Errorf("the token is in the dashboard's URL: %s", loc)
	}
	_, err = chromedp.Run(dash, chromedp.Poll[bool](`document.querySelectorAll("#reminders .chip.st-sent").length >= 1 && document.getElementById("posters").textContent.startsWith("2 / 2")`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must("the dashboard shows the sent reminder and the placed posters", err)
	links, err := chromedp.Run(dash, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#reminders a")].map(a => a.href)`))
	must("read the reminder links", err)
	if len(links) < 2 || !strings.HasPrefix(links[0], "https://discord.com/channels/"+fake.GuildID()+"/") {
		t.Errorf("reminder log links %v, want links to the messages in guild %s", links, fake.GuildID())
	}

	// Screenshots: the dashboard, the overlay over a stand-in for video, and the
	// overlay alone (transparent).
	shots := map[string][]byte{}
	_, err = chromedp.Run(dash, chromedp.Evaluate[bool](`document.getElementById("toast").hidden = true`))
	must("hide the toast", err)
	shots["dashboard.png"], err = chromedp.Run(dash, chromedp.CaptureScreenshot())
	must("screenshot the dashboard", err)
	_, err = chromedp.Run(overlay, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetDefaultBackgroundColorOverride, emulation.SetDefaultBackgroundColorOverrideParams{
			Color: &cdp.RGBA{A: 1e-6}}) // a zero alpha would be omitted, and read as opaque
		return chromedp.Void{}, err
	})
	must("make the overlay's background transparent", err)
	shots["overlay-transparent.png"], err = chromedp.Run(overlay, chromedp.CaptureScreenshot())
	must("screenshot the overlay", err)
	_, err = chromedp.Run(overlay, chromedp.Evaluate[bool](`document.documentElement.style.background =
		"radial-gradient(circle at 70% 35%, #f4e7c5 0, #d9b98a 18%, #8aa4b8 45%, #3f5a73 80%)"; true`))
	must("put a backdrop behind the overlay", err)
	shots["overlay.png"], err = chromedp.Run(overlay, chromedp.CaptureScreenshot())
	must("screenshot the overlay", err)
	saveShots(t, shots)

	// A button on the dashboard does what /questions answered does, and the
	// overlay follows within one second.
	// The toast still holds the "Unlocked" text from above: empty it first,
	// so that the poll below waits for this button's reply, not that one.
	_, err = chromedp.Run(dash, chromedp.Evaluate[bool](`document.getElementById("toast").textContent = ""; true`))
	must("clear the toast", err)
	clicked := time.Now()
	must("press Answered", chromedp.Do(dash, chromedp.Click(chromedp.CSS("li.onstage button[data-act=answered]"))))
	pctx, pcancel = context.WithTimeout(overlay, time.Second)
	_, err = chromedp.Run(pctx, chromedp.Poll[bool](`document.getElementById("question").hidden`, chromedp.WithPollingMutation()))
	pcancel()
	must("the overlay did not clear within 1 s of Answered on the dashboard", err)
	t.Logf("overlay cleared %v after the dashboard's Answered", time.Since(clicked).Round(time.Millisecond))
	toast, err := chromedp.Run(dash, chromedp.Poll[string](`document.getElementById("toast").textContent`, chromedp.WithPollingTimeout(2*time.Second)))
	must("read the dashboard's reply", err)
	if toast != fmt.Sprintf("Question #%d is now answered.", qCarol) {
		t.Errorf("dashboard reply %q, want the slash command's", toast)
	}

	// Markup in a question is shown as text by the page's script too.
	const evil = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script> is this text?`
	ask(bob, evil)
	_, err = chromedp.Run(dash, chromedp.Poll[bool](`[...document.querySelectorAll("#questions .text")].some(e => e.textContent === `+jsString(evil)+`)`,
		chromedp.WithPollingTimeout(2*time.Second)))
	must("the dashboard did not list the question as text", err)
	injected, err := chromedp.Run(dash, chromedp.Evaluate[int](`document.querySelectorAll("#questions img, #questions script").length + (document.title === "pwned" ? 100 : 0)`))
	must("inspect the dashboard", err)
	if injected != 0 {
		t.Errorf("the question's markup became elements or ran (%d)", injected)
	}
	_ = qDave

	// The same server answers /healthz and /metrics for the live bot.
	for path, want := range map[string]string{
		"healthz": "ok       gateway: connected",
		"metrics": `workshopbot_discord_requests_total{code="200",route="POST /channels/{id}/messages"}`,
	} {
		resp, err := http.Get(base + path)
		must("GET /"+path, err)
		body := new(strings.Builder)
		_, _ = fmt.Fprint(body, readAll(resp))
		if resp.StatusCode != 200 || !strings.Contains(body.String(), want) {
			t.Errorf("GET /%s: %d, want 200 with %q:\n%s", path, resp.StatusCode, want, body)
		}
	}
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}

// TestDashboardWiredOnDiscord checks the wiring without a browser: the bot on
// the fake Discord serves the dashboard, whose health sees the gateway, whose
// actions need the token, and whose event stream follows /ask on Discord.
func TestDashboardWiredOnDiscord(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	alice := fake.AddMember("alice")
	base, token := startDashboardBot(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(resp)
	}
	if code, body := get("healthz"); code != 200 || !strings.Contains(body, "ok       gateway: connected") || !strings.Contains(body, "ok       database: answers") {
		t.Errorf("/healthz: %d\n%s", code, body)
	}

	// The event stream, then a question asked on Discord.
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		buf := make([]byte, 1<<20)
		var acc strings.Builder
		for {
			n, err := resp.Body.Read(buf)
			acc.Write(buf[:n])
			for {
				s := acc.String()
				i := strings.Index(s, "\n\n")
				if i < 0 {
					break
				}
				lines <- s[:i]
				acc.Reset()
				acc.WriteString(s[i+2:])
			}
			if err != nil {
				return
			}
		}
	}()
	waitEvent := func(what, contains string) {
		t.Helper()
		deadline := time.After(time.Second)
		for {
			select {
			case ev := <-lines:
				if strings.Contains(ev, contains) {
					return
				}
			case <-deadline:
				t.Fatalf("no event with %s within 1 s", what)
			}
		}
	}
	waitEvent("the first overview", `"short_name":"DLDE"`)
	r, err := interact(ctx, fake, alice, askCmd("Does the stream see a question asked on Discord?"))
	if err != nil || receivedID(r) == 0 {
		t.Fatalf("/ask: %v %+v", err, r)
	}
	waitEvent("the question asked on Discord", "Does the stream see a question asked on Discord?")

	post := func(path, auth string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(resp)
	}
	if code, _ := post("api/questions/next", ""); code != http.StatusUnauthorized {
		t.Errorf("next without the token: %d, want 401", code)
	}
	if code, _ := post("api/questions/next", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("next with a wrong token: %d, want 401", code)
	}
	code, body := post("api/questions/next", "Bearer "+token)
	if code != 200 || !strings.Contains(body, "On stage: **Q1**") {
		t.Errorf("next with the token: %d %s", code, body)
	}
	waitEvent("the question on stage", `"on_stage":{"id":1,`)
	// The bot counts a callback when it has read Discord's answer, which can
	// be a moment after the fake has taken it (a loop of the suite saw
	// /metrics read in between): give it a few seconds.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, body := get("metrics")
		if code == 200 && strings.Contains(body, `workshopbot_questions{status="onstage"} 1`) &&
			strings.Contains(body, `route="POST /interactions/{id}/{token}/callback"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("/metrics: %d\n%s", code, body)
			break
		}
	}
}

// TestBusyPortDoesNotStopTheBot: a dashboard that cannot listen is logged, and
// the rehearsal runs on.
func TestBusyPortDoesNotStopTheBot(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	sched, posters := writeProgram(t, dir, 5)
	var stdout, stderr lockedBuffer
	// The clock after the program's end: every reminder is decided at once and
	// the rehearsal ends.
	args := []string{"--schedule", sched, "--posters", posters, "--db", filepath.Join(dir, "bot.db"),
		"--clock", time.Now().Add(24 * time.Hour).Format(time.RFC3339), "--http", busy.Addr().String()}
	code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "dashboard not started") || !strings.Contains(stderr.String(), busy.Addr().String()) {
		t.Errorf("stderr does not explain the busy port:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "Summary: reminders:") {
		t.Errorf("the rehearsal did not run to its summary:\n%s", stdout.String())
	}
}
