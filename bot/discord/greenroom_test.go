package discord_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
)

// TestGreenRoomOnDiscord runs a morning of the green room on the strict fake:
// the channel is private (the moderators and the listed people see it, no one
// else), every overwrite the bot writes is one Discord accepts from it, each
// message may ping exactly the people it is for, and someone not listed cannot
// check in.
func TestGreenRoomOnDiscord(t *testing.T) {
	ctx := context.Background()
	fake, modRole, _ := newFake(t)
	mod := fake.AddMember("mod", modRole)
	weinan, carol, neha, mallory := fake.AddMember("weinan"), fake.AddMember("carol"), fake.AddMember("neha"), fake.AddMember("mallory")
	src := fmt.Sprintf(`workshop:
  name: Green Room On Discord
  timezone: America/New_York
  date: 2021-12-14
discord:
  moderators_role: moderators
  moderators_channel: moderators
reminders:
  leads: []
sessions:
  - id: a
    start: "07:00"
    kind: invited
    title: Talk A
    checkin: [weinan]
    chair: "%s"
  - id: b
    start: "08:00"
    kind: invited
    title: Talk B
    checkin: ["@neha", ghost.speaker]
`, carol)
	s, err := bot.ParseSchedule("schedule.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	prog := &bot.Program{Schedule: s}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "green.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	et, _ := time.LoadLocation("America/New_York")
	clock := bottest.NewClock(time.Date(2021, 12, 14, 6, 0, 0, 0, et))
	var b *bot.Bot
	h := open(t, fake, func(c *discord.Config) {
		c.Names = s.Discord
		c.Commands = bot.Specs(features.All())
		c.Handle = func(ctx context.Context, cmd bot.Command) bot.Reply { return b.Handle(ctx, cmd) }
		c.OnMemberJoin = func(u bot.User) { b.MemberJoined(u) }
	})
	b, err = bot.New(bot.Config{Features: features.All(), Program: prog, Clock: clock, Store: db, Questions: db, Transport: h.tr})
	if err != nil {
		t.Fatal(err)
	}
	step := func(hh, mm int) {
		t.Helper()
		clock.Set(time.Date(2021, 12, 14, hh, mm, 0, 0, et))
		if _, err := b.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step(6, 0)

	green := channelID(t, fake, "green-room")
	for _, c := range []struct {
		who  string
		id   string
		sees bool
	}{{"mod", mod, true}, {"weinan", weinan, true}, {"carol", carol, true}, {"neha", neha, true}, {"mallory", mallory, false}} {
		if got := fake.Permissions(c.id, green)&discordgo.PermissionViewChannel != 0; got != c.sees {
			t.Errorf("%s sees #green-room: %v, want %v", c.who, got, c.sees)
		}
	}
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %+v", v)
	}
	modChan := channelID(t, fake, "moderators")
	if m := fake.Messages(modChan); len(m) != 1 || !strings.Contains(m[0].Content, "not in the server (yet)") || !strings.Contains(m[0].Content, "@ghost.speaker") {
		t.Errorf("#moderators: %+v, want one notice naming ghost.speaker", m)
	}

	step(6, 30)
	msgs := fake.Messages(green)
	if len(msgs) != 1 {
		t.Fatalf("#green-room has %d messages at 06:30, want the check-in", len(msgs))
	}
	checkPings(t, "check-in of a", msgs[0], weinan, carol)
	if !strings.Contains(msgs[0].Content, "<@"+weinan+">") || !strings.Contains(msgs[0].Content, "<@"+carol+">") {
		t.Errorf("check-in does not mention the listed people: %q", msgs[0].Content)
	}

	// Mallory is not listed: refused, nothing recorded. Weinan presses.
	r, err := fake.Interact(ctx, discordtest.Interaction{Name: "checkin", Options: []discordtest.CommandOption{discordtest.Opt("session", "a")}, UserID: mallory})
	if err != nil || !strings.Contains(r.Content, "not listed") || !r.Ephemeral() {
		t.Errorf("mallory's /checkin: %v %q", err, r.Content)
	}
	press := discordtest.Button("checkin:a", msgs[0].ID)
	press.UserID, press.ChannelID = weinan, green
	if r, err := fake.Interact(ctx, press); err != nil || !strings.Contains(r.Content, "Checked in") {
		t.Fatalf("weinan's press: %v %+v", err, r)
	}
	step(6, 31)
	if m := fake.Messages(green)[0]; !strings.Contains(m.Content, "✅ In: <@"+weinan+">") {
		t.Errorf("check-in not edited after weinan's press: %q", m.Content)
	}

	step(6, 45)
	msgs = fake.Messages(green)
	if len(msgs) != 2 {
		t.Fatalf("#green-room has %d messages at 06:45, want the check-in and a nudge", len(msgs))
	}
	checkPings(t, "nudge of a", msgs[1], carol)

	step(6, 50)
	mods := fake.Messages(channelID(t, fake, "moderators"))
	if len(mods) == 0 || !strings.Contains(mods[len(mods)-1].Content, "not checked in: <@"+carol+">") {
		t.Fatalf("no escalation naming carol in #moderators: %+v", mods)
	}
	checkPings(t, "escalation", mods[len(mods)-1])

	step(6, 55)
	if n := len(fake.DMs(carol)); n != 2 {
		t.Errorf("carol has %d DMs, want the nudge and the briefing", n)
	}
	if n := len(fake.DMs(weinan)); n != 0 {
		t.Errorf("weinan (checked in) has %d DMs, want 0", n)
	}
	// ghost.speaker joins: let in at the next step, and pinged with neha.
	ghost := fake.AddMember("ghost.speaker")
	for deadline := time.Now().Add(5 * time.Second); fake.Permissions(ghost, green)&discordgo.PermissionViewChannel == 0; {
		if time.Now().After(deadline) {
			t.Fatal("ghost.speaker joined and was not let into #green-room within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
		step(7, 0)
	}
	step(7, 30)
	checkPings(t, "check-in of b", fake.Messages(green)[2], neha, ghost)
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %+v", v)
	}
}

// checkPings checks that m may ping exactly users: no role, no @everyone, no
// one else.
func checkPings(t *testing.T, what string, m discordtest.Message, users ...string) {
	t.Helper()
	am := m.AllowedMentions
	if am == nil {
		t.Errorf("%s: no allowed_mentions", what)
		return
	}
	got := slices.Clone(am.Users)
	slices.Sort(got)
	want := slices.Clone(users)
	slices.Sort(want)
	if len(am.Parse) != 0 || len(am.Roles) != 0 || !slices.Equal(got, want) {
		t.Errorf("%s: allowed_mentions parse %v roles %v users %v, want users %v only", what, am.Parse, am.Roles, am.Users, users)
	}
}
