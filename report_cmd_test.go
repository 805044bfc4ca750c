package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"workshopbot/bot"
)

// panelScript is a rehearsal's day in the guild: four attendees join and one
// leaves, they chat at a poster, in #announcements and in #panel-questions;
// at the panel three of them ask and vote, and the moderator takes two
// questions, answers one and dismisses the other.
const panelScript = `at 06:50 as alice joins
at 06:52 as bob joins
at 07:10 as carol joins
at 09:50 as alice in #neurint_neurint-learning-interpolation-by-neural-odes say How far does it extrapolate?
at 09:52 as bob in #neurint_neurint-learning-interpolation-by-neural-odes say Thanks, great poster
at 12:00 in #announcements say Where is the lunch room?
at 23:00 as dan joins
at 23:01 as dan in #panel-questions say Hello from Tokyo
at 23:01 as carol /ask How should we choose between adjoint and backprop-through-solver?
at 23:02 as dan /ask Are neural operators ready for weather forecasting?
at 23:02 as erin /ask question:"Which benchmarks should the field agree on?" anonymous:true
at 23:03 as erin press q:vote:1
at 23:03 as dan press q:vote:1
at 23:04 as carol press q:vote:3
at 23:05 as mod/Moderators /questions next
at 23:20 as mod/Moderators /questions answered
at 23:21 as mod/Moderators /questions next
at 23:25 as mod/Moderators /questions dismiss id:3
at 23:30 as bob leaves
`

// TestRehearsalReport: the bundled DLDE day rehearsed on the console with a
// scripted day gives a report whose figures are those of the rehearsal (40
// reminders, 3 questions, one answered, one dismissed, 2 votes on the
// others, 4 joins, 1 leave, 4 messages of which 2 at a poster), as
// JSON and as an HTML page whose charts are SVG that parses. With a browser,
// the page is screenshot (docs/report.png with -docs-screenshots).
func TestRehearsalReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"--db", db, "--http", "", "--clock", "2021-12-14T06:00:00-05:00", "--speed", "5000"}, func(string) string { return "" },
		strings.NewReader(panelScript), &stdout, &stderr); code != 0 {
		t.Fatalf("rehearsal: exit %d\n%s\n%s", code, tail(stdout.String(), 20), stderr.String())
	}

	report := func(format string) []byte {
		t.Helper()
		var out, errs bytes.Buffer
		if code := run(ctx, []string{"report", "--db", db, "--format", format}, func(string) string { return "" },
			strings.NewReader(""), &out, &errs); code != 0 {
			t.Fatalf("report --format %s: exit %d\n%s", format, code, errs.String())
		}
		return out.Bytes()
	}
	var f bot.Figures
	if err := json.Unmarshal(report("json"), &f); err != nil {
		t.Fatal(err)
	}
	s := f.Summary
	// Votes count on the questions not dismissed: Q1's two. On a busy machine
	// at 5,000x a reminder may be minutes late (virtual), even skipped, never
	// failed or lost: every one of the 40 is in the figures.
	if len(f.Reminders) != 40 || s.RemindersOnTime < 30 {
		t.Errorf("%d reminders in the figures, %d on time; want 40, most on time", len(f.Reminders), s.RemindersOnTime)
	}
	got := []int{len(f.Reminders), s.RemindersFailed, s.Questions, s.Approved, s.Answered, s.Dismissed, s.Votes, s.Posters,
		s.Joins, s.Leaves, s.Messages, s.PosterMessages}
	want := []int{40, 0, 3, 2, 1, 1, 2, 8, 4, 1, 4, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("summary (reminders, failed, questions, approved, answered, dismissed, votes, posters, joins, leaves, messages, at posters) = %v, want %v\n%+v",
				got, want, s)
		}
	}
	var members []int
	for _, m := range f.Members {
		members = append(members, m.Members)
	}
	if !slices.Equal(members, []int{2, 3, 4, 3}) { // joins less leaves: the console tells no member count
		t.Errorf("members over the day %v, want [2 3 4 3]", members)
	}
	for _, p := range f.Posters {
		if n := map[string]int{"neurint": 2}[p.ID]; p.Messages != n {
			t.Errorf("poster %s: %d messages, want %d", p.ID, p.Messages, n)
		}
	}
	var panel bot.SessionFigure
	for _, sf := range f.Sessions {
		if sf.ID == "panel" {
			panel = sf
		}
	}
	if panel.Asked != 3 || panel.Votes != 2 || panel.ByStatus[bot.QuestionDismissed] != 1 {
		t.Errorf("panel: %d asked, %d votes, by status %v; want 3, 2, one dismissed", panel.Asked, panel.Votes, panel.ByStatus)
	}
	if len(f.Questions) != 2 || f.Questions[0].Votes != 2 {
		t.Errorf("top questions %+v, want the two not dismissed, the most voted (2) first", f.Questions)
	}

	page := report("html")
	charts := svgImages.FindAllSubmatch(page, -1)
	if len(charts) < 5 {
		t.Errorf("the page has %d SVG charts, want at least 5", len(charts))
	}
	for i, c := range charts {
		svg, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(c[1])))
		if err != nil || !bytes.Contains(svg, []byte("<svg")) || xml.Unmarshal(svg, new(struct{})) != nil {
			t.Errorf("chart %d is not SVG: %v %.80q", i, err, svg)
		}
	}
	for _, name := range []string{"carol", "dan", "erin"} { // askers stay out of it
		if bytes.Contains(page, []byte(name)) {
			t.Errorf("the page names the asker %s", name)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the page does not parse: %v", err)
		}
	}
	screenshotReport(t, page)
}

// svgImages finds the report's charts: SVG in data: URLs.
var svgImages = regexp.MustCompile(`src="data:image/svg(?:\+|&#43;)xml;base64,([^"]+)"`)

// screenshotReport opens the report in headless chromium, served from
// 127.0.0.1, and keeps screenshots of the whole page and of its top.
func screenshotReport(t *testing.T, page []byte) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Logf("no screenshot of the report: %s is absent (apt-get install chromium)", chromiumPath)
		return
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	alloc, stopAlloc := newBrowser(t)
	defer stopAlloc()
	tab, stopTab := chromedp.NewContext(alloc)
	defer stopTab()
	tab, cancel := context.WithTimeout(tab, time.Minute)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL)); err != nil {
		t.Fatalf("open the report: %v", err)
	}
	full, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot the report: %v", err)
	}
	// The README shows the top: the summary and the first charts.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 2000)); err != nil {
		t.Fatalf("resize: %v", err)
	}
	top, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot the report: %v", err)
	}
	saveShots(t, map[string][]byte{"report.png": top, "report-full.png": full})
}
