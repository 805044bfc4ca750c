package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"workshopbot/bot"
)

// TestDashboardGreenRoom: the dashboard shows the listed people of the next
// session and their state, in the page and in the overview its stream sends.
func TestDashboardGreenRoom(t *testing.T) {
	src := strings.Replace(schedule, "title: Panel Discussion}", "title: Panel Discussion, checkin: [ada.l, grace], chair: mo}", 1)
	e := newEnvWith(t, src, nil)
	r := e.b.Handle(context.Background(), bot.Command{Name: "checkin", User: bot.User{ID: "301", Name: "ada.l"}})
	if !strings.Contains(r.Content, "Checked in for **Panel Discussion**") {
		t.Fatalf("/checkin: %q", r.Content)
	}
	_, _, page := e.do("GET", "/", nil)
	for _, want := range []string{`id="green-card"`, `chip gr-in`, `@ada.l · in`, `@grace · waiting`, `@mo (chair) · waiting`} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard page lacks %q", want)
		}
	}
	_, _, body := e.do("GET", "/api/overview", nil)
	var ov bot.Overview
	if err := json.Unmarshal([]byte(body), &ov); err != nil {
		t.Fatal(err)
	}
	if _, _, plain := newEnv(t).do("GET", "/", nil); !strings.Contains(plain, `class="card green" hidden id="green-card"`) {
		t.Error("a program with no one listed shows the green-room card")
	}
	if len(ov.GreenRoom) != 1 || len(ov.GreenRoom[0].People) != 3 || ov.GreenRoom[0].People[0].State != "in" || ov.GreenRoom[0].People[2].State != "waiting" || !ov.GreenRoom[0].People[2].Chair {
		t.Errorf("overview green room: %+v", ov.GreenRoom)
	}
}
