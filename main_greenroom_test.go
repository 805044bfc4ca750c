package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"workshopbot/bot/discord/discordtest"
)

// TestGreenRoomKilledAndRestarted runs the green room of two talks on the fake
// Discord in real time, kills the bot (SIGKILL) after the first check-in post
// and starts it again 2 s later on the same database: every ping (check-ins
// and nudges in the green room, escalations to the moderators, nudges and the
// briefing by DM) arrives exactly once, those due while it was down included.
func TestGreenRoomKilledAndRestarted(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	weinan, carol, neha := fake.AddMember("weinan"), fake.AddMember("carol"), fake.AddMember("neha")
	dir := t.TempDir()
	now := time.Now()
	start := func(in time.Duration) string { return now.Add(in).Truncate(time.Second).Format(time.RFC3339) }
	src := fmt.Sprintf(`workshop:
  name: Green Room Kill Test
  timezone: America/New_York
  date: %s
reminders:
  leads: [0s]
green_room:
  checkin: 8s
  nudges: [6s, 2s]
  escalate: 4s
  briefing: 2s
sessions:
  - id: one
    start: %q
    kind: invited
    title: Talk One
    checkin: [weinan]
    chair: %q
  - id: two
    start: %q
    kind: invited
    title: Talk Two
    checkin: [neha]
`, now.In(time.UTC).Format("2006-01-02"), start(14*time.Second), carol, start(20*time.Second))
	sched := filepath.Join(dir, "schedule.yaml")
	if err := os.WriteFile(sched, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	posters := filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(posters, []byte("id,session,title\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--schedule", sched, "--posters", posters, "--db", filepath.Join(dir, "bot.db"), "--http", ""}
	env := os.Environ()
	for k, v := range fakeEnv(fake) {
		env = append(env, k+"="+v)
	}
	run := func() (*exec.Cmd, *lockedBuffer) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		logs := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, logs
	}
	greenRoom := func() []discordtest.Message {
		ch, ok := fake.ChannelByName("green-room")
		if !ok {
			return nil
		}
		return fake.Messages(ch.ID)
	}
	first, firstLogs := run()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("first run:\n%s", firstLogs.String())
		}
	})
	waitFor(t, 30*time.Second, "the first check-in post", func() bool { return len(greenRoom()) >= 1 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	time.Sleep(2 * time.Second)
	second, logs := run()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("second run:\n%s", logs.String())
		}
	})
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	waitFor(t, 40*time.Second, "the last nudge", func() bool { return len(fake.DMs(neha)) >= 1 && len(greenRoom()) >= 4 })
	time.Sleep(time.Second) // anything repeated would come now
	count := func(msgs []discordtest.Message, prefix string) int {
		n := 0
		for _, m := range msgs {
			if strings.HasPrefix(m.Content, prefix) {
				n++
			}
		}
		return n
	}
	mods, _ := fake.ChannelByName("workshop-moderators")
	for _, c := range []struct {
		what string
		got  int
		want int
	}{
		{"check-in posts", count(greenRoom(), "🎬"), 2},
		{"green-room nudges", count(greenRoom(), "⏳"), 2},
		{"escalations", count(fake.Messages(mods.ID), "🚨"), 2},
		{"weinan's DMs (a nudge)", len(fake.DMs(weinan)), 1},
		{"carol's DMs (a nudge, the briefing)", len(fake.DMs(carol)), 2},
		{"neha's DMs (a nudge)", len(fake.DMs(neha)), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want exactly %d", c.what, c.got, c.want)
		}
	}
}
