package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/postgres/pgtest"
)

// BenchmarkAskBurst is the panel's burst measured from outside: the built
// binary, as a child process, against the fake Discord; 500 distinct attendees
// send /ask 32 at a time, and each is timed from the fake dispatching
// INTERACTION_CREATE to the bot's callback ("Received", the question durable
// first). Three runs, each on a fresh database: 500 asks; 2,000 asks (each
// attendee four times); and 2,000 asks with 2,000 votes interleaved (every other
// interaction a press of Upvote on one of 16 cards posted beforehand).
// commits/s is the database commits the bot made during the burst (its
// workshopbot_db_commits_total on /metrics) per second of burst; rows/commit is
// how many writes each carried. Target: /ask p99 under 100 ms.
//
// The same bursts then run on PostgreSQL (db=postgres/..., bot/postgres on a
// pgtest server), in the same run, so the two stores are measured side by side;
// they skip without PostgreSQL's binaries.
func BenchmarkAskBurst(b *testing.B) {
	bursts := []struct {
		name        string
		asks, votes int
	}{
		{"asks=500", 500, 0},
		{"asks=2000", 2000, 0},
		{"asks=2000+votes=2000", 2000, 2000},
	}
	for _, bc := range bursts {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				benchAskBurst(b, bc.asks, bc.votes, "")
			}
		})
	}
	b.Run("db=postgres", func(b *testing.B) {
		pg := pgtest.Start(b)
		for _, bc := range bursts {
			b.Run(bc.name, func(b *testing.B) {
				for range b.N {
					benchAskBurst(b, bc.asks, bc.votes, pg.NewDatabase(b))
				}
			})
		}
	})
}

// burstWorkers is how many interactions are in flight at once.
const burstWorkers = 32

// benchAskBurst runs one burst; db, if not empty, is the --db to run on
// instead of a fresh SQLite file.
func benchAskBurst(b *testing.B, asks, votes int, db string) {
	fake := discordtest.New(b, discordtest.WithServerMembersIntent())
	fake.AddRole("Moderators", 0)
	users := members(fake, "attendee", 500)
	addr := loopbackAddr(b)
	args := append(writeBenchProgram(b, b.TempDir(), time.Now(), "0s", "", 0), "--http", addr)
	if db != "" {
		args = append(args, "--db", db)
	}
	child := benchBot(b, fake, args)
	child.start()
	defer child.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool {
		_, ok := s.ChannelByName("panel-questions")
		return ok && s.Connected() && len(s.Commands()) > 0
	}); err != nil {
		b.Fatalf("ready: %v", err)
	}

	// Cards to vote on, posted before the burst (under Discord's 5 messages per
	// 5 s in a channel this takes a few seconds; it is not timed).
	var cardIDs, cardChannel []string
	var voteIDs []int64
	if votes > 0 {
		const voteCards = 16
		for j := range voteCards {
			r, err := interact(ctx, fake, users[j], askCmd(fmt.Sprintf("Warm-up question %d: what is the stiffness ratio?", j)))
			if err != nil || receivedID(r) == 0 {
				b.Fatalf("warm-up /ask %d: %v %+v", j, err, r)
			}
			voteIDs = append(voteIDs, receivedID(r))
		}
		if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool { c, _ := cards(b, s); return len(c) >= voteCards }); err != nil {
			b.Fatalf("warm-up cards: %v", err)
		}
		byID, _ := cards(b, fake)
		for _, id := range voteIDs {
			cardIDs = append(cardIDs, byID[id].ID)
			cardChannel = append(cardChannel, byID[id].ChannelID)
		}
	}

	type result struct {
		vote bool
		lat  time.Duration
		err  error
	}
	n := asks + votes
	results := make([]result, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	commits0 := scrapeCounter(b, addr, "workshopbot_db_commits_total")
	writes0 := scrapeCounter(b, addr, "workshopbot_db_writes_total")
	begin := time.Now()
	for range burstWorkers {
		wg.Go(func() {
			for j := range jobs {
				// With votes, every other interaction is one: asks and votes interleave.
				if votes > 0 && j%2 == 1 {
					k := j / 2
					in := discordtest.Button(fmt.Sprintf("q:vote:%d", voteIDs[k%len(voteIDs)]), cardIDs[k%len(cardIDs)])
					in.ChannelID = cardChannel[k%len(cardIDs)]
					r, err := interact(ctx, fake, users[k%len(users)], in)
					if err == nil && r.Type != 7 {
						err = fmt.Errorf("vote answered type %d %q, want UPDATE_MESSAGE", r.Type, r.Content)
					}
					results[j] = result{vote: true, err: err}
					if r != nil {
						results[j].lat = r.Latency
					}
					continue
				}
				k := j
				if votes > 0 {
					k = j / 2
				}
				text := fmt.Sprintf("Question %d: how does the adjoint method scale with depth?", k)
				r, err := interact(ctx, fake, users[k%len(users)], askCmd(text))
				if err == nil && receivedID(r) == 0 {
					err = fmt.Errorf("answered %q", r.Content)
				}
				results[j] = result{err: err}
				if r != nil {
					results[j].lat = r.Latency
				}
			}
		})
	}
	for j := range n {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	took := time.Since(begin)
	counted := commits0 >= 0 // the landed bot before group commit counted none
	commits := scrapeCounter(b, addr, "workshopbot_db_commits_total") - commits0
	writes := scrapeCounter(b, addr, "workshopbot_db_writes_total") - writes0

	var askLat, voteLat []time.Duration
	for j, r := range results {
		if r.err != nil {
			b.Fatalf("interaction %d: %v", j, r.err)
		}
		if r.vote {
			voteLat = append(voteLat, r.lat)
		} else {
			askLat = append(askLat, r.lat)
		}
	}
	slices.Sort(askLat)
	slices.Sort(voteLat)
	b.ReportMetric(ms(percentile(askLat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(askLat, 99)), "p99-ms")
	b.ReportMetric(ms(percentile(askLat, 100)), "max-ms")
	b.ReportMetric(float64(n)/took.Seconds(), "interactions/s")
	if counted {
		b.ReportMetric(commits/took.Seconds(), "commits/s")
		if commits > 0 {
			b.ReportMetric(writes/commits, "rows/commit")
		}
	}
	msg := fmt.Sprintf("%d asks, %d at a time, in %v: p50 %v, p99 %v, max %v", len(askLat), burstWorkers,
		took.Round(time.Millisecond), percentile(askLat, 50), percentile(askLat, 99), percentile(askLat, 100))
	if len(voteLat) > 0 {
		b.ReportMetric(ms(percentile(voteLat, 99)), "vote-p99-ms")
		msg += fmt.Sprintf("; %d votes: p50 %v, p99 %v, max %v", len(voteLat),
			percentile(voteLat, 50), percentile(voteLat, 99), percentile(voteLat, 100))
	}
	if counted {
		msg += fmt.Sprintf("; %.0f commits (%.1f/s, %.1f writes each)", commits, commits/took.Seconds(), writes/max(commits, 1))
	}
	b.Log(msg)
}

// scrapeCounter reads one unlabelled counter from the bot's /metrics; -1 if
// the bot does not export it.
func scrapeCounter(b *testing.B, addr, name string) float64 {
	b.Helper()
	var resp *http.Response
	var err error
	for range 50 { // the dashboard starts with the bot, not before
		if resp, err = http.Get("http://" + addr + "/metrics"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.Fatalf("scrape /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				b.Fatalf("/metrics %s: %v", name, err)
			}
			return f
		}
	}
	return -1
}
