package discord_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
)

// remindmeSchedule has one panel, 10:00 to 11:00 UTC on 2026-06-12.
const remindmeSchedule = `workshop:
  name: Remind Me At Scale
  timezone: UTC
  date: 2026-06-12
discord:
  moderators_role: moderators
  moderators_channel: moderators
reminders:
  leads: []
sessions:
  - {id: panel, start: "10:00", end: "11:00", kind: panel, title: The Panel}
`

// Route names the tests lift limits of, each saying why.
const (
	routeMemberRole = "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}"
	routeOpenDM     = "POST /users/@me/channels"
)

// remindHarness is a bot on the fake with a SQLite store and a pinned clock.
type remindHarness struct {
	*harness
	fake  *discordtest.Server
	bot   *bot.Bot
	db    *sqlite.DB
	clock *bottest.Clock
	mods  string // the moderators' channel
}

// remindAt is 2026-06-12 hh:mm UTC.
func remindAt(hh, mm int) time.Time { return time.Date(2026, 6, 12, hh, mm, 0, 0, time.UTC) }

func newRemindHarness(t testing.TB, fake *discordtest.Server, db *sqlite.DB) *remindHarness {
	s, err := bot.ParseSchedule("schedule.yaml", []byte(remindmeSchedule))
	if err != nil {
		t.Fatal(err)
	}
	if db == nil {
		if db, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "remind.db")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
	}
	r := &remindHarness{fake: fake, db: db, clock: bottest.NewClock(remindAt(8, 0))}
	r.harness = open(t, fake, func(c *discord.Config) {
		c.Names = s.Discord
		c.Commands = bot.Specs(features.All())
		c.Handle = func(ctx context.Context, cmd bot.Command) bot.Reply { return r.bot.Handle(ctx, cmd) }
	})
	r.bot, err = bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: s}, Clock: r.clock, Store: db, Transport: r.tr})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := fake.ChannelByName("moderators")
	r.mods = ch.ID
	return r
}

// step runs the bot at hh:mm and returns how long it took.
func (r *remindHarness) step(t testing.TB, hh, mm int) time.Duration {
	t.Helper()
	r.clock.Set(remindAt(hh, mm))
	start := time.Now()
	if _, err := r.bot.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// subscribe runs /remindme for each user, four at a time, and returns the replies.
func (r *remindHarness) subscribe(t *testing.T, users []string, args ...any) []string {
	t.Helper()
	replies := make([]string, len(users))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				in := discordtest.Command("remindme", append([]any{"session:panel"}, args...)...)
				in.UserID = users[i]
				resp, err := r.fake.Interact(context.Background(), in)
				if err != nil {
					t.Errorf("/remindme by %s: %v", users[i], err)
					continue
				}
				replies[i] = resp.Content
			}
		}()
	}
	for i := range users {
		next <- i
	}
	close(next)
	wg.Wait()
	return replies
}

func members(fake *discordtest.Server, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fake.AddMember(fmt.Sprintf("attendee%04d", i))
	}
	return out
}

// TestRemindmeRolesAtPanelScale: 300 attendees subscribe to the panel; they
// get one reminder role, made once; at the due time one message in the
// announcements mentions that role and may ping nothing else; a restart does
// not ping again; after the panel the role is gone.
func TestRemindmeRolesAtPanelScale(t *testing.T) {
	// Rate limits stay on, but 300 attendees subscribe over hours, not within
	// seconds: the per-guild bucket of role grants is lifted so that this test
	// is about the due instant. The global limit still applies.
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(), discordtest.WithRateLimit(routeMemberRole, 1000, time.Second))
	fake.AddRole("moderators", 0)
	r := newRemindHarness(t, fake, nil)
	users := members(fake, 301)
	for i, reply := range r.subscribe(t, users) {
		if !strings.Contains(reply, "mention you in the announcements") {
			t.Fatalf("reply to %s: %q", users[i], reply)
		}
	}
	// The last changes their mind: the role is taken back.
	if reply := r.subscribe(t, users[300:]); !strings.Contains(reply[0], "no reminder") {
		t.Errorf("second /remindme: %q", reply[0])
	}
	if n := count(fake.Requests(), "POST /guilds/{guild_id}/roles"); n != 1 {
		t.Errorf("%d roles created, want 1", n)
	}
	role, ok := fake.RoleByName(bot.RoleName(bot.RoleKey{SessionID: "panel", Before: bot.DefaultBefore}))
	if !ok {
		t.Fatal("no reminder role in the guild")
	}
	if role.Mentionable || role.Permissions != 0 {
		t.Errorf("reminder role mentionable %v, permissions %d: want neither", role.Mentionable, role.Permissions)
	}
	if got := fake.MembersWithRole(role.ID); !slices.Equal(got, users[:300]) {
		t.Errorf("%d members hold the role, want the 300 subscribers", len(got))
	}
	// Found again by name, not made twice (a record lost in a crash).
	if id, err := r.tr.ReminderRole(context.Background(), role.Name); err != nil || id != role.ID {
		t.Errorf("ReminderRole again = %q, %v; want %s", id, err, role.ID)
	}

	ann := channelID(t, fake, "announcements")
	before := len(fake.Messages(ann))
	took := r.step(t, 9, 50)
	msgs := fake.Messages(ann)[before:]
	if len(msgs) != 1 {
		t.Fatalf("%d announcements at 09:50, want one", len(msgs))
	}
	m := msgs[0]
	am := m.AllowedMentions
	if am == nil || len(am.Parse) != 0 || !slices.Equal(am.Roles, []string{role.ID}) || len(am.Users) != 0 {
		t.Errorf("allowed_mentions %+v, want exactly role %s", am, role.ID)
	}
	if !slices.Equal(m.MentionRoles, []string{role.ID}) || m.MentionEveryone || len(m.Mentions) != 0 || !strings.HasPrefix(m.Content, "<@&"+role.ID+">") {
		t.Errorf("pings roles %v everyone %v users %d, content %q", m.MentionRoles, m.MentionEveryone, len(m.Mentions), m.Content)
	}
	for _, u := range users {
		if len(fake.DMs(u)) != 0 {
			t.Fatalf("%s got a direct message", u)
		}
	}
	t.Logf("300 subscribers notified by one message in %s", took)
	if took > 10*time.Second {
		t.Errorf("notifying took %s, want within 10 s", took)
	}

	// Exactly once: again later, and in a new bot on the same database.
	r.step(t, 9, 52)
	r2 := newRemindHarness(t, fake, r.db)
	r2.step(t, 9, 53)
	if n := len(fake.Messages(ann)) - before; n != 1 {
		t.Errorf("%d pings after a later step and a restart, want 1", n)
	}

	r2.step(t, 11, 0)
	if _, ok := fake.RoleByName(role.Name); ok {
		t.Error("the reminder role is still there after the panel")
	}
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %+v", v)
	}
	if global, _ := fake.RateLimited(); global != 0 {
		t.Errorf("%d global 429s", global)
	}
}

// TestRemindmeFallsBackToDMsNearRoleLimit: in a guild within reach of
// Discord's 250 roles, /remindme makes no role: subscribers get direct
// messages, and the moderators are told once.
func TestRemindmeFallsBackToDMsNearRoleLimit(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("moderators", 0)
	for i := len(fake.Roles()); i < discordtest.MaxRoles-5; i++ {
		fake.AddRole(fmt.Sprintf("team %d", i), 0)
	}
	r := newRemindHarness(t, fake, nil)
	users := members(fake, 3)
	for i, reply := range r.subscribe(t, users) {
		if !strings.Contains(reply, "direct message") || !strings.Contains(reply, "no room for a reminder role") {
			t.Errorf("reply to %s: %q", users[i], reply)
		}
	}
	if n := count(fake.Requests(), "POST /guilds/{guild_id}/roles"); n != 0 {
		t.Errorf("%d role creations tried, want none", n)
	}
	var warnings int
	for _, m := range fake.Messages(r.mods) {
		if strings.Contains(m.Content, "250 roles") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings to the moderators, want 1", warnings)
	}
	r.step(t, 9, 50)
	for _, u := range users {
		if dms := fake.DMs(u); len(dms) != 1 || !strings.Contains(dms[0].Content, "The Panel") {
			t.Errorf("%s: %d direct messages, want the panel's", u, len(dms))
		}
	}
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %+v", v)
	}
}

// TestRemindmeDMsAtScale: 300 attendees ask for a direct message (dm:true);
// their DM channels are opened when they subscribe, and at the due time the
// 300 messages go out under the shared pacer: every one within 10 s, and not
// one global 429.
func TestRemindmeDMsAtScale(t *testing.T) {
	// Opening DM channels keeps its strict bucket on Discord; here 300 people
	// subscribe in a few seconds, where on the day they would over hours, so
	// the bucket is lifted for the subscriptions. Nothing is opened at the due
	// time (checked below), and the global limit stays on.
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(), discordtest.WithRateLimit(routeOpenDM, 1000, time.Second))
	fake.AddRole("moderators", 0)
	r := newRemindHarness(t, fake, nil)
	users := members(fake, 300)
	for i, reply := range r.subscribe(t, users, discordtest.Opt("dm", true)) {
		if !strings.Contains(reply, "send you a direct message") {
			t.Fatalf("reply to %s: %q", users[i], reply)
		}
	}
	if n := count(fake.Requests(), "POST /guilds/{guild_id}/roles"); n != 0 {
		t.Errorf("%d roles created for direct messages", n)
	}
	opened := count(fake.Requests(), routeOpenDM)
	took := r.step(t, 9, 50)
	for _, u := range users {
		if dms := fake.DMs(u); len(dms) != 1 {
			t.Fatalf("%s: %d direct messages, want 1", u, len(dms))
		}
	}
	if n := count(fake.Requests(), routeOpenDM) - opened; n != 0 {
		t.Errorf("%d DM channels opened at the due time, want 0 (opened when subscribing)", n)
	}
	global, route := fake.RateLimited()
	t.Logf("300 direct messages in %s; peak %d requests/s; 429s: %d global, %d per route", took, fake.PeakRate(), global, route)
	if global != 0 {
		t.Errorf("%d global 429s, want 0", global)
	}
	if took > 10*time.Second {
		t.Errorf("300 direct messages took %s, want within 10 s", took)
	}
	r.step(t, 9, 51)
	for _, u := range users[:5] {
		if n := len(fake.DMs(u)); n != 1 {
			t.Errorf("%s: %d direct messages after a later step, want 1", u, n)
		}
	}
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %+v", v[0])
	}
}

// BenchmarkRemindmeScale records, for 300 and 1,000 subscribers, the time from
// the due instant until every subscriber has been notified: by the reminder
// role (one message) and by direct messages (dm:true, channels opened
// beforehand), on the strict fake. Run it with
//
//	go test -run '^$' -bench BenchmarkRemindmeScale -benchtime 1x ./bot/discord/
func BenchmarkRemindmeScale(b *testing.B) {
	for _, mode := range []string{"role", "dm"} {
		for _, n := range []int{300, 1000} {
			b.Run(fmt.Sprintf("%s/%d", mode, n), func(b *testing.B) {
				var total time.Duration
				for range b.N {
					total += remindmeOnce(b, mode, n)
				}
				b.ReportMetric(total.Seconds()/float64(b.N), "s-to-all-notified")
			})
		}
	}
}

// remindmeOnce seeds n subscribers straight into the guild and the store (the
// subscribing is not what is measured) and times the step at the due instant.
func remindmeOnce(b *testing.B, mode string, n int) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	fake := discordtest.New(b, discordtest.WithServerMembersIntent())
	fake.AddRole("moderators", 0)
	r := newRemindHarness(b, fake, nil)
	var roleID string
	if mode == "role" {
		key := bot.RoleKey{SessionID: "panel", Before: bot.DefaultBefore}
		id, err := r.tr.ReminderRole(ctx, bot.RoleName(key))
		if err != nil {
			b.Fatal(err)
		}
		roleID = id
		if err := r.db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel", Before: bot.DefaultBefore, RoleID: id}); err != nil {
			b.Fatal(err)
		}
	}
	users := make([]string, n)
	for i := range users {
		sub := bot.Subscription{SessionID: "panel", Before: bot.DefaultBefore}
		if roleID != "" {
			sub.UserID = fake.AddMember(fmt.Sprintf("a%04d", i), roleID)
		} else {
			sub.UserID = fake.AddMember(fmt.Sprintf("a%04d", i))
			sub.DM, sub.DMChannel = true, fake.DMChannel(sub.UserID)
		}
		users[i] = sub.UserID
		if err := r.db.PutSubscription(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
	r.clock.Set(remindAt(9, 50))
	b.StartTimer()
	start := time.Now()
	if _, err := r.bot.Step(ctx); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.StopTimer()
	notified := 0
	if roleID != "" {
		for _, m := range fake.Messages(channelID(b, fake, "announcements")) {
			if slices.Contains(m.MentionRoles, roleID) {
				notified = len(fake.MembersWithRole(roleID))
			}
		}
	} else {
		for _, u := range users {
			if len(fake.DMs(u)) == 1 {
				notified++
			}
		}
	}
	if notified != n {
		b.Fatalf("%s: %d of %d notified", mode, notified, n)
	}
	if global, _ := fake.RateLimited(); global != 0 {
		b.Errorf("%d global 429s", global)
	}
	return took
}

// TestRemindmeMakesADeletedRoleAgain: a moderator deletes the reminder role
// before the panel; the next subscriber gets a new one, and the ping mentions
// the new role.
func TestRemindmeMakesADeletedRoleAgain(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("moderators", 0)
	r := newRemindHarness(t, fake, nil)
	users := members(fake, 2)
	r.subscribe(t, users[:1])
	name := bot.RoleName(bot.RoleKey{SessionID: "panel", Before: bot.DefaultBefore})
	first, ok := fake.RoleByName(name)
	if !ok {
		t.Fatal("no reminder role")
	}
	if err := r.tr.DeleteRole(context.Background(), first.ID); err != nil {
		t.Fatal(err)
	}
	if reply := r.subscribe(t, users[1:]); !strings.Contains(reply[0], "mention you") {
		t.Fatalf("reply after the role was deleted: %q", reply[0])
	}
	second, ok := fake.RoleByName(name)
	if !ok || second.ID == first.ID || !slices.Equal(fake.MembersWithRole(second.ID), users[1:]) {
		t.Fatalf("role after deletion: %+v (first %s), members %v", second, first.ID, fake.MembersWithRole(second.ID))
	}
	r.step(t, 9, 50)
	msgs := fake.Messages(channelID(t, fake, "announcements"))
	if len(msgs) != 1 {
		t.Fatalf("%d announcements, want one", len(msgs))
	}
	if !slices.Equal(msgs[0].MentionRoles, []string{second.ID}) {
		t.Errorf("the ping mentions %v, want %s", msgs[0].MentionRoles, second.ID)
	}
}
