package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/sqlite"
)

// The benchmarks behind BENCHMARKS.md (.ci/bench reruns them all and writes the
// file). Each runs the built binary as a child process against the fake
// Discord, as it runs on the day, and reports its figures with
// b.ReportMetric; run them with -benchtime 1x.

// BenchmarkReminderLateness: 40 reminders (20 sessions a second apart, leads
// 1s and 0s, so two fall due in most seconds, and go out bundled in one
// message) posted by the bot to the fake; lateness is the time from a
// reminder's due instant to the fake storing the message that carried it.
// Targets: p99 under 250 ms, max under 1 s, none early.
func BenchmarkReminderLateness(b *testing.B) {
	for range b.N {
		fake := discordtest.New(b, discordtest.WithServerMembersIntent())
		fake.AddRole("Moderators", 0)
		now := time.Now()
		var sessions strings.Builder
		for k := range 20 {
			at := now.Add(8*time.Second + time.Duration(k)*time.Second).Truncate(time.Second)
			fmt.Fprintf(&sessions, "  - {id: t%02d, kind: invited, title: \"Talk %02d\", start: %q, end: %q}\n", k, k, at.Format(time.RFC3339), at.Add(3*time.Second).Format(time.RFC3339))
		}
		args := writeBenchProgram(b, b.TempDir(), now, "1s, 0s", sessions.String(), 0)
		prog, err := bot.LoadProgram(args[1], args[3])
		if err != nil {
			b.Fatal(err)
		}
		var plan []bot.Reminder
		for _, r := range bot.Plan(prog.Schedule) {
			if r.Session.Kind == bot.KindInvited {
				plan = append(plan, r)
			}
		}
		// Reminders due together are posted as one bundle, under one nonce
		// (issue 12 item 1): the database says which message carried each.
		records := func(ctx context.Context) []bot.ReminderRecord {
			db, err := sqlite.OpenReadOnly(ctx, args[5])
			if err != nil {
				return nil
			}
			defer db.Close()
			recs, _ := db.Reminders(ctx)
			return recs
		}
		child := benchBot(b, fake, args)
		child.start()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err = fake.WaitFor(ctx, func(s *discordtest.Server) bool {
			return remindersUndecided(plan, records(ctx), announcements(s)) == 0
		})
		cancel()
		if err != nil {
			b.Fatalf("reminders: %v", err)
		}
		child.stop()
		received := map[string]time.Time{}
		for _, m := range announcements(fake) {
			received[m.Nonce] = m.Received
		}
		byKey := map[bot.ReminderKey]bot.ReminderRecord{}
		for _, r := range records(context.Background()) {
			byKey[r.Key] = r
		}
		var late []time.Duration
		for _, r := range plan {
			at, ok := received[discord.WireNonce(byKey[r.Key].Nonce)]
			if !ok {
				continue // superseded: its session's shorter lead was due with it
			}
			l := at.Sub(r.Due)
			if l < 0 {
				b.Errorf("reminder %s/%v posted %v early", r.Key.SessionID, r.Key.Lead, -l)
			}
			late = append(late, l)
		}
		slices.Sort(late)
		b.ReportMetric(ms(percentile(late, 50)), "p50-ms")
		b.ReportMetric(ms(percentile(late, 99)), "p99-ms")
		b.ReportMetric(ms(percentile(late, 100)), "max-ms")
		b.ReportMetric(float64(len(late)), "reminders")
		b.Logf("%d reminders: lateness p50 %v, p99 %v, max %v", len(late), percentile(late, 50), percentile(late, 99), percentile(late, 100))
	}
}

// BenchmarkStartToReady: from starting the process to its slash commands
// registered on the fake (first start: it also creates its channels), then to
// "workshopbot ready" on five restarts on the same database (commands
// unchanged, nothing to create). Target: under 2 s.
func BenchmarkStartToReady(b *testing.B) {
	for range b.N {
		fake := discordtest.New(b, discordtest.WithServerMembersIntent())
		fake.AddRole("Moderators", 0)
		args := writeBenchProgram(b, b.TempDir(), time.Now(), "0s", "", 0)
		child := benchBot(b, fake, args)
		buildBinary(b) // not timed
		registered := func(s *discordtest.Server) bool {
			return s.Connected() && slices.ContainsFunc(s.Commands(), func(c discordgo.ApplicationCommand) bool { return c.Name == "questions" })
		}
		begin := time.Now()
		child.start()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := fake.WaitFor(ctx, registered); err != nil {
			b.Fatalf("commands: %v", err)
		}
		cancel()
		first := time.Since(begin)
		child.stop()
		var restarts []time.Duration
		for k := range 5 {
			mark := strings.Count(child.logs.String(), "workshopbot ready")
			begin := time.Now()
			child.start()
			waitFor(b, 30*time.Second, "ready", func() bool { return strings.Count(child.logs.String(), "workshopbot ready") > mark })
			restarts = append(restarts, time.Since(begin))
			if code := child.stop(); code != 0 {
				b.Fatalf("restart %d exited %d", k, code)
			}
		}
		slices.Sort(restarts)
		b.ReportMetric(ms(first), "first-ms")
		b.ReportMetric(ms(percentile(restarts, 50)), "restart-p50-ms")
		b.ReportMetric(ms(percentile(restarts, 100)), "restart-max-ms")
		b.Logf("first start %v; restarts %v", first.Round(time.Millisecond), restarts)
	}
}

// BenchmarkMemory: the bot's resident memory (VmHWM, the peak, and VmRSS, from
// /proc/PID/status of the child process) after it has placed 480 posters (about
// the most a guild holds) and taken 10,000 questions (100 attendees, 100 each, 20
// at a time), with every card posted. Target: under 80 MB.
func BenchmarkMemory(b *testing.B) {
	const questions, posters = 10000, 480
	for range b.N {
		// Memory, not pacing: at Discord's 5 messages per 5 s in one channel,
		// 10,000 cards would take 2.8 hours (cardBucket says more), and 490
		// channel creations at 5 per 5 s take 8 minutes (their pacing is
		// BenchmarkPosterSyncMax's figure). The global limit of 50 calls a
		// second and every other bucket stay on: the cards alone take 200 s.
		fake := discordtest.New(b, discordtest.WithServerMembersIntent(), cardBucket(),
			discordtest.WithRateLimit("POST /guilds/{guild_id}/channels", 50, 5*time.Second))
		fake.AddRole("Moderators", 0)
		users := members(fake, "attendee", 100)
		args := writeBenchProgram(b, b.TempDir(), time.Now(), "0s", "", posters)
		child := benchBot(b, fake, args)
		child.start()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool {
			return len(posterChannels(s)) >= posters && s.Connected() && len(s.Commands()) > 0
		}); err != nil {
			b.Fatalf("poster channels: %v (%d)", err, len(posterChannels(fake)))
		}
		resps, errs := askMany(ctx, fake, users, questions, 20)
		for j := range resps {
			if errs[j] != nil || receivedID(resps[j]) == 0 {
				b.Fatalf("/ask %d: %v %+v", j, errs[j], resps[j])
			}
		}
		panel, _ := fake.ChannelByName("panel-questions")
		if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool { c, _ := cardsOf(s, panel.ID); return len(c) >= questions }); err != nil {
			b.Fatalf("cards: %v", err)
		}
		child.mu.Lock()
		pid := child.cmd.Process.Pid
		child.mu.Unlock()
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			b.Skipf("no /proc: %v", err)
		}
		hwm, rss := procKB(status, "VmHWM"), procKB(status, "VmRSS")
		child.stop()
		b.ReportMetric(hwm/1024, "hwm-MB")
		b.ReportMetric(rss/1024, "rss-MB")
		b.Logf("%d posters, %d questions: VmHWM %.1f MB, VmRSS %.1f MB", posters, questions, hwm/1024, rss/1024)
	}
}

// procKB reads a "Name:   1234 kB" line of /proc/PID/status.
func procKB(status []byte, name string) float64 {
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return f
		}
	}
	return 0
}
