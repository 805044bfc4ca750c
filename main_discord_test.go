package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord/discordtest"
)

// expectedReminder is a reminder a generated schedule implies.
type expectedReminder struct {
	session, title string
	lead           time.Duration
	due            time.Time
}

func expectReminders(sessions []testSession, starts map[string]time.Time, leads ...time.Duration) []expectedReminder {
	var out []expectedReminder
	for _, s := range sessions {
		for _, l := range leads {
			out = append(out, expectedReminder{session: s.id, title: s.title, lead: l, due: starts[s.id].Add(-l)})
		}
	}
	return out
}

// matchReminder finds the message that is r's reminder: its title, and "starts now"
// for a start reminder.
func matchReminder(msgs []discordtest.Message, r expectedReminder) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range msgs {
		if !strings.Contains(m.Content, r.title) {
			continue
		}
		isStart := strings.Contains(m.Content, "starts now") || strings.Contains(m.Content, "started ")
		if isStart == (r.lead == 0) {
			out = append(out, m)
		}
	}
	return out
}

var liveSessions = []testSession{
	{id: "talk", kind: "invited", title: "Neural Operators Live", in: 9 * time.Second, extra: "    speakers: [Ada Lovelace]\n"},
	{id: "posters", kind: "posters", title: "Poster Session One", in: 12 * time.Second, extra: "    poster_session: 1\n"},
	{id: "panel", kind: "panel", title: "The Closing Panel", in: 15 * time.Second},
}

// TestDiscordRemindersOnTime runs the real wiring against the fake Discord: every
// reminder lands in #announcements, with the right content, within one second of
// its due time, and never before it.
func TestDiscordRemindersOnTime(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	now := time.Now()
	args, starts := liveProgram(t, t.TempDir(), now, "4s, 0s", liveSessions)
	stop, logs := startBot(t, fake, args)
	want := expectReminders(liveSessions, starts, 4*time.Second, 0)
	waitFor(t, 40*time.Second, "6 reminders", func() bool { return len(announcements(fake)) >= len(want) })
	time.Sleep(500 * time.Millisecond) // anything extra would arrive now
	msgs := announcements(fake)
	if len(msgs) != len(want) {
		t.Errorf("got %d messages in #announcements, want %d", len(msgs), len(want))
	}
	for _, r := range want {
		got := matchReminder(msgs, r)
		if len(got) != 1 {
			t.Errorf("%s/%s: %d messages, want 1", r.session, r.lead, len(got))
			continue
		}
		m := got[0]
		late := m.Received.Sub(r.due)
		t.Logf("%s/%s posted %v after its due time", r.session, r.lead, late)
		if late < 0 || late > time.Second {
			t.Errorf("%s/%s: posted %v after its due time, want within [0, 1s]", r.session, r.lead, late)
		}
		link := "https://example.org/live"
		if r.session == "posters" {
			link = "https://example.org/gather"
		}
		if !strings.Contains(m.Content, link) {
			t.Errorf("%s/%s lacks %s:\n%s", r.session, r.lead, link, m.Content)
		}
		if m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 {
			t.Errorf("%s/%s: allowed_mentions %+v, want parse []", r.session, r.lead, m.AllowedMentions)
		}
		if m.Nonce == "" {
			t.Errorf("%s/%s: posted without a nonce", r.session, r.lead)
		}
	}
	if !strings.Contains(matchReminder(msgs, want[0])[0].Content, "Ada Lovelace") {
		t.Errorf("talk reminder does not name its speaker")
	}
	if code := stop(); code != 0 {
		t.Errorf("run exited %d\n%s", code, logs.String())
	}
}

// TestDiscordRemindersThroughFaults injects 429s and 502s (one after Discord already
// created the message) on message posts: every reminder still appears exactly once.
func TestDiscordRemindersThroughFaults(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	const route = "POST /channels/{channel_id}/messages"
	fake.Fail(discordtest.Fault{Route: route, Status: 429, RetryAfter: 300 * time.Millisecond, Count: 2})
	now := time.Now()
	sessions := liveSessions[:2]
	args, starts := liveProgram(t, t.TempDir(), now, "3s, 0s", sessions)
	stop, logs := startBot(t, fake, args)
	want := expectReminders(sessions, starts, 3*time.Second, 0)
	// Arm the 5xx faults once the first reminder is through: they hit the next posts.
	waitFor(t, 40*time.Second, "first reminder", func() bool { return len(announcements(fake)) >= 1 })
	fake.Fail(discordtest.Fault{Route: route, Status: 502, Count: 2})
	fake.Fail(discordtest.Fault{Route: route, Status: 502, AfterCommit: true, Count: 1})
	waitFor(t, 40*time.Second, "every reminder", func() bool { return len(announcedReminders(fake)) >= len(want) })
	time.Sleep(time.Second)
	msgs := announcedReminders(fake)
	for _, r := range want {
		if n := len(matchReminder(msgs, r)); n != 1 {
			t.Errorf("%s/%s: %d messages, want exactly 1", r.session, r.lead, n)
		}
	}
	if len(msgs) != len(want) {
		t.Errorf("%d messages, want %d", len(msgs), len(want))
	}
	var posts, failed int
	for _, req := range fake.Requests() {
		if req.Route == route {
			posts++
			if req.Status >= 400 {
				failed++
			}
		}
	}
	if failed < 4 {
		t.Errorf("only %d message posts failed; the faults did not fire", failed)
	}
	t.Logf("%d message posts, %d answered with an error, %d reminders, each once", posts, failed, len(want))
	stop()
	if strings.Contains(logs.String(), "reminder failed") {
		t.Errorf("a reminder was given up:\n%s", logs.String())
	}
}

// TestDiscordGatewayDropped drops the gateway twice (a resumable close and an
// abnormal one): the bot comes back and answers an injected command.
func TestDiscordGatewayDropped(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	args, _ := liveProgram(t, t.TempDir(), time.Now(), "0s", []testSession{{id: "later", kind: "panel", title: "Much Later Panel", in: time.Hour}})
	stop, _ := startBot(t, fake, args)
	waitFor(t, 20*time.Second, "commands registered", func() bool { return len(fake.Commands()) > 0 })
	for _, code := range []int{4000, discordtest.CloseAbnormal} {
		fake.DropGateway(code)
		var resp *discordtest.InteractionResponse
		waitFor(t, 20*time.Second, fmt.Sprintf("an answer after close %d", code), func() bool {
			if !fake.Connected() {
				return false
			}
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			defer cancel()
			r, err := fake.Interact(ctx, discordtest.Slash("/next"))
			resp = r
			return err == nil
		})
		if !strings.Contains(resp.Content, "Much Later Panel") || !resp.Ephemeral() {
			t.Errorf("after close %d: /next answered %q (ephemeral %v)", code, resp.Content, resp.Ephemeral())
		}
	}
	stop()
}

// TestDiscordKilledAndRestarted kills the bot (SIGKILL) after its first reminder
// and starts it again 2 s later on the same database: no reminder twice, and the
// ones due while it was down are posted (they are within the catch-up window).
func TestDiscordKilledAndRestarted(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	sessions := []testSession{
		{id: "one", kind: "invited", title: "Talk Number One", in: 8 * time.Second},
		{id: "two", kind: "spotlight", title: "Talk Number Two", in: 10 * time.Second},
		{id: "three", kind: "spotlight", title: "Talk Number Three", in: 13 * time.Second},
		{id: "four", kind: "closing", title: "Closing Words", in: 16 * time.Second},
	}
	args, starts := liveProgram(t, t.TempDir(), time.Now(), "2s, 0s", sessions)
	want := expectReminders(sessions, starts, 2*time.Second, 0)
	env := fakeEnviron(fake)
	start := func() (*exec.Cmd, *lockedBuffer) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		logs := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, logs
	}
	first, _ := start()
	waitFor(t, 30*time.Second, "first reminder", func() bool { return len(announcements(fake)) >= 1 })
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := time.Now()
	time.Sleep(2 * time.Second)
	second, logs := start()
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	waitFor(t, 40*time.Second, "every reminder", func() bool { return len(announcedReminders(fake)) >= len(want) })
	time.Sleep(time.Second)
	msgs := announcedReminders(fake)
	downDue := 0
	for _, r := range want {
		if n := len(matchReminder(msgs, r)); n != 1 {
			t.Errorf("%s/%s: %d messages, want exactly 1\n%s", r.session, r.lead, n, logs.String())
		}
		if r.due.After(killedAt) && r.due.Before(killedAt.Add(2*time.Second)) {
			downDue++
		}
	}
	if len(msgs) != len(want) {
		t.Errorf("%d messages, want %d", len(msgs), len(want))
	}
	t.Logf("%d reminders fell due while the bot was down; all %d posted once", downDue, len(want))
}

// TestDiscordSIGTERM stops the bot with SIGTERM: it exits 0 within 5 s.
func TestDiscordSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	args, _ := liveProgram(t, t.TempDir(), time.Now(), "0s", []testSession{{id: "later", kind: "panel", title: "Much Later Panel", in: time.Hour}})
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	for k, v := range fakeEnv(fake) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "commands registered", func() bool { return len(fake.Commands()) > 0 })
	time.Sleep(200 * time.Millisecond)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(sent)
	if err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	t.Logf("stopped %v after SIGTERM", took)
	if took > 5*time.Second {
		t.Errorf("took %v to stop, want under 5 s", took)
	}
}

// TestDiscordBundledDayAt1000x rehearses the bundled DLDE day against the fake
// with Discord's rate limits (5 messages per 5 s per channel, 50 requests per
// second) at 1000x: 17 virtual hours in about a minute. Every session is named
// in #announcements, and no message is posted twice. At that speed a session
// lasts about a second, so a reminder delayed by the rate limits falls due
// together with the session's next one: they must supersede and bundle, not
// queue up and be skipped.
func TestDiscordBundledDayAt1000x(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a rehearsed day takes about a minute")
	}
	if raceEnabled {
		// At 1000x a 10-minute session lasts 0.6 s: the race detector's
		// slowdown makes reminders miss their sessions. CI runs this test
		// without -race as a step of its own (.ci/run).
		t.Skip("a rehearsal at 1000x needs the bot at full speed; run without -race")
	}
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(), discordtest.WithRateLimits()) // rate limits explicit, whatever the fake's default
	fake.AddRole("Moderators", 0)
	prog, _, err := bot.FileSource("schedule.yaml", "posters.csv")()
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, s := range prog.Schedule.Sessions {
		titles[s.Title] = true
	}
	plan := bot.Plan(prog.Schedule)
	first, last := plan[0].Due.Add(-time.Minute), plan[len(plan)-1].Due
	dir := t.TempDir()
	_, logs := startBot(t, fake, []string{"--schedule", "schedule.yaml", "--posters", "posters.csv", "--db", filepath.Join(dir, "bot.db"),
		"--clock", first.Format(time.RFC3339), "--speed", "1000"})
	// The last reminder falls due (last-first)/1000 after the start; allow as
	// much again for the rate limits.
	realDay := time.Duration(float64(last.Sub(first)) / 1000)
	named := func() map[string]bool {
		got := map[string]bool{}
		for _, m := range announcements(fake) {
			for title := range titles {
				if strings.Contains(m.Content, "**"+title+"**") {
					got[title] = true
				}
			}
		}
		return got
	}
	waitFor(t, 2*realDay+30*time.Second, "the closing's start reminder", func() bool {
		for _, m := range announcements(fake) {
			if strings.Contains(m.Content, "**Final Remarks**") && strings.Contains(m.Content, "starts now") {
				return true
			}
		}
		return false
	})
	got := named()
	for title := range titles {
		if !got[title] {
			t.Errorf("no announcement names %q", title)
		}
	}
	seen := map[string]bool{}
	for _, m := range announcements(fake) {
		if seen[m.Content] {
			t.Errorf("posted twice:\n%s", m.Content)
		}
		seen[m.Content] = true
	}
	t.Logf("%d sessions named in %d messages", len(got), len(seen))
	if t.Failed() {
		t.Logf("log:\n%s", logs.String())
	}
}
