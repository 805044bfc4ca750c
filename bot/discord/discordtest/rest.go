package discordtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reqCtx is one REST request on its way through the fake.
type reqCtx struct {
	method, path string
	tmpl, route  string // spec template and "METHOD template"
	params       map[string]string
	query        url.Values
	header       http.Header
	contentType  string
	raw          []byte // the body as received
	body         []byte // the JSON part: raw, or payload_json for multipart
	files        []File
	received     time.Time
}

// param returns a path parameter by the spec's name.
func (rc *reqCtx) param(name string) string { return rc.params[name] }

// handler serves one route with Server.mu held. It returns the status and a
// value to marshal (nil for no body) or an *apiError.
type handler func(s *Server, rc *reqCtx) (int, any, error)

// routeTable maps "METHOD spec-template" to its handler. Each rest_*.go file
// lists its own routes; this is the one place that gathers them, so a reader
// sees every served route from here and a route listed twice fails loudly.
func routeTable() map[string]handler {
	all := map[string]handler{}
	for _, part := range []map[string]handler{
		guildRoutes(),
		channelRoutes(),
		roleRoutes(),
		messageRoutes(),
		eventRoutes(),
		commandRoutes(),
		interactionRoutes(),
	} {
		for route, h := range part {
			if _, dup := all[route]; dup {
				panic("discordtest: route " + route + " is listed twice")
			}
			all[route] = h
		}
	}
	return all
}

// noAuth lists routes Discord serves without the bot token: the gateway URL
// and everything authenticated by an interaction token instead.
var noAuth = map[string]bool{
	"GET /gateway": true,
	"POST /interactions/{interaction_id}/{interaction_token}/callback": true,
}

func needsAuth(route string) bool {
	if noAuth[route] {
		return false
	}
	return !strings.Contains(route, " /webhooks/{webhook_id}/{webhook_token}")
}

// maxBody is Discord's upload limit for bots without boosts, plus slack for
// multipart framing.
const maxBody = 26 << 20

// serveREST runs a request through matching, authentication, validation,
// faults, rate limits and the route's handler, and records it.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, path string) {
	rc := &reqCtx{method: r.Method, path: path, query: r.URL.Query(), header: r.Header,
		contentType: r.Header.Get("Content-Type"), received: time.Now()}
	rc.raw, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
	res := s.process(r, rc)

	// Record before answering, so that a test that has the answer also
	// sees the request.
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: rc.method, Path: rc.path, Query: rc.query, Route: rc.route,
		ContentType: rc.contentType, Body: rc.raw, Status: res.status, Time: rc.received, Duration: time.Since(rc.received)})
	s.notifyLocked()
	s.mu.Unlock()

	for k, vs := range res.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if res.body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

// result is the response the fake writes.
type result struct {
	status int
	header http.Header
	body   []byte
}

func errorResult(e *apiError) result {
	return result{status: e.Status, header: http.Header{}, body: mustJSON(e)}
}

func (s *Server) process(r *http.Request, rc *reqCtx) result {
	tmpl, params, methodOK, ok := s.spec.match(rc.method, rc.path)
	if !ok || !methodOK {
		s.violate(RuleSpecRoute, rc, "no such route in Discord's OpenAPI spec")
		if ok {
			return errorResult(&apiError{Status: 405, Message: "405: Method Not Allowed"})
		}
		return errorResult(errNotFound)
	}
	rc.tmpl, rc.params, rc.route = tmpl, params, rc.method+" "+tmpl
	if needsAuth(rc.route) && r.Header.Get("Authorization") != "Bot "+Token {
		return errorResult(errUnauthorized)
	}
	if err := rc.splitBody(); err != nil {
		s.violate(RuleSpecBody, rc, err.Error())
		return errorResult(&apiError{Status: 400, Code: 50109, Message: "The request body contains invalid JSON."})
	}
	if problems := s.validate(rc); len(problems) > 0 {
		for _, p := range problems {
			s.violate(p.rule, rc, p.detail)
		}
		return errorResult(invalidForm(problems[0].rule, problems[0].detail))
	}

	f := s.takeFault(rc.route)
	if f != nil && !f.AfterCommit {
		if !s.sleep(r, f.Delay) {
			return errorResult(&apiError{Status: 499, Message: "client went away"})
		}
		if f.Status != 0 {
			return faultResult(f)
		}
	}
	var rlHeader http.Header
	if s.limiter != nil {
		var limited *result
		rlHeader, limited = s.limiter.take(rc, time.Now(), s.cfg.bucketRules, s.interactionRoute(rc))
		if limited != nil {
			return *limited
		}
	}

	h, ok := s.routes[rc.route]
	if !ok {
		s.violate(RuleFakeRoute, rc, "route is in Discord's spec but not served by discordtest; add it there")
		return errorResult(errNotFound)
	}
	s.mu.Lock()
	status, v, err := h(s, rc)
	s.notifyLocked()
	s.mu.Unlock()

	res := handlerResult(status, v, err, rlHeader)
	if f != nil && f.AfterCommit {
		if f.Status == 0 {
			// Hang after committing, until the client gives up or the
			// server closes: the bot's timeout path must not repeat the
			// write blindly.
			<-s.hang(r)
			return errorResult(&apiError{Status: 504, Message: "discordtest: hung"})
		}
		if !s.sleep(r, f.Delay) {
			return errorResult(&apiError{Status: 499, Message: "client went away"})
		}
		return faultResult(f)
	}
	return res
}

// handlerResult is the response for what a route's handler returned: its
// status and value, or its error (an *apiError as Discord words it, anything
// else as a 500), with the rate limit headers.
func handlerResult(status int, v any, err error, header http.Header) result {
	res := result{status: status, header: header}
	if res.header == nil {
		res.header = http.Header{}
	}
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		res.status, res.body = ae.Status, mustJSON(ae)
	case err != nil:
		res.status, res.body = 500, mustJSON(&apiError{Status: 500, Message: "discordtest: " + err.Error()})
	case v != nil:
		res.body = mustJSON(v)
	}
	return res
}

// sleep waits d unless the client or the server goes away first.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// hang returns a channel closed when the client or the server goes away.
func (s *Server) hang(r *http.Request) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	}()
	return ch
}

// violate records a violation for a request.
func (s *Server) violate(rule string, rc *reqCtx, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violateLocked(rule, rc, detail)
	s.violations[len(s.violations)-1].Body = excerpt(rc.raw)
}

// excerpt shortens a body for a violation report.
func excerpt(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// splitBody finds the JSON part of the body: the body itself, or the
// payload_json field of a multipart body with its files[n] parts.
func (rc *reqCtx) splitBody() error {
	if len(rc.raw) == 0 {
		return nil
	}
	mt, params, err := mime.ParseMediaType(rc.contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %v", rc.contentType, err)
	}
	switch mt {
	case "application/json":
		rc.body = rc.raw
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(rc.raw), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("multipart body: %v", err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return fmt.Errorf("multipart body: %v", err)
			}
			switch name := p.FormName(); {
			case name == "payload_json":
				rc.body = data
			case strings.HasPrefix(name, "files["):
				rc.files = append(rc.files, File{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
			default:
				return fmt.Errorf("multipart body: unexpected part %q (want payload_json and files[n])", name)
			}
		}
	default:
		return fmt.Errorf("content type %q: the fake expects application/json or multipart/form-data", mt)
	}
	if rc.body != nil && !json.Valid(rc.body) {
		return errors.New("body is not valid JSON")
	}
	return nil
}

// decode unmarshals the JSON body into v; an absent body leaves v alone.
func (rc *reqCtx) decode(v any) error {
	if len(rc.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(rc.body, v); err != nil {
		return invalidForm(RuleSpecBody, err.Error())
	}
	return nil
}

// queryInt reads an integer query parameter with a default.
func (rc *reqCtx) queryInt(name string, def int) int {
	if v := rc.query.Get(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// interactionRoute reports whether rc is an interaction endpoint: a webhook
// route addressed with the application id and a live interaction token.
func (s *Server) interactionRoute(rc *reqCtx) bool {
	if !strings.Contains(rc.route, " /webhooks/{webhook_id}/{webhook_token}") {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.interactionTokens[rc.param("webhook_token")]
	return ok && rc.param("webhook_id") == s.appID
}
