package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"workshopbot/bot"
)

// TestFiguresPage: the dashboard's Figures view is the report's page, made
// from the running bot's figures at each request: it follows a question asked
// since the last look, links its stylesheet (the CSP allows no inline style),
// reloads itself, links back to the dashboard, and names no asker.
func TestFiguresPage(t *testing.T) {
	e := newEnv(t)
	e.ask(alice, "Do neural ODEs need adaptive steps?")
	e.b.Record(bot.Activity{Kind: bot.ActivityMessage, Channel: bot.ChannelQuestions})

	asked := regexp.MustCompile(`<tr><td>questions asked</td><td class="n">(\d+)</td></tr>`)
	look := func(want string) string {
		t.Helper()
		code, h, body := e.do("GET", "/figures", nil)
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /figures: %d %s\n%s", code, h.Get("Content-Type"), body)
		}
		if m := asked.FindStringSubmatch(body); m == nil || m[1] != want {
			t.Errorf("questions asked: %v, want %s", m, want)
		}
		return body
	}
	look("1")
	e.ask(bob, "How do you pick the tolerance?")
	body := look("2")

	for _, want := range []string{
		`<link rel="stylesheet" href="/figures.css">`,
		`<meta http-equiv="refresh" content="60">`,
		`<a href="/">← dashboard</a>`,
		"Do neural ODEs need adaptive steps?",
		`<tr><td>messages (announcements, questions, posters)</td><td class="n">1</td></tr>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(body, `<img src="data:image/svg`); n < 5 {
		t.Errorf("%d SVG charts, want at least 5", n)
	}
	if strings.Contains(body, "<style") || strings.Contains(body, alice.Name) || strings.Contains(body, bob.Name) {
		t.Errorf("the page has an inline style or names an asker")
	}
	code, h, css := e.do("GET", "/figures.css", nil)
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || len(css) < 100 {
		t.Errorf("GET /figures.css: %d %s, %d bytes", code, h.Get("Content-Type"), len(css))
	}
	if _, _, dash := e.do("GET", "/", nil); !strings.Contains(dash, `<a href="/figures">figures</a>`) {
		t.Errorf("the dashboard does not link the Figures view")
	}
}
