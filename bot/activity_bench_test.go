package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/bottest"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"
)

// BenchmarkAskWhileCounting measures what recording the figures' counts adds
// to an /ask (issue 17: no more than 1 ms). The bot runs on a real SQLite
// database; b.N questions, each from its own attendee, are asked first with
// nothing else going on, then while a gateway-like goroutine counts 10,000
// messages and 100 joins a second (far more than a workshop's guild sees) and
// the counts are flushed through the database's writer every 10 ms (the bot
// does it every 15 s). It reports the mean /ask time of each half and the
// difference, added-ms, which is the figure to hold under 1.
func BenchmarkAskWhileCounting(b *testing.B) {
	sched, err := bot.ParseSchedule("questions.yaml", fmt.Appendf(nil, questionsSchedule, false))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "workshopbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bt, err := bot.New(bot.Config{Features: features.All(), Program: &bot.Program{Schedule: sched}, Clock: bottest.NewClock(start), Store: db, Questions: db, Transport: newRecorder()})
	if err != nil {
		b.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- bt.Run(ctx, bot.RunOptions{}) }()
	defer func() {
		cancel()
		if err := <-runDone; !stoppedCleanly(err) {
			b.Errorf("Run: %v", err)
		}
	}()

	user := 0
	asks := func(n int) time.Duration {
		t0 := time.Now()
		for range n {
			user++
			u := bot.User{ID: fmt.Sprint(300000 + user), Name: fmt.Sprintf("attendee%d", user)}
			r := bt.Handle(ctx, bot.Command{Name: "ask", Options: map[string]string{"question": fmt.Sprintf("Question %d: how stiff is stiff?", user)}, User: u, Channel: "panel-questions"})
			if _, ok := receivedID(r); !ok {
				b.Fatalf("/ask %d: %q, want Received", user, r.Content)
			}
		}
		return time.Since(t0)
	}

	asks(10) // warm the database and the code paths
	b.ResetTimer()
	quiet := asks(b.N)

	countCtx, stopCounting := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { // the gateway's reader: messages and joins
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-countCtx.Done():
				return
			case <-tick.C:
				bt.Record(bot.Activity{Kind: bot.ActivityMessage, Channel: bot.ChannelQuestions})
				if i%100 == 0 {
					bt.Record(bot.Activity{Kind: bot.ActivityJoin})
				}
			}
		}
	})
	flushes := 0
	wg.Go(func() { // the flush loop, 1,500 times as often as the bot's
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-countCtx.Done():
				return
			case <-tick.C:
				if err := bt.FlushActivity(countCtx); err != nil && countCtx.Err() == nil {
					b.Errorf("flush: %v", err)
				}
				flushes++
			}
		}
	})
	counting := asks(b.N)
	b.StopTimer()
	stopCounting()
	wg.Wait()
	if b.N >= 100 && flushes == 0 {
		b.Errorf("no flush ran while %d questions were asked", b.N)
	}

	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(quiet), "quiet-ms/ask")
	b.ReportMetric(ms(counting), "counting-ms/ask")
	b.ReportMetric(ms(counting-quiet), "added-ms")
}
