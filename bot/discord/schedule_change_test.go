package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"

	"workshopbot/bot/bottest"
)

// replayBase is the first revision of the program; later revisions edit its text
// as an organizer would. The date is three days from now, so that Discord (the
// fake checks the wall clock) accepts its scheduled events.
const replayBase = `# Replay workshop: revisions of this file are applied while the bot runs.
workshop:
  name: Replay Workshop
  short_name: RW
  timezone: America/New_York
  date: {{DATE}}
  links:
    livestream: https://example.org/live
    gathertown: https://example.org/gather
discord:
  announcements: announcements
  panel_questions: panel-questions
  moderators_channel: moderators
  moderators_role: moderators
  events: [invited, spotlight, panel, posters]
reminders:
  leads: [15m, 0m]
  reload: "@every 1h"
  catch_up: 5m
sessions:
  - id: opening
    start: "08:00"
    kind: opening
    title: Opening
  - id: invited-1
    start: "08:15"
    kind: invited
    title: Invited Talk 1
    speakers: [Ada]
  - id: invited-2
    start: "09:00"
    kind: invited
    title: Invited Talk 2
    speakers: [Bob]
  - id: spotlight-1
    start: "09:45"
    kind: spotlight
    title: Spotlight 1
  - id: panel
    start: "11:20"
    kind: panel
    title: Panel discussion
  - id: posters-1
    start: "12:00"
    kind: posters
    poster_session: 1
    title: Poster Session 1
  - id: closing
    start: "13:00"
    end: "13:30"
    kind: closing
    title: Closing remarks
`

// world is a running bot on the fake Discord: the real transport, the SQLite
// store, the reloader on the files, and a virtual clock.
type world struct {
	t     *testing.T
	fake  *discordtest.Server
	clock *bottest.Clock
	sched string
	src   bot.Source
	loc   *time.Location
	day   time.Time
	logs  *logBuffer

	db   *sqlite.DB
	tr   *discord.Transport
	b    *bot.Bot
	r    *bot.Reloader
	stop func()
}

func newWorld(t *testing.T) *world {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 3).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	dir := t.TempDir()
	w := &world{t: t, fake: discordtest.New(t, discordtest.WithServerMembersIntent()), clock: bottest.NewClock(day.Add(7 * time.Hour)), loc: loc, day: day, logs: &logBuffer{}}
	w.fake.AddRole("moderators", 0)
	w.sched = filepath.Join(dir, "schedule.yaml")
	posters := filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.write(strings.ReplaceAll(replayBase, "{{DATE}}", day.Format(time.DateOnly)))
	w.src = bot.FileSource(w.sched, posters)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", w.logs)
		}
	})
	return w
}

func (w *world) write(text string) {
	w.t.Helper()
	if err := os.WriteFile(w.sched, []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) edit(old, new string) {
	w.t.Helper()
	data, err := os.ReadFile(w.sched)
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		w.t.Fatalf("revision: %q not in schedule.yaml", old)
	}
	w.write(strings.Replace(string(data), old, new, 1))
}

// start opens the transport and runs a bot on dbPath, as main does.
func (w *world) start(dbPath string, run bool) {
	w.t.Helper()
	ctx := context.Background()
	prog, version, err := w.src()
	if err != nil {
		w.t.Fatal(err)
	}
	if w.db, err = sqlite.Open(ctx, dbPath); err != nil {
		w.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var b *bot.Bot
	w.tr, err = discord.New(discord.Config{
		Token: discordtest.Token, APIBase: w.fake.URL(), GuildID: w.fake.GuildID(),
		Names: prog.Schedule.Discord, Commands: bot.Specs(features.All()), Logger: log,
		Handle: func(ctx context.Context, c bot.Command) bot.Reply { return b.Handle(ctx, c) },
	})
	if err != nil {
		w.t.Fatal(err)
	}
	b, err = bot.New(bot.Config{Features: features.All(), Program: prog, Clock: w.clock, Store: w.db, Transport: w.tr, Logger: log})
	if err != nil {
		w.t.Fatal(err)
	}
	w.b = b
	octx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := w.tr.Open(octx); err != nil {
		w.t.Fatalf("open: %v", err)
	}
	w.r = bot.NewReloader(b, w.src, version.Version)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	if run {
		go func() { done <- b.Run(rctx, bot.RunOptions{}) }()
	} else {
		done <- nil
	}
	w.stop = func() {
		stop()
		if err := <-done; err != nil {
			w.t.Errorf("Run: %v", err)
		}
		if err := w.tr.Close(); err != nil {
			w.t.Errorf("Close: %v", err)
		}
		w.db.Close()
	}
	w.t.Cleanup(func() {
		if w.stop != nil {
			w.stop()
			w.stop = nil
		}
	})
}

func (w *world) shutdown() {
	w.stop()
	w.stop = nil
}

func (w *world) at(hhmm string) time.Time {
	t, err := time.ParseInLocation("15:04", hhmm, w.loc)
	if err != nil {
		w.t.Fatal(err)
	}
	return time.Date(w.day.Year(), w.day.Month(), w.day.Day(), t.Hour(), t.Minute(), 0, 0, w.loc)
}

// await waits for cond, or fails the test with what it last said.
func (w *world) await(what string, cond func() string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var last string
	if err := w.fake.WaitFor(ctx, func(*discordtest.Server) bool { last = cond(); return last == "" }); err != nil {
		w.t.Fatalf("%s: %s", what, last)
	}
}

// pending is the bot's pending reminders as "session/lead@HH:MM".
func (w *world) pending() string {
	rs, err := w.b.Pending(context.Background())
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, r := range rs {
		lead := strings.TrimSuffix(strings.TrimSuffix(r.Key.Lead.String(), "0s"), "m0")
		if r.Key.Lead == 0 {
			lead = "0m"
		}
		out = append(out, fmt.Sprintf("%s/%s@%s", r.Key.SessionID, lead, r.Due.In(w.loc).Format("15:04")))
	}
	return strings.Join(out, " ")
}

// advance moves the clock to hhmm, one due reminder at a time, waiting for the bot
// to settle each (a reminder is posted only while its session runs).
func (w *world) advance(hhmm string) {
	w.t.Helper()
	to := w.at(hhmm)
	for {
		rs, err := w.b.Pending(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if len(rs) == 0 || rs[0].Due.After(to) {
			break
		}
		due := rs[0].Due
		w.clock.Set(due)
		w.await("reminders due at "+due.In(w.loc).Format("15:04"), func() string {
			rs, _ := w.b.Pending(context.Background())
			if len(rs) > 0 && !rs[0].Due.After(due) {
				return "still pending: " + w.pending()
			}
			return ""
		})
	}
	w.clock.Set(to)
}

var offsetRE = regexp.MustCompile(` [-+]\d\d:\d\d`)

// posts are the channel's messages as a reader in the workshop's zone sees them.
func (w *world) posts(channel string) []string {
	ch, ok := w.fake.ChannelByName(channel)
	if !ok {
		return nil
	}
	var out []string
	for _, m := range w.fake.Messages(ch.ID) {
		out = append(out, offsetRE.ReplaceAllString(bot.RenderTimestamps(m.Content, w.loc, w.clock.Now()), ""))
	}
	return out
}

func (w *world) notices() []string {
	var out []string
	for _, p := range w.posts("announcements") {
		if strings.HasPrefix(p, "📅") || strings.HasPrefix(p, "🎬") {
			out = append(out, p)
		}
	}
	return out
}

// eventsMatch says how the fake's live scheduled events differ from the program:
// one per mirrored session, with its title and times, and none for anything else.
func (w *world) eventsMatch() string {
	s := w.b.Program().Schedule
	want := map[string]bot.Session{}
	for _, sess := range s.Sessions {
		if s.Discord.Events.Has(sess.Kind) {
			want[sess.ID] = sess
		}
	}
	var problems []string
	seen := map[string]int{}
	for _, e := range w.fake.Events() {
		if e.Status != 1 && e.Status != 2 {
			continue
		}
		m := regexp.MustCompile(`\[workshopbot:([a-z0-9-]+)\]$`).FindStringSubmatch(e.Description)
		if m == nil {
			problems = append(problems, "event without a marker: "+e.Name)
			continue
		}
		seen[m[1]]++
		sess, ok := want[m[1]]
		switch {
		case !ok:
			problems = append(problems, "live event for "+m[1]+", which is not mirrored")
		case e.Name != sess.Title || !e.ScheduledStartTime.Equal(sess.Start) || e.ScheduledEndTime == nil || !e.ScheduledEndTime.Equal(sess.End):
			problems = append(problems, fmt.Sprintf("event %s is %q %s, want %q %s", m[1], e.Name, e.ScheduledStartTime.In(w.loc).Format("15:04"), sess.Title, sess.Start.In(w.loc).Format("15:04")))
		}
	}
	for id := range want {
		if seen[id] != 1 {
			problems = append(problems, fmt.Sprintf("session %s has %d live events, want 1", id, seen[id]))
		}
	}
	slices.Sort(problems)
	return strings.Join(problems, "; ")
}

// revise applies the file as the reloader would on its cron, and checks what the
// bars ask: the pending reminders are those the new program implies, the change is
// announced once, and the scheduled events match.
func (w *world) revise(name string, wantNotices []string, wantPending string) {
	w.t.Helper()
	w.r.Check(context.Background())
	w.r.Check(context.Background()) // a second look at the same files changes nothing
	w.await(name+": notices", func() string {
		if got := w.notices(); !slices.Equal(got, wantNotices) {
			return fmt.Sprintf("notices:\n%s\nwant:\n%s", strings.Join(got, "\n---\n"), strings.Join(wantNotices, "\n---\n"))
		}
		return ""
	})
	if got := w.pending(); got != wantPending {
		w.t.Errorf("%s: pending reminders:\n got %s\nwant %s", name, got, wantPending)
	}
	w.await(name+": scheduled events", w.eventsMatch)
}

// TestProgramRevisionsOnDiscord replays real-looking revisions of the program into
// a running bot against the fake Discord.
func TestProgramRevisionsOnDiscord(t *testing.T) {
	w := newWorld(t)
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	w.start(dbPath, true)
	w.await("first sync of scheduled events", w.eventsMatch)
	w.advance("08:16")
	// Four reminders in three posts: the opening's start and invited-1's
	// 15-minute reminder fall due together, at 08:00, and share one.
	if p := w.posts("announcements"); len(p) != 3 || !strings.Contains(p[1], "Opening") || !strings.Contains(p[1], "Invited Talk 1") {
		t.Fatalf("by 08:16: %d posts, want 3 carrying 4 reminders (opening and invited-1, 15m and 0m):\n%s", len(p), strings.Join(p, "\n---\n"))
	}

	var notices []string
	notices = append(notices, "📅 **Program update**\n• **Invited Talk 1** moved from 08:15 to 10:30\n• **Invited Talk 2** moved from 09:00 to 11:00")
	w.edit(`start: "08:15"`, `start: "10:30"`)
	w.edit(`start: "09:00"`, `start: "11:00"`)
	w.revise("sessions moved by hours", notices,
		"spotlight-1/15m@09:30 spotlight-1/0m@09:45 invited-1/15m@10:15 invited-1/0m@10:30 invited-2/15m@10:45 invited-2/0m@11:00 "+
			"panel/15m@11:05 panel/0m@11:20 posters-1/15m@11:45 posters-1/0m@12:00 closing/15m@12:45 closing/0m@13:00")

	w.advance("09:46")
	notices = append(notices, "📅 **Program update**\n• Cancelled: **Poster Session 1** (was at 12:00)\n• New: Invited talk: **Invited Talk 3** — Cy at 14:00")
	w.edit("  - id: posters-1\n    start: \"12:00\"\n    kind: posters\n    poster_session: 1\n    title: Poster Session 1\n", "")
	w.edit("  - id: closing", "  - id: invited-3\n    start: \"14:00\"\n    kind: invited\n    title: Invited Talk 3\n    speakers: [Cy]\n  - id: closing")
	w.revise("one removed, one added", notices,
		"invited-1/15m@10:15 invited-1/0m@10:30 invited-2/15m@10:45 invited-2/0m@11:00 panel/15m@11:05 panel/0m@11:20 "+
			"closing/15m@12:45 closing/0m@13:00 invited-3/15m@13:45 invited-3/0m@14:00")

	notices = append(notices, "📅 **Program update**\n• **Invited Talk 2** is now titled **Invited Talk 2: Neural operators**\n• **Panel discussion** moved from 11:20 to 23:00")
	w.edit("title: Invited Talk 2\n", "title: \"Invited Talk 2: Neural operators\"\n")
	w.edit(`start: "11:20"`, `start: "23:00"`)
	afterPanel := "invited-1/15m@10:15 invited-1/0m@10:30 invited-2/15m@10:45 invited-2/0m@11:00 closing/15m@12:45 closing/0m@13:00 " +
		"invited-3/15m@13:45 invited-3/0m@14:00 panel/15m@22:45 panel/0m@23:00"
	w.revise("a title changed, the panel moved from morning to night", notices, afterPanel)

	// A broken revision: the last good program stays, the moderators hear once.
	w.edit(`start: "13:00"`, `start: "25:00"`)
	w.revise("a broken revision", notices, afterPanel)
	w.r.Check(context.Background())
	var warnings []string
	for _, p := range w.posts("moderators") {
		if strings.Contains(p, "not applied") {
			warnings = append(warnings, p)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `"25:00" is not a time`) {
		t.Errorf("moderators were warned %d times (%q), want once, naming the bad time", len(warnings), warnings)
	}

	w.advance("10:31")
	notices = append(notices, "📅 **Program update**\n• 🎬 Recording of **Invited Talk 1** is up: <https://example.org/rec/1>\n• **Closing remarks** is now titled **Closing remarks and awards**")
	w.edit(`start: "25:00"`, `start: "13:00"`)
	w.edit("title: Closing remarks\n", "title: Closing remarks and awards\n")
	w.edit("    speakers: [Ada]\n", "    speakers: [Ada]\n    recording: https://example.org/rec/1\n")
	afterFix := "invited-2/15m@10:45 invited-2/0m@11:00 closing/15m@12:45 closing/0m@13:00 invited-3/15m@13:45 invited-3/0m@14:00 panel/15m@22:45 panel/0m@23:00"
	w.revise("the final-day title fix and a recording", notices, afterFix)

	// Cosmetic: a comment, blank lines and another order announce nothing.
	w.edit("sessions:\n", "sessions:\n  # last edited during the event\n\n")
	w.edit("  - id: opening\n    start: \"08:00\"\n    kind: opening\n    title: Opening\n", "")
	data, _ := os.ReadFile(w.sched)
	w.write(string(data) + "  - id: opening\n    start: \"08:00\"\n    kind: opening\n    title: Opening\n")
	w.revise("a cosmetic edit", notices, afterFix)

	// Nothing was posted twice, and the reminders re-armed after moves were posted.
	posts := w.posts("announcements")
	seen := map[string]bool{}
	for _, p := range posts {
		if seen[p] {
			t.Errorf("posted twice:\n%s", p)
		}
		seen[p] = true
	}
	if n := len(posts) - len(notices); n != 3+2+2 {
		t.Errorf("%d reminder posts, want 7 (3 carrying 4 reminders by 08:16, spotlight-1's 2, invited-1's 2 again at its new time)", n)
	}
	cancelled := 0
	for _, e := range w.fake.Events() {
		if e.Status == 4 {
			cancelled++
			if !strings.HasSuffix(e.Description, "[workshopbot:posters-1]") {
				t.Errorf("cancelled event %q, want only the removed poster session's", e.Name)
			}
		}
	}
	if cancelled != 1 {
		t.Errorf("%d cancelled events, want 1", cancelled)
	}

	// A restart announces nothing again and creates no event again; nor does a bot
	// that lost its database (it finds its events by their marker).
	creates := count(w.fake.Requests(), "POST /guilds/{guild_id}/scheduled-events")
	w.shutdown()
	for _, db := range []string{dbPath, filepath.Join(t.TempDir(), "lost.db")} {
		w.start(db, false)
		if db == dbPath {
			if _, err := w.b.Step(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.b.SyncEvents(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := w.notices(); !slices.Equal(got, notices) {
			t.Errorf("after a restart on %s: %d notices, want %d", filepath.Base(db), len(got), len(notices))
		}
		if n := count(w.fake.Requests(), "POST /guilds/{guild_id}/scheduled-events"); n != creates {
			t.Errorf("after a restart on %s: %d event creations, want still %d", filepath.Base(db), n, creates)
		}
		if msg := w.eventsMatch(); msg != "" {
			t.Errorf("after a restart on %s: %s", filepath.Base(db), msg)
		}
		w.shutdown()
	}
}

// TestRemindMeOnDiscord: /remindme dm:true subscribes (and unsubscribes) an
// attendee to a direct message; the DM goes out once at the right time, across
// a restart; a user who refuses DMs is recorded as failed and not tried again.
// (Without dm:true a subscriber gets a reminder role: remindme_test.go.)
func TestRemindMeOnDiscord(t *testing.T) {
	w := newWorld(t)
	alice := w.fake.AddMember("alice")
	bob := w.fake.AddMember("bob")
	w.fake.CloseDMs(bob)
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	w.start(dbPath, true)
	ctx := context.Background()
	ask := func(user string, args ...any) string {
		t.Helper()
		in := discordtest.Command("remindme", args...)
		in.UserID = user
		resp, err := w.fake.Interact(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Content
	}
	dm := discordtest.Opt("dm", true)
	if got := ask(alice, "session:panel", dm); !strings.Contains(got, "I will send you a direct message 10 minutes before **Panel discussion**") {
		t.Errorf("alice subscribes: %q", got)
	}
	if got := ask(alice, "session:invited-2", "before:30", dm); !strings.Contains(got, "30 minutes before") {
		t.Errorf("alice subscribes with before: %q", got)
	}
	if got := ask(alice, "session:invited-2"); !strings.Contains(got, "no reminder") {
		t.Errorf("alice unsubscribes: %q", got)
	}
	ask(bob, "session:panel", dm)

	w.clock.Set(w.at("11:10"))
	w.await("the DM to alice", func() string {
		if n := len(w.fake.DMs(alice)); n != 1 {
			return fmt.Sprintf("%d DMs to alice", n)
		}
		return ""
	})
	recs, err := w.db.DMRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.await("bob's refusal recorded", func() string {
		recs, _ = w.db.DMRecords(ctx)
		for _, r := range recs {
			if r.Key.UserID == bob && r.Status == bot.StatusFailed && strings.Contains(r.Error, "does not accept direct messages") {
				return ""
			}
		}
		return fmt.Sprintf("records: %+v", recs)
	})
	msg := w.fake.DMs(alice)[0]
	if !strings.Contains(msg.Content, "Panel discussion") || msg.AllowedMentions == nil || len(msg.AllowedMentions.Parse) != 0 {
		t.Errorf("DM = %q (allowed mentions %+v), want the panel, pinging nobody", msg.Content, msg.AllowedMentions)
	}
	w.shutdown()

	w.start(dbPath, false)
	w.clock.Set(w.at("11:15"))
	if _, err := w.b.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(w.fake.DMs(alice)); n != 1 {
		t.Errorf("after a restart: %d DMs to alice, want still 1", n)
	}
	if n := count(w.fake.Requests(), "POST /channels/{channel_id}/messages"); n == 0 {
		t.Error("no message requests at all")
	}
	bobTries := 0
	for _, r := range w.fake.Requests() {
		if r.Route == "POST /users/@me/channels" && strings.Contains(string(r.Body), bob) {
			bobTries++
		}
	}
	if bobTries != 1 {
		t.Errorf("bob's DM channel opened %d times, want 1 (when he subscribed; a refusal is not retried)", bobTries)
	}
}
