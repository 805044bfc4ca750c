package console

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/features"
)

var et, _ = time.LoadLocation("America/New_York")

func TestParseLine(t *testing.T) {
	day := time.Date(2021, 12, 14, 0, 0, 0, 0, et)
	tests := []struct {
		in      string
		name    string
		user    string
		roles   string
		at      string
		opts    map[string]string
		button  string
		wantErr string
	}{
		{in: "", name: ""},
		{in: "# a comment", name: ""},
		{in: "/help", name: "help", user: "you"},
		{in: "/schedule", name: "schedule", user: "you"},
		{in: "at 09:50 as alice /next", name: "next", user: "alice", at: "09:50"},
		{in: "at 24:00 /next", name: "next", user: "you", at: "00:00"},
		{in: "as carol/Moderators,Organizers /questions next", name: "questions next", user: "carol", roles: "Moderators,Organizers"},
		{in: "as bob /ask Why do neural ODEs need adjoints?", name: "ask", user: "bob", opts: map[string]string{"question": "Why do neural ODEs need adjoints?"}},
		{in: `as bob /ask question:"What: is it?" anonymous:true`, name: "ask", user: "bob", opts: map[string]string{"question": "What: is it?", "anonymous": "true"}},
		{in: `/ask session:panel How do you pick a solver?`, name: "ask", user: "you", opts: map[string]string{"session": "panel", "question": "How do you pick a solver?"}},
		{in: "as dan press q:vote:3", user: "dan", button: "q:vote:3"},
		{in: "/questions answered id:4", name: "questions answered", user: "you", opts: map[string]string{"id": "4"}},
		// Positional arguments where one is required (issue 12 item 10).
		{in: "as mod/Moderators /questions dismiss 3", name: "questions dismiss", user: "mod", roles: "Moderators", opts: map[string]string{"id": "3"}},
		{in: "/poster link Slides https://example.org/s.pdf", name: "poster link", user: "you", opts: map[string]string{"name": "Slides", "url": "https://example.org/s.pdf"}},
		{in: `/poster link name:"Code and data" https://example.org/c`, name: "poster link", user: "you", opts: map[string]string{"name": "Code and data", "url": "https://example.org/c"}},
		{in: "/workshop delay panel 20", name: "workshop delay", user: "you", opts: map[string]string{"session": "panel", "minutes": "20"}},
		{in: "/workshop delay panel minutes:20", name: "workshop delay", user: "you", opts: map[string]string{"session": "panel", "minutes": "20"}},
		{in: "/posters neural ode", name: "posters", user: "you", opts: map[string]string{"query": "neural ode"}},
		{in: "/questions dismiss 3 4", wantErr: "id: want one value"},
		{in: "/questions bogus", wantErr: "/questions bogus: no such sub-command; want one of next, list, answered, dismiss, reopen, export"},
		{in: "/questions", wantErr: "/questions needs a sub-command: next, list"},
		{in: "help", wantErr: "commands start with /"},
		{in: "/nope", wantErr: "unknown command /nope"},
		{in: "at 25:00 /next", wantErr: "want a time of the workshop day"},
		{in: "/ask", wantErr: "option question is required"},
		{in: `/ask question:"unterminated`, wantErr: "missing closing quote"},
		{in: "/schedule extra words", wantErr: "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, err := ParseLine(tt.in, bot.Specs(features.All()), day, et)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := l.Command
			if c.Name != tt.name || c.Button != tt.button {
				t.Errorf("name %q button %q, want %q %q", c.Name, c.Button, tt.name, tt.button)
			}
			if tt.name == "" && tt.button == "" {
				return
			}
			if c.User.Name != tt.user || strings.Join(c.User.Roles, ",") != tt.roles {
				t.Errorf("user %q roles %v, want %q %q", c.User.Name, c.User.Roles, tt.user, tt.roles)
			}
			if got := l.At; tt.at != "" && got.Format("15:04") != tt.at || tt.at == "" && !got.IsZero() {
				t.Errorf("at = %v, want %s", got, tt.at)
			}
			for k, v := range tt.opts {
				if c.Options[k] != v {
					t.Errorf("option %s = %q, want %q", k, c.Options[k], v)
				}
			}
			if len(c.Options) != len(tt.opts) {
				t.Errorf("options = %v, want %v", c.Options, tt.opts)
			}
		})
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }
func (c fixedClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

func TestPostRendersTimestampsAndNeverPingsText(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2021, 12, 14, 6, 45, 0, 0, et)
	c := New(&out, fixedClock{now}, et, "Attendees")
	start := time.Date(2021, 12, 14, 7, 0, 0, 0, et)
	_, err := c.Post(context.Background(), bot.Message{Channel: "announcements", Content: "starts <t:" +
		itoa(start.Unix()) + ":t> (<t:" + itoa(start.Unix()) + ":R>)", PingRole: true})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"[06:45:00 -05:00] #announcements", "@Attendees starts 07:00 -05:00 (in 15 minutes)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPlayedActivity: say, joins and leaves lines are played to OnActivity
// as a message in their channel, a join and a leave, with no command run and
// the message's text not passed on.
func TestPlayedActivity(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, fixedClock{time.Date(2021, 12, 14, 9, 0, 0, 0, et)}, et, "")
	var got []bot.Activity
	c.OnActivity(func(a bot.Activity) { got = append(got, a) })
	script := "as alice joins\nat 09:50 as alice in #panel-questions say Great talk!\nin #announcements say hi\nas bob leaves\nas bob shouts\n"
	commands := 0
	err := c.Serve(context.Background(), strings.NewReader(script), time.Date(2021, 12, 14, 0, 0, 0, 0, et), func(context.Context, bot.Command) bot.Reply {
		commands++
		return bot.Reply{}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.Activity{{Kind: bot.ActivityJoin}, {Kind: bot.ActivityMessage, Channel: bot.ChannelQuestions},
		{Kind: bot.ActivityMessage, Channel: bot.ChannelAnnouncements}, {Kind: bot.ActivityLeave}}
	if len(got) != len(want) {
		t.Fatalf("played %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("activity %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if commands != 0 || strings.Contains(out.String(), "Great talk") || !strings.Contains(out.String(), "alice says something in #panel-questions") ||
		!strings.Contains(out.String(), `! "shouts": commands start with /`) {
		t.Errorf("%d commands run; output:\n%s", commands, out.String())
	}
}

// TestServeEndsWithContext: a Serve blocked reading an input that never
// comes returns when its context ends, and its reading goroutine ends once
// the owner closes the input.
func TestServeEndsWithContext(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, fixedClock{time.Date(2021, 12, 14, 9, 0, 0, 0, et)}, et, "")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- c.Serve(ctx, pr, time.Date(2021, 12, 14, 0, 0, 0, 0, et), func(context.Context, bot.Command) bot.Reply {
			t.Error("handler called with no input")
			return bot.Reply{}
		})
	}()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v, want nil when its context ends", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still blocked in a read 5 s after its context ended")
	}
	pw.Close()
	if g := bottest.GoroutineLeft("console.readLines", 5*time.Second); g != "" {
		t.Errorf("the reading goroutine outlived the closed input:\n%s", g)
	}
}
