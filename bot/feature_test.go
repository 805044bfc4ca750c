package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

func testBotWith(t *testing.T, fs []Feature) (*Bot, error) {
	t.Helper()
	return New(Config{Features: fs, Program: &Program{Schedule: testSchedule()},
		Clock: bottest.NewClock(time.Date(2021, 12, 14, 9, 0, 0, 0, time.UTC)), Store: newMemStore(), Transport: &recorder{}})
}

// TestFeatureRegistration: a command or button prefix that two features
// register, a command without its handler, a handler without its spec and a
// store without an ability a feature needs stop New.
func TestFeatureRegistration(t *testing.T) {
	noop := func(*Bot, context.Context, *Program, Command, time.Time) Reply { return Reply{} }
	dup := Feature{Name: "again", Specs: []CommandSpec{{Name: "next"}}, Commands: map[string]Handler{"next": noop}}
	press := Feature{Name: "buttons", Presses: map[string]Handler{"q": noop}}
	for _, tc := range []struct {
		name string
		fs   []Feature
		want string // in the error; "" for none
	}{
		{"all the memory store serves", featuresFor(newMemStore()), ""},
		{"duplicate command", append(featuresFor(newMemStore()), dup), `command "next" is registered twice`},
		{"duplicate button", []Feature{press, press}, `button prefix "q" is registered twice`},
		{"store without AnnouncedStore", []Feature{NoticesFeature()}, "feature notices: the store (*bot.memStore) cannot remember the announced program (bot.AnnouncedStore)"},
		{"store without DMStore", []Feature{RemindMeFeature()}, "(bot.DMStore)"},
		{"store without GreenStore", []Feature{GreenRoomFeature()}, "(bot.GreenStore)"},
		{"store without EventStore", []Feature{EventsFeature()}, "(bot.EventStore)"},
		{"spec without handler", []Feature{{Name: "x", Specs: []CommandSpec{{Name: "x"}}}}, `command "x" has no handler`},
		{"handler without spec", []Feature{{Name: "x", Commands: map[string]Handler{"x": noop}}}, `handler for "x" has no command spec`},
	} {
		_, err := testBotWith(t, tc.fs)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: New: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: New error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}

// TestPanicIsInternalError: a handler that panics answers "internal error"
// and the bot goes on.
func TestPanicIsInternalError(t *testing.T) {
	boom := Feature{Name: "boom", Specs: []CommandSpec{{Name: "boom"}}, Commands: map[string]Handler{
		"boom": func(*Bot, context.Context, *Program, Command, time.Time) Reply { panic("boom") },
	}}
	b, err := testBotWith(t, []Feature{boom, HelpFeature()})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Handle(context.Background(), Command{Name: "boom"}); got.Content != "internal error" || !got.Ephemeral {
		t.Errorf("reply %+v, want an ephemeral internal error", got)
	}
	if got := b.Handle(context.Background(), Command{Name: "help"}); !strings.Contains(got.Content, "/boom") {
		t.Errorf("after a panic, /help says %q", got.Content)
	}
}
