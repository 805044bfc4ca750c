package main

import (
	"encoding/json"
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

// TestGreenRoomKilledAndRestarted runs the green room of two talks (07:00 and
// 07:30, the default leads) on the fake Discord, on a virtual clock from 06:29 at
// 120x. It kills the bot (SIGKILL) after the first check-in post and starts it
// again at the same virtual instant on the same database: every ping (check-ins
// and nudges in the green room, escalations to the moderators, nudges and the
// briefing by DM) arrives exactly once.
func TestGreenRoomKilledAndRestarted(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	weinan, carol, neha := fake.AddMember("weinan"), fake.AddMember("carol"), fake.AddMember("neha")
	dir := t.TempDir()
	src := fmt.Sprintf(`workshop:
  name: Green Room Kill Test
  timezone: America/New_York
  date: 2021-12-14
reminders:
  leads: [0s]
sessions:
  - id: one
    start: "07:00"
    kind: invited
    title: Talk One
    checkin: [weinan]
    chair: %q
  - id: two
    start: "07:30"
    kind: invited
    title: Talk Two
    checkin: [neha]
`, carol)
	sched := filepath.Join(dir, "schedule.yaml")
	if err := os.WriteFile(sched, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	posters := filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(posters, []byte("id,session,title\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--schedule", sched, "--posters", posters, "--db", filepath.Join(dir, "bot.db"), "--http", "",
		"--clock", "2021-12-14T06:29:00-05:00", "--speed", "120"}
	env := fakeEnviron(fake)
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
	t.Logf("killed with %d message(s) in #green-room", len(greenRoom()))
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
	waitFor(t, 60*time.Second, "the last nudge (07:25)", func() bool { return len(fake.DMs(neha)) >= 1 && len(greenRoom()) >= 4 })
	time.Sleep(2 * time.Second) // anything repeated would come now
	count := func(msgs []discordtest.Message, prefix string) int {
		n := 0
		for _, m := range msgs {
			if strings.HasPrefix(m.Content, prefix) {
				n++
			}
		}
		return n
	}
	// Exactly once by the store, not by Discord's nonces alone (they last a
	// few minutes on the real Discord): each nonce is sent at most twice, once
	// before the kill and once as the retry of a ping left pending by it.
	sends := map[string]int{}
	for _, r := range fake.Requests() {
		var body struct {
			Nonce string `json:"nonce"`
		}
		if r.Route == "POST /channels/{channel_id}/messages" && json.Unmarshal(r.Body, &body) == nil && body.Nonce != "" {
			sends[body.Nonce]++
		}
	}
	for n, k := range sends {
		if k > 2 {
			t.Errorf("nonce %s sent %d times, want at most 2", n, k)
		}
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
