package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// APIError is a REST request that failed for good: Discord refused it, or kept
// failing until the attempts ran out. Callers wrap it with what they were doing.
type APIError struct {
	Method   string // "POST"
	Path     string // "/api/v9/channels/123/messages"
	Status   int    // HTTP status of the last answer; 0 if none arrived
	Code     int    // Discord's JSON error code, when it sent one
	Message  string // Discord's error message, when it sent one
	Attempts int    // how many times the request was sent
	Err      error  // the last underlying error; its text may hold a token (use Error)

	detail     string        // Err's text with tokens hidden
	retryable  bool          // a later attempt may succeed
	unhandled  bool          // Discord certainly did not act on the request (429)
	retryAfter time.Duration // Discord's retry_after, for 429
}

// Error says what failed, with the status and Discord's own code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
		if e.Code != 0 || e.Message != "" {
			fmt.Fprintf(&b, " (Discord code %d: %s)", e.Code, e.Message)
		}
		if e.Status == http.StatusTooManyRequests && e.retryAfter > 0 {
			fmt.Fprintf(&b, ", retry after %s", e.retryAfter)
		}
	case e.detail != "":
		b.WriteString(e.detail)
	default:
		b.WriteString("failed")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, context.DeadlineExceeded) works.
func (e *APIError) Unwrap() error { return e.Err }

// exchange records, for one attempt, the HTTP status the transport saw: discordgo
// turns a 502 into a plain error string, and a 429 body it cannot decode into a JSON
// error, so the status is read here instead.
type exchange struct{ status int }

type exchangeKey struct{}

// rewrite is the http.RoundTripper of the session's client. It sends requests for
// discord.com to base when one is configured (a fake or a proxy), and records the
// status of each answer in the request's exchange.
type rewrite struct {
	base    *url.URL // nil: talk to discord.com
	next    http.RoundTripper
	observe func(route string, status int) // Config.OnREST; nil if unset
}

// RoundTrip implements http.RoundTripper.
func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path // before the rewrite: the route as Discord names it
	if r.base != nil && (req.URL.Host == "discord.com" || req.URL.Host == "discordapp.com") {
		req = req.Clone(req.Context())
		req.URL.Scheme = r.base.Scheme
		req.URL.Host = r.base.Host
		req.URL.Path = strings.TrimSuffix(r.base.Path, "/") + req.URL.Path
		req.URL.RawPath = ""
		req.Host = ""
	}
	resp, err := r.next.RoundTrip(req)
	if r.observe != nil {
		r.observe(routeOf(req.Method, path), statusOf(resp))
	}
	if x, ok := req.Context().Value(exchangeKey{}).(*exchange); ok && resp != nil {
		x.status = resp.StatusCode
	}
	return resp, err
}

// call sends one REST request through the session's rate limiter and returns the
// answer's body. It retries up to MaxAttempts times: a 429 after Discord's retry_after
// (failing at once if that is longer than maxRetryWait), and, when idempotent, a 5xx
// or a network error or timeout after a growing backoff. Other 4xx answers are final.
// Pass idempotent only when sending the request twice cannot do the thing twice (a
// GET, a PUT, a message with a nonce).
func (t *Transport) call(ctx context.Context, method, urlStr, bucket string, body any, idempotent bool) ([]byte, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, pathOf(urlStr), err)
		}
	}
	return t.callRaw(ctx, method, urlStr, bucket, "application/json", data, idempotent)
}

// callRaw is call with a body already encoded as contentType (a multipart body
// with files, for one).
func (t *Transport) callRaw(ctx context.Context, method, urlStr, bucket, contentType string, data []byte, idempotent bool) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		resp, ae := t.attempt(ctx, method, urlStr, bucket, contentType, data)
		if ae == nil {
			return resp, nil
		}
		ae.Attempts = attempt
		if !ae.retryable || (!idempotent && !ae.unhandled) || attempt >= t.maxAttempts || ctx.Err() != nil {
			return nil, ae
		}
		wait := ae.retryAfter
		if ae.Status != http.StatusTooManyRequests {
			wait = min(backoffBase<<(attempt-1), backoffMax)
		}
		if wait > maxRetryWait {
			return nil, ae
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return nil, ae
		}
		t.log.Info("discord request failed, retrying",
			"method", method, "path", ae.Path, "status", ae.Status, "code", ae.Code,
			"attempt", attempt, "wait", wait, "error", ae.detail)
		if err := sleep(ctx, wait); err != nil {
			ae.Err, ae.detail = err, err.Error()
			return nil, ae
		}
	}
}

// attempt sends the request once, holding its rate-limit bucket as discordgo would,
// but waiting for the bucket in a way ctx can cancel.
func (t *Transport) attempt(ctx context.Context, method, urlStr, bucketID, contentType string, data []byte) ([]byte, *APIError) {
	ae := &APIError{Method: method, Path: pathOf(urlStr)}
	b, err := t.lockBucket(ctx, bucketID)
	if err != nil {
		ae.Err, ae.detail = err, err.Error()
		return nil, ae
	}
	// The shared pacer comes after the bucket, so that a call waiting for its
	// bucket holds no share of the global limit.
	if !interactionEndpoint(urlStr) {
		if err := t.pacer.Wait(ctx); err != nil {
			_ = b.Release(nil)
			ae.Err, ae.detail = err, err.Error()
			return nil, ae
		}
	}
	actx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	x := &exchange{}
	actx = context.WithValue(actx, exchangeKey{}, x)
	resp, err := t.session.RequestWithLockedBucket(method, urlStr, contentType, data, b, 0, discordgo.WithContext(actx))
	if err == nil {
		return resp, nil
	}
	ae.Err, ae.detail = err, redact(err.Error(), urlStr)
	ae.Status = x.status
	var rl *discordgo.RateLimitError
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &rl):
		ae.Status = http.StatusTooManyRequests
		ae.retryable, ae.unhandled = true, true
		if rl.TooManyRequests != nil {
			ae.retryAfter = rl.RetryAfter
			ae.Message = rl.Message
		}
	case errors.As(err, &re):
		if re.Response != nil {
			ae.Status = re.Response.StatusCode
		}
		if re.Message != nil {
			ae.Code, ae.Message = re.Message.Code, re.Message.Message
		}
		ae.retryable = ae.Status >= 500
	case x.status == http.StatusTooManyRequests: // a 429 whose body discordgo could not decode
		ae.retryable, ae.unhandled = true, true
		ae.retryAfter = time.Second
	default: // a 502 (discordgo's "Exceeded Max retries"), or no answer at all
		ae.retryable = x.status == 0 || x.status >= 500
	}
	if ctx.Err() != nil {
		ae.retryable = false
	}
	return nil, ae
}

// lockBucket is discordgo's Ratelimiter.LockBucket with a wait that ctx can cancel
// and that refuses to wait longer than maxRetryWait. The bucket is released by
// RequestWithLockedBucket.
func (t *Transport) lockBucket(ctx context.Context, id string) (*discordgo.Bucket, error) {
	rl := t.session.Ratelimiter
	b := rl.GetBucket(id)
	b.Lock()
	if wait := rl.GetWaitTime(b, 1); wait > 0 {
		// discordgo keeps the reset to the millisecond, rounded down: wait a
		// little past it, or the first request after the wait can draw a 429.
		wait += bucketSlack
		if d, ok := ctx.Deadline(); wait > maxRetryWait || (ok && time.Until(d) < wait) {
			b.Unlock()
			return nil, fmt.Errorf("rate limited for another %s", wait.Round(time.Millisecond))
		}
		if err := sleep(ctx, wait); err != nil {
			b.Unlock()
			return nil, err
		}
	}
	b.Remaining--
	return b, nil
}

// interactionEndpoint reports whether urlStr is one of the interaction
// endpoints, which Discord does not count against the global rate limit: the
// callback (/interactions/{id}/{token}/callback) and the webhook routes of an
// interaction's token (the original response and followups). The bot uses no
// other webhooks.
func interactionEndpoint(urlStr string) bool {
	return strings.Contains(urlStr, "/interactions/") || strings.Contains(urlStr, "/webhooks/")
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pathOf is the path of a discordgo endpoint URL, for messages and logs, with
// interaction and webhook tokens (secrets for 15 minutes) hidden.
func pathOf(urlStr string) string {
	return redact(urlStr, urlStr)
}

// redact hides in s the tokens in the path of urlStr, and, when s is urlStr,
// returns just the path.
func redact(s, urlStr string) string {
	path := urlStr
	if u, err := url.Parse(urlStr); err == nil {
		path = u.Path
	}
	if s == urlStr {
		s = path
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if (seg == "interactions" || seg == "webhooks") && i+2 < len(segs) && segs[i+2] != "" {
			s = strings.ReplaceAll(s, segs[i+2], "{token}")
		}
	}
	return s
}
