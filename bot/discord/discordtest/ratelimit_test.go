package discordtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimitsHonouredByDiscordgo(t *testing.T) {
	s := New(t, WithRateLimit(postMessage, 2, 500*time.Millisecond))
	a := s.AddChannel("a", 0, "")
	b := s.AddChannel("b", 0, "")
	dg := client(t, s)
	start := time.Now()
	var wg sync.WaitGroup
	for _, ch := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				if _, err := send(dg, ch, fmt.Sprint(i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	// 5 messages at 2 per 0.5 s need two resets per channel; channels are
	// separate buckets, so they run in parallel.
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("took %v, want about 1 s", d)
	}
	for _, ch := range []string{a, b} {
		if n := len(s.Messages(ch)); n != 5 {
			t.Errorf("%d messages in %s, want 5", n, ch)
		}
	}
	// discordgo learns the bucket from the first answer's headers: at most
	// that first burst may hit a 429.
	n429 := 0
	for _, st := range statuses(s, postMessage) {
		if st == http.StatusTooManyRequests {
			n429++
		}
	}
	if n429 > 2 {
		t.Errorf("%d 429s, want discordgo to follow X-RateLimit-* headers", n429)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	s := New(t, WithRateLimits())
	ch := s.AddChannel("general", 0, "")
	status, _ := raw(t, s, "GET", "/channels/"+ch, "")
	if status != 200 {
		t.Fatal(status)
	}
	for i := range 6 {
		req, _ := http.NewRequest("POST", s.URL()+"/api/v9/channels/"+ch+"/messages", strings.NewReader(`{"content":"hi","allowed_mentions":{"parse":[]}}`))
		req.Header.Set("Authorization", "Bot "+Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if i < 5 && (h.Get("X-RateLimit-Limit") != "5" || h.Get("X-RateLimit-Remaining") != fmt.Sprint(4-i) || h.Get("X-RateLimit-Bucket") == "") {
			t.Errorf("request %d: headers %v", i, h)
		}
		if i == 5 && (resp.StatusCode != 429 || h.Get("Retry-After") == "" || h.Get("X-RateLimit-Reset-After") == "") {
			t.Errorf("6th request: %d %v, want 429", resp.StatusCode, h)
		}
	}
}
