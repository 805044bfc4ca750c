package discord_test

import (
	"context"
	"math"
	"testing"
	"time"

	"workshopbot/bot/discord/discordtest"
)

// Rate limits BenchmarkPosterSyncMax configures on the fake: Discord's commonly
// observed numbers, set here explicitly so that the minimum time they allow can
// be computed from them.
const (
	createLimit  = 5               // channel creations per window, per guild
	createWindow = 5 * time.Second // (POST /guilds/{guild_id}/channels)
	globalPerSec = 50              // Discord's global limit for a bot
)

// maxPosters is the most posters one guild holds: 500 channels in all, less 10
// categories (50 channels each) and the bot's 3 channels leaves 487; 480 keeps
// the sessions even (240 + 240).
const maxPosters = 480

// BenchmarkPosterSyncMax is a first sync of the most posters a guild can hold
// (480: Discord caps a guild at 500 channels and categories together) under
// Discord-like rate limits. It reports REST calls per poster, the wall time,
// and the minimum wall time the rate limits allow: creating N channels and C
// categories in one guild at createLimit per createWindow takes
// (ceil((N+C)/createLimit) - 1) windows, unless the global limit (all calls at
// 50 per second) is slower. Target: the wall time within 10% of that minimum.
// It takes about 8 minutes:
//
//	go test -run '^$' -bench PosterSyncMax -benchtime 1x -timeout 30m ./bot/discord/
func BenchmarkPosterSyncMax(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fake := discordtest.New(b, discordtest.WithServerMembersIntent(), discordtest.WithRateLimits(),
			discordtest.WithRateLimit("POST /guilds/{guild_id}/channels", createLimit, createWindow))
		pb := newPosterBot(b, fake, posterProgram(b, maxPosters/2, maxPosters/2, nil, nil))
		// Let the bucket of the transport's own start (its channels) run out.
		time.Sleep(createWindow)
		mark := len(fake.Requests())
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		b.StartTimer()
		start := time.Now()
		rep, err := pb.SyncPosters(ctx)
		took := time.Since(start)
		b.StopTimer()
		cancel()
		if err != nil || len(rep.Failed) > 0 || len(rep.Created) != maxPosters {
			b.Fatalf("sync: %v\n%s", err, rep)
		}
		reqs := fake.Requests()[mark:]
		creates, ok, retried := 0, 0, 0
		for _, r := range reqs {
			switch {
			case r.Status == 429:
				retried++
			case r.Status < 300:
				ok++
				if r.Route == "POST /guilds/{guild_id}/channels" {
					creates++
				}
			}
		}
		windows := math.Ceil(float64(creates)/createLimit) - 1
		minimum := max(windows*createWindow.Seconds(), float64(ok)/globalPerSec)
		perPoster := float64(ok) / maxPosters
		b.ReportMetric(perPoster, "calls/poster")
		b.ReportMetric(float64(retried), "429s")
		b.ReportMetric(took.Seconds(), "s/sync")
		b.ReportMetric(minimum, "min-s")
		b.ReportMetric(took.Seconds()/minimum, "x-min")
		b.Logf("%d posters: %d channels and %d categories created, %d successful calls (%.3f per poster), %d answered 429; %v, the rate limits allow %.0f s at best (%.3fx)",
			maxPosters, len(rep.Created), rep.Categories, ok, perPoster, retried, took.Round(time.Millisecond), minimum, took.Seconds()/minimum)
		b.StartTimer()
	}
}
