package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot/discord/discordtest"
)

// The bad inputs that need Discord itself: what goes over the wire (mentions),
// where a command is sent (poster channels), interactions that expire, and
// files refused at start. bot/badinput_test.go has the rest of the table.

// mentionProgram is a program whose texts try to ping: a session title with
// @everyone and role and user mentions, due a few seconds from now, and a
// poster with the same in its title, presented by alice.
func mentionProgram(t *testing.T, dir string, now time.Time, inject string) []string {
	t.Helper()
	start := now.Add(4 * time.Second).Truncate(time.Second)
	sched := fmt.Sprintf(`%sdiscord:
  moderators_role: Moderators
reminders:
  leads: [0s]
  catch_up: 5m
sessions:
  - id: pinger
    kind: invited
    title: %q
    start: %q
    end: %q
  - id: posters
    kind: posters
    poster_session: 1
    title: Posters
    start: %q
  - id: panel
    kind: panel
    title: Panel
    start: %q
`, workshopYAML("Mention Workshop", "MW", start), "Talk "+inject, start.Format(time.RFC3339), start.Add(3*time.Second).Format(time.RFC3339),
		now.Add(2*time.Hour).Format(time.RFC3339), now.Add(3*time.Hour).Format(time.RFC3339))
	posters := "id,session,title,authors,presenters,abstract,pdf,video\n" +
		fmt.Sprintf("p1,1,%q,Alice Author,alice,%q,,\n", "Poster "+inject, "Abstract "+inject) +
		"p2,1,A Quiet Poster,Bob Author,bob,,,\n"
	return writeProgramFiles(t, dir, sched, posters)
}

// TestBadInputOnDiscord runs the real wiring against the fake with texts that
// try to ping everyone, commands in the wrong channels, and buttons the bot does
// not know. Nothing pings anyone, and every refusal is private and says why.
func TestBadInputOnDiscord(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mods := fake.AddRole("Moderators", 0)
	mod := fake.AddMember("mod", mods)
	alice := fake.AddMember("alice")
	bob := fake.AddMember("bob")
	carol := fake.AddMember("carol")
	inject := fmt.Sprintf("@everyone @here <@&%s> <@%s> <@!%s>", mods, mod, carol)
	args := mentionProgram(t, t.TempDir(), time.Now(), inject)
	stop, logs := startBot(t, fake, args)
	defer func() {
		if t.Failed() {
			t.Logf("bot log (tail):\n%s", tail(logs.String(), 40))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Poster channels and their cards (a card is posted after the bot has
	// recorded its channel), and the session's reminder.
	chanOf := func(id string) (discordgo.Channel, bool) { return posterChannel(fake, id) }
	if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool {
		p1, ok1 := chanOf("p1")
		p2, ok2 := chanOf("p2")
		return ok1 && ok2 && len(s.Messages(p1.ID)) > 0 && len(s.Messages(p2.ID)) > 0 && len(announcements(s)) > 0
	}); err != nil {
		t.Fatalf("poster channels and the reminder: %v", err)
	}
	p1, _ := chanOf("p1")
	p2, _ := chanOf("p2")

	type step struct {
		name    string
		in      discordtest.Interaction
		user    string
		want    string // in the ephemeral answer
		private bool
	}
	announce, _ := fake.ChannelByName("announcements")
	in := func(i discordtest.Interaction, channel string) discordtest.Interaction {
		i.ChannelID = channel
		return i
	}
	card := fake.Messages(p1.ID)[0]
	steps := []step{
		{"/ask quoting mentions", askCmd("Why does " + inject + " not ping anyone?"), alice, "Received: your question #1", true},
		{"/ask with control characters", askCmd("Why\x00 does \x1b[31mthe adjoint\x1b[0m\t blow up?"), bob, "Received: your question #2", true},
		{"/poster topic outside poster channels", in(discordtest.Command("poster", "topic", "text:Come by"), announce.ID), alice, "works only in your own poster's channel", true},
		{"/poster topic in someone else's channel", in(discordtest.Command("poster", "topic", "text:Come by"), p2.ID), alice, "Only the presenters of **A Quiet Poster**", true},
		{"/poster here by an attendee", in(discordtest.Command("poster", "here"), p1.ID), carol, "not listed as one in posters.csv", true},
		{"/poster link with a script URL", in(discordtest.Command("poster", "link", "name:Slides", "url:javascript:alert(1)"), p1.ID), alice, "That link is not valid", true},
		{"/poster topic with mentions, by its presenter", in(discordtest.Command("poster", "topic", "text:"+inject), p1.ID), alice, "Done", true},
		{"unknown button on a card", in(discordtest.Button("nope:1", card.ID), p1.ID), carol, "not known to the bot", true},
		{"vote button for no question", in(discordtest.Button("q:vote:987654", card.ID), p1.ID), carol, "does not exist", true},
		{"moderator command by an attendee", discordtest.Command("questions", "export"), carol, "for moderators", true},
	}
	for _, s := range steps {
		r, err := interact(ctx, fake, s.user, s.in)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		if !strings.Contains(r.Content, s.want) || r.Ephemeral() != s.private {
			t.Errorf("%s: answered %q (ephemeral %v), want %q (ephemeral %v)", s.name, r.Content, r.Ephemeral(), s.want, s.private)
		}
		if r.AllowedMentions == nil || len(r.AllowedMentions.Parse) != 0 {
			t.Errorf("%s: answer allowed_mentions %+v, want parse []", s.name, r.AllowedMentions)
		}
	}
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) == 2 }); err != nil {
		t.Fatalf("question cards: %v", err)
	}
	// The topic the presenter set reaches the channel as text.
	if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool { c, _ := chanOf("p1"); return strings.Contains(c.Topic, "@everyone") }); err != nil {
		t.Errorf("p1's topic was not set: %v", err)
	}
	if code := stop(); code != 0 {
		t.Errorf("bot exited %d", code)
	}

	// Every message the bot created, in every channel: allowed_mentions with
	// parse [] and no role or user, and Discord resolved no mention.
	checked, quoted := 0, 0
	for _, c := range fake.Channels() {
		for _, m := range fake.Messages(c.ID) {
			checked++
			text := m.Content
			for _, e := range m.Embeds {
				text += e.Title + e.Description
			}
			if strings.Contains(text, "@everyone") {
				quoted++
			}
			am := m.AllowedMentions
			if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Roles) != 0 {
				t.Errorf("#%s: %.80q: allowed_mentions %+v, want {\"parse\":[]} and no role", c.Name, m.Content, am)
			}
			if m.MentionEveryone || len(m.MentionRoles) != 0 || slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u.ID == mod || u.ID == carol }) {
				t.Errorf("#%s: %.80q pings everyone %v, roles %v, users %v", c.Name, m.Content, m.MentionEveryone, m.MentionRoles, m.Mentions)
			}
		}
	}
	if quoted < 3 {
		t.Errorf("only %d messages quote the injected mentions; want the reminder, the poster card and the question card", quoted)
	}
	t.Logf("%d messages checked, %d quote the injected mentions; none pings", checked, quoted)
}

// TestExpiredInteraction delays the bot's callback past Discord's deadline (as a
// slow network would): Discord answers 10062 Unknown interaction, the bot logs
// it and moves on, and the next command is answered. The deadline is 1 s here,
// not 3 s, so that the callback arrives late yet within the bot's own budget
// for it (which ends before 3 s).
func TestExpiredInteraction(t *testing.T) {
	fake, err := discordtest.NewServer(discordtest.WithServerMembersIntent(), discordtest.WithInteractionDeadline(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.AddRole("Moderators", 0)
	args, _ := liveProgram(t, t.TempDir(), time.Now(), "0s", []testSession{{id: "later", kind: "panel", title: "Much Later Panel", in: time.Hour}})
	stop, logs := startBot(t, fake, args)
	waitFor(t, 20*time.Second, "commands registered", func() bool { return fake.Connected() && len(fake.Commands()) > 0 })

	const callback = "POST /interactions/{interaction_id}/{interaction_token}/callback"
	fake.Fail(discordtest.Fault{Route: callback, Delay: 1500 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := fake.Interact(ctx, discordtest.Slash("/next")); err == nil {
		t.Fatalf("a callback delayed past the deadline was accepted: %+v", r)
	}
	// The bot hears 10062 and logs it with the interaction.
	defer func() {
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	}()
	waitFor(t, 10*time.Second, "the bot to log the expired interaction", func() bool {
		return strings.Contains(logs.String(), "Unknown interaction") || strings.Contains(logs.String(), "10062")
	})
	r, err := fake.Interact(ctx, discordtest.Slash("/next"))
	if err != nil || !strings.Contains(r.Content, "Much Later Panel") {
		t.Errorf("/next after an expired interaction: %v %+v", err, r)
	}
	if code := stop(); code != 0 {
		t.Errorf("bot exited %d", code)
	}
	// The only violation is the late callback the delay caused.
	for _, v := range fake.Violations() {
		if v.Rule != discordtest.RuleInteraction || !strings.Contains(v.Detail, "first callback after") {
			t.Errorf("violation: %s", v)
		}
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "10062") || strings.Contains(l, "Unknown interaction") {
			t.Logf("bot log: %s", l)
			break
		}
	}
}

// TestHugeFilesRefusedAtStart: a 10 MB schedule.yaml or posters.csv stops
// `check` and the bot before anything runs, with the file's size and the limit.
func TestHugeFilesRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	args, _ := liveProgram(t, dir, time.Now(), "0s", []testSession{{id: "later", kind: "panel", title: "Much Later Panel", in: time.Hour}})
	pad := bytes.Repeat([]byte("# padding to make the file ten megabytes\n"), (10<<20)/41+1)
	for _, tc := range []struct{ file, limit string }{{"schedule.yaml", "1 MiB"}, {"posters.csv", "4 MiB"}} {
		path := filepath.Join(dir, tc.file)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		big := append(append([]byte{}, orig...), pad...)
		if tc.file == "posters.csv" {
			big = append(append([]byte{}, orig...), bytes.Repeat([]byte("x,1,A poster of padding\n"), (10<<20)/24+1)...)
		}
		if err := os.WriteFile(path, big, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]string{append([]string{"check"}, args...), args} {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), cmd, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			want := fmt.Sprintf("%s: file is 10.0 MiB (%d bytes), more than the %s limit", path, len(big), tc.limit)
			if code != 1 || !strings.Contains(stderr.String(), want) {
				t.Errorf("%s with a 10 MB %s: exit %d, %q; want 1 and %q", cmd[0], tc.file, code, stderr.String(), want)
			}
		}
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
