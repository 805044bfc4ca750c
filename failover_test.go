package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/postgres"
	"workshopbot/bot/postgres/pgtest"
)

// The failover test: two bot processes on one PostgreSQL database against the
// fake Discord, through a compressed day with questions and votes flowing; the
// active one is SIGKILLed at random moments, at least failoverKills times, and
// restarted as the new standby. It fails on any duplicate reminder, any lost
// acknowledged question or vote, any poster channel made twice and any spec
// violation, and logs the time from each kill to the standby's first action
// (its gateway identify): p50 and max. Not part of the default `go test`:
//
//	go test -count=1 -run '^TestFailover$' -failover -failover.duration=60s -v .
//	WORKSHOPBOT_FAILOVER=60s go test -count=1 -run '^TestFailover$' -v .
//
// It needs PostgreSQL's server binaries (Debian's postgresql package) and skips,
// saying so, without them.
var (
	failoverOn       = flag.Bool("failover", false, "run the failover test (TestFailover)")
	failoverDuration = flag.Duration("failover.duration", 60*time.Second, "how long the failover test's day lasts")
)

const failoverKills = 10 // at least

func failoverSettings(t *testing.T) time.Duration {
	env := os.Getenv("WORKSHOPBOT_FAILOVER")
	if !*failoverOn && env == "" {
		t.Skip("the failover test runs with -failover (or WORKSHOPBOT_FAILOVER=60s): go test -run TestFailover -failover -v .")
	}
	d := *failoverDuration
	if v, err := time.ParseDuration(env); err == nil && v > 0 {
		d = v
	}
	if d < 40*time.Second {
		t.Fatalf("failover duration %v: want at least 40s, to fit %d kills and takeovers", d, failoverKills)
	}
	return d
}

func TestFailover(t *testing.T) {
	d := failoverSettings(t)
	pg := pgtest.Start(t)
	dbURL := pg.NewDatabase(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("failover: %v, seed %d", d, seed)
	rng := rand.New(rand.NewPCG(seed, 18))
	var rngMu sync.Mutex
	intn := func(n int) int { rngMu.Lock(); defer rngMu.Unlock(); return rng.IntN(n) }

	fake := pairFake(t)
	users := members(fake, "attendee", 50)
	start := time.Now()
	args := loadDay(t, t.TempDir(), start, d)
	p := newPair(t, fake, args, dbURL)
	bots, addrs, isStandby := p.bots, p.addrs, p.standby
	bots[0].start()
	waitFor(t, 30*time.Second, "the first bot's commands", func() bool { return fake.Connected() && len(fake.Commands()) > 0 })
	bots[1].start()
	waitFor(t, 15*time.Second, "the second bot's standby /healthz", func() bool { return isStandby(1) })
	if code, body := healthz(addrs[0]); code != http.StatusOK || strings.Contains(body, "standby") {
		t.Errorf("active bot's /healthz: %d %q, want 200 without standby", code, body)
	}
	active := 0

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	load := newCrowd(fake, users, intn, false)
	every := func() time.Duration { return time.Duration(50+intn(150)) * time.Millisecond }
	load.ask(ctx, &wg, 3, every, func(j int64) string { return fmt.Sprintf("Failover question %d: which bot answers me?", j) })
	panel, _ := fake.ChannelByName("panel-questions")
	load.vote(ctx, &wg, 3, every, panel.ID) // each (user, question) once

	// Kills: the active bot, once the other is standing by; the time until
	// the standby's gateway identify is its takeover.
	var takeovers []time.Duration
	kills := 0
	deadline := start.Add(d)
	gap := d / (failoverKills + 2)
	for kills < failoverKills || time.Now().Before(deadline) {
		wait := gap/2 + time.Duration(intn(int(gap)))
		if kills >= failoverKills && time.Now().Add(wait).After(deadline) {
			time.Sleep(time.Until(deadline))
			break
		}
		time.Sleep(wait)
		standby := 1 - active
		waitFor(t, 15*time.Second, fmt.Sprintf("bot %d standing by", standby), func() bool { return isStandby(standby) })
		identified, _ := fake.GatewayStats()
		bots[active].kill()
		killed := time.Now()
		kills++
		waitFor(t, 15*time.Second, fmt.Sprintf("bot %d taking over", standby), func() bool {
			n, _ := fake.GatewayStats()
			return n > identified && fake.Connected()
		})
		took := time.Since(killed)
		takeovers = append(takeovers, took)
		t.Logf("%5.1fs: kill %d of bot %d (SIGKILL); bot %d identified after %v", time.Since(start).Seconds(), kills, active, standby, took.Round(time.Millisecond))
		if took > 10*time.Second {
			t.Errorf("takeover %d took %v, want within 10 s", kills, took)
		}
		time.Sleep(time.Duration(300+intn(1700)) * time.Millisecond)
		bots[active].start() // the new standby
		active = standby
	}
	cancel()
	wg.Wait()

	// The last active bot settles the day: every reminder due, every poster's channel.
	_, plan := duePlan(t, args, start.Add(d))
	announce, _ := fake.ChannelByName("announcements")
	settle, cancelSettle := context.WithTimeout(context.Background(), time.Until(plan[len(plan)-1].Due)+90*time.Second)
	defer cancelSettle()
	// Every reminder due is decided in the shared database and, if posted, on
	// Discord under the nonce recorded (a bundle's, for reminders due together).
	watch, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	undecided := func(ctx context.Context) int {
		recs, err := watch.Reminders(ctx)
		if err != nil {
			return -1
		}
		return remindersUndecided(plan, recs, fake.Messages(announce.ID))
	}
	if err := fake.WaitFor(settle, func(s *discordtest.Server) bool {
		return dayPostersCarded(s) && undecided(settle) == 0
	}); err != nil {
		t.Errorf("waiting for the last reminders and the poster channels: %v (%d reminders undecided)", err, undecided(context.Background()))
	}
	watch.Close()
	time.Sleep(2 * time.Second)
	for i, b := range bots {
		if code := b.stop(); code != 0 {
			t.Errorf("bot %d exited %d after SIGTERM", i, code)
		}
		b.mu.Lock()
		if b.unexpected > 0 {
			t.Errorf("bot %d exited on its own %d times", i, b.unexpected)
		}
		b.mu.Unlock()
	}

	store, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	recs, err := store.Reminders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	qs, err := store.Questions(context.Background(), bot.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rt := tallyReminders(plan, recs, fake.Messages(announce.ID))
	for _, p := range rt.problems {
		t.Error(p)
	}
	posterDups := 0
	for id, cs := range posterChannels(fake) {
		if len(cs) != 1 {
			posterDups++
			t.Errorf("poster %s has %d channels", id, len(cs))
		}
	}
	stored := map[int64]bot.Question{}
	for _, q := range qs {
		stored[q.ID] = q
	}
	lostQuestions, ackedVotes, lostVotes := load.check(t, stored)
	_, cardDups := cardsOf(fake, panel.ID)
	if len(cardDups) > 0 {
		t.Errorf("questions carded twice: %v", cardDups)
	}
	// One gateway session per term (the first bot's, then one per takeover):
	// a standby never opened one.
	identifies, resumes := fake.GatewayStats()
	if identifies != kills+1 {
		t.Errorf("%d gateway identifies (%d resumes) for %d terms: a standby connected", identifies, resumes, kills+1)
	}
	viol := fake.Violations()
	for _, v := range viol {
		t.Errorf("violation: %s", v)
	}
	if kills < failoverKills {
		t.Errorf("only %d kills, want at least %d", kills, failoverKills)
	}
	if len(load.acked) == 0 || ackedVotes == 0 {
		t.Errorf("no load got through: %d questions, %d votes acknowledged", len(load.acked), ackedVotes)
	}
	slices.Sort(takeovers)
	t.Logf("takeover (SIGKILL of the active bot to the standby's gateway identify), %d kills: p50 %v, max %v",
		len(takeovers), percentile(takeovers, 50).Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond))
	t.Logf("reminders: %d due, %d posted once, %d superseded, %d skipped, %d duplicated, %d lost", len(plan), rt.once, rt.superseded, rt.skipped, rt.dups, rt.lost)
	t.Logf("questions: %d acknowledged, %d not (no active bot), %d stored, %d lost, %d carded twice; votes: %d acknowledged, %d lost; posters: %d made twice; %d violations",
		len(load.acked), load.askFailed, len(stored), lostQuestions, len(cardDups), ackedVotes, lostVotes, posterDups, len(viol))
	fmt.Printf("FAILOVER SUMMARY: %v, %d kills; takeover p50 %v max %v; reminders %d/%d once, %d superseded, %d skipped, %d dup, %d lost; questions %d acked, %d lost; votes %d acked, %d lost; %d violations\n",
		d, kills, percentile(takeovers, 50).Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond),
		rt.once, len(plan), rt.superseded, rt.skipped, rt.dups, rt.lost, len(load.acked), lostQuestions, ackedVotes, lostVotes, len(viol))
}
