package discordtest

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Fault makes the fake misbehave for the next matching requests.
type Fault struct {
	// Route is "METHOD /template" as in Request.Route, e.g.
	// "POST /channels/{channel_id}/messages"; parameter names do not matter
	// ("/webhooks/{application_id}/{interaction_token}" matches the spec's
	// "/webhooks/{webhook_id}/{webhook_token}"). "" matches any request.
	Route string
	// Status is the status to answer: 429 (with RetryAfter), 500, 502, ...
	// 0 answers normally (only Delay applies), or, with AfterCommit, hangs.
	Status int
	// RetryAfter is the wait a 429 announces, in its JSON body
	// ({"message":"You are being rate limited.","retry_after":secs,
	// "global":false}) and in the Retry-After and X-RateLimit-* headers
	// discordgo reads. Default 100 ms.
	RetryAfter time.Duration
	// Delay slows the answer down.
	Delay time.Duration
	// Count is how many matching requests the fault hits (default 1).
	Count int
	// AfterCommit performs the request first (the message is created), then
	// answers Status, or hangs until the client gives up if Status is 0:
	// a timeout after Discord did the work.
	AfterCommit bool
}

// activeFault is a Fault with its remaining count. Guarded by Server.mu.
type activeFault struct {
	Fault
	left int
}

// Fail queues a fault. Faults apply in the order queued; each request takes
// at most one.
func (s *Server) Fail(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	if f.Status == http.StatusTooManyRequests && f.RetryAfter <= 0 {
		f.RetryAfter = 100 * time.Millisecond
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Count})
}

// FaultsLeft is how many queued faults have not hit a request yet.
func (s *Server) FaultsLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.left
	}
	return n
}

var paramName = regexp.MustCompile(`\{[^}]*\}`)

// sameRoute compares routes ignoring parameter names.
func sameRoute(a, b string) bool {
	return paramName.ReplaceAllString(a, "{}") == paramName.ReplaceAllString(b, "{}")
}

// takeFault consumes the first fault that matches route.
func (s *Server) takeFault(route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Route != "" && !sameRoute(f.Route, route) {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// faultResult is the answer for a fault's status.
func faultResult(f *Fault) result {
	if f.Status == http.StatusTooManyRequests {
		return rateLimited(f.RetryAfter, "fault", false)
	}
	body := map[string]any{"message": http.StatusText(f.Status), "code": 0}
	return result{status: f.Status, header: http.Header{}, body: mustJSON(body)}
}

// rateLimited builds a 429 the way Discord sends it. discordgo sleeps for
// the body's retry_after (seconds, float) before retrying, and its bucket
// waits for X-RateLimit-Reset-After.
func rateLimited(retry time.Duration, bucket string, global bool) result {
	secs := retry.Seconds()
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "1")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(time.Now().Add(retry).UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secs))
	h.Set("X-RateLimit-Bucket", bucket)
	scope := "user"
	if global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	body := map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": global}
	return result{status: http.StatusTooManyRequests, header: h, body: mustJSON(body)}
}
