package discordtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
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

// bucketRules are Discord-like limits for the routes a bot uses most. The
// real numbers are not documented and change; these are the commonly
// observed ones. Routes not listed share defaultRule.
var bucketRules = map[string]bucketRule{
	"POST /channels/{channel_id}/messages":                          {5, 5 * time.Second},
	"PATCH /channels/{channel_id}/messages/{message_id}":            {5, 5 * time.Second},
	"DELETE /channels/{channel_id}/messages/{message_id}":           {5, 1 * time.Second},
	"POST /guilds/{guild_id}/channels":                              {5, 5 * time.Second},
	"PATCH /channels/{channel_id}":                                  {2, 10 * time.Minute},
	"PUT /applications/{application_id}/guilds/{guild_id}/commands": {2, 60 * time.Second},
}

var defaultRule = bucketRule{limit: 10, window: 10 * time.Second}

// globalLimit is Discord's global limit for a bot: 50 requests per second.
const globalLimit = 50

// limiter enforces bucketRules and the global limit. It has its own mutex
// because it is independent of the guild state.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	global  []time.Time // request times within the last second
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
// limited, as on Discord.
func (l *limiter) take(rc *reqCtx, now time.Time, overrides map[string]bucketRule) (http.Header, *result) {
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
	if len(l.global) >= globalLimit {
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
	key := rc.route + "|" + majorParam(rc)
	b := l.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{remaining: rule.limit, reset: now.Add(rule.window)}
		l.buckets[key] = b
	}
	hash := bucketHash(rc.route)
	if b.remaining <= 0 {
		r := rateLimited(b.reset.Sub(now), hash, false)
		r.header.Set("X-RateLimit-Limit", strconv.Itoa(rule.limit))
		return nil, &r
	}
	b.remaining--
	l.global = append(l.global, now)

	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(rule.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(b.reset.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", b.reset.Sub(now).Seconds()))
	h.Set("X-RateLimit-Bucket", hash)
	return h, nil
}

// bucketHash is an opaque bucket id like Discord's.
func bucketHash(route string) string {
	sum := sha1.Sum([]byte(route))
	return hex.EncodeToString(sum[:8])
}
