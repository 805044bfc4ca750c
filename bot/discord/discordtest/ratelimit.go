package discordtest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucketRule is a per-route rate limit: limit requests per window, counted
// separately for each value of the route's major parameter (channel, guild,
// webhook), as Discord does.
type bucketRule struct {
	limit  int
	window time.Duration
}

// bucketRules are Discord-like limits for the routes a bot uses most.
// Discord documents the mechanism (per-route buckets keyed by the major
// parameter, announced in X-RateLimit-Limit, -Remaining, -Reset,
// -Reset-After and -Bucket; a 429 carries retry_after and, when global,
// X-RateLimit-Global) but not the numbers, and says they change:
// https://discord.com/developers/docs/topics/rate-limits. These are the
// commonly observed ones. Routes not listed share defaultRule.
var bucketRules = map[string]bucketRule{
	"POST /channels/{channel_id}/messages":                          {5, 5 * time.Second},
	"PATCH /channels/{channel_id}/messages/{message_id}":            {5, 5 * time.Second},
	"DELETE /channels/{channel_id}/messages/{message_id}":           {5, 1 * time.Second},
	"POST /guilds/{guild_id}/channels":                              {5, 5 * time.Second},
	"PATCH /channels/{channel_id}":                                  {2, 10 * time.Minute},
	"PUT /applications/{application_id}/guilds/{guild_id}/commands": {2, 60 * time.Second},
	// Opening DM channels: Discord publishes no figure; bots that open
	// many at once are what its anti-spam looks for, so the fake allows a
	// few per few seconds for the whole bot (the route has no major
	// parameter).
	"POST /users/@me/channels": {5, 5 * time.Second},
}

// patchChannel is the route whose name and topic edits Discord limits to 2
// per 10 minutes per channel, separately from other channel edits (the
// limit is not documented; it is the one discord.py, discord.js and
// Discord staff describe: discord/discord-api-docs issue #1900). Edits that
// change neither name nor topic (overwrites, parent, position) use
// defaultRule.
const patchChannel = "PATCH /channels/{channel_id}"

var defaultRule = bucketRule{limit: 10, window: 10 * time.Second}

// globalLimit is Discord's global limit for a bot: "All bots can make up to
// 50 requests per second to our API", and "Interaction endpoints are not
// bound to the bot's Global Rate Limit"
// (https://discord.com/developers/docs/topics/rate-limits#global-rate-limit).
// The fake counts over any sliding second, which is at least as strict.
const globalLimit = 50

// limiter enforces bucketRules and the global limit. It has its own mutex
// because it is independent of the guild state.
type limiter struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	global    []time.Time // request times within the last second
	global429 int         // 429s for the global limit
	route429  int         // 429s for a per-route bucket
	peak      int         // most requests counted against the global limit in any second
}

type bucket struct {
	remaining int
	reset     time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// majorParam names the parameter Discord keys buckets by.
func majorParam(rc *reqCtx) string {
	for _, p := range []string{"channel_id", "guild_id", "webhook_id"} {
		if v, ok := rc.params[p]; ok {
			return v
		}
	}
	return ""
}

// take counts a request. It returns the X-RateLimit-* headers for a
// request that may proceed, or a 429 result. Interaction callbacks are not
// limited at all; the other interaction endpoints (followups and edits of
// the original response, through the interaction token: interaction is
// true) skip the global limit but keep their route's bucket, as on Discord.
func (l *limiter) take(rc *reqCtx, now time.Time, overrides map[string]bucketRule, interaction bool) (http.Header, *result) {
	if rc.route == "POST /interactions/{interaction_id}/{interaction_token}/callback" {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()

	cut := now.Add(-time.Second)
	i := 0
	for i < len(l.global) && l.global[i].Before(cut) {
		i++
	}
	l.global = l.global[i:]
	if !interaction && len(l.global) >= globalLimit {
		l.global429++
		r := rateLimited(l.global[0].Add(time.Second).Sub(now), "global", true)
		return nil, &r
	}

	rule, ok := bucketRules[rc.route]
	for route, r := range overrides {
		if sameRoute(route, rc.route) {
			rule, ok = r, true
		}
	}
	if !ok {
		rule = defaultRule
	}
	if rc.route == patchChannel && !renames(rc.body) {
		rule = defaultRule
	}
	kind := rc.route
	if rc.route == patchChannel && !renames(rc.body) {
		kind = "other " + rc.route // a separate bucket, with its own hash
	}
	key := kind + "|" + majorParam(rc)
	b := l.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{remaining: rule.limit, reset: now.Add(rule.window)}
		l.buckets[key] = b
	}
	hash := bucketHash(kind)
	if b.remaining <= 0 {
		l.route429++
		r := rateLimited(b.reset.Sub(now), hash, false)
		r.header.Set("X-RateLimit-Limit", strconv.Itoa(rule.limit))
		return nil, &r
	}
	b.remaining--
	if !interaction {
		l.global = append(l.global, now)
		l.peak = max(l.peak, len(l.global))
	}

	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(rule.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(b.reset.UnixMilli())/1000))
	// Rounded up to the millisecond, as a client that waits exactly this
	// long must find the bucket reset.
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", math.Ceil(float64(b.reset.Sub(now).Microseconds())/1000)/1000))
	h.Set("X-RateLimit-Bucket", hash)
	return h, nil
}

// bucketHash is an opaque bucket id like Discord's.
func bucketHash(route string) string {
	sum := sha1.Sum([]byte(route))
	return hex.EncodeToString(sum[:8])
}

// renames reports whether a channel edit changes the name or the topic.
func renames(body []byte) bool {
	var b struct {
		Name  json.RawMessage `json:"name"`
		Topic json.RawMessage `json:"topic"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Name != nil || b.Topic != nil
}

// PeakRate is the most requests that counted against the global limit in
// any one second (a sliding window), 429s excluded: a bot that paces itself
// keeps it below 50. 0 with rate limits off.
func (s *Server) PeakRate() int {
	if s.limiter == nil {
		return 0
	}
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	return s.limiter.peak
}

// RateLimited counts the 429s the fake's own rate limits answered (faults
// queued with Fail are not counted): global for the 50 per second limit,
// route for per-route buckets.
func (s *Server) RateLimited() (global, route int) {
	if s.limiter == nil {
		return 0, 0
	}
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	return s.limiter.global429, s.limiter.route429
}
