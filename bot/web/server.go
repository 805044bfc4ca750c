package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/report"
)

// Bot is what the web server needs of the bot. *bot.Bot implements it.
type Bot interface {
	Program() *bot.Program
	Overview(ctx context.Context, link bot.MessageLink) (bot.Overview, error)
	Handle(ctx context.Context, c bot.Command) bot.Reply
	Subscribe() (<-chan struct{}, func())
	Figures(ctx context.Context) (bot.Figures, error)
}

var _ Bot = (*bot.Bot)(nil)

// Config is what a Server is made of. Bot and Token are required.
type Config struct {
	Bot Bot
	// Token is the moderators' token: the dashboard's actions need it in an
	// "Authorization: Bearer" header. See NewToken.
	Token string
	// Link turns a posted message into a URL for the reminder log; nil shows none.
	Link bot.MessageLink
	// Checks are what /healthz runs; all must pass for a 200.
	Checks []Check
	// Metrics collects what the transports report; nil makes a fresh one.
	Metrics *Metrics
	Logger  *slog.Logger
	// Heartbeat is how often an idle event stream gets a comment, so that proxies
	// keep it open; 15 s if 0.
	Heartbeat time.Duration
	// MaxStreams is how many event streams (open dashboards and overlays) may
	// be open at once; more are answered 503. DefaultMaxStreams if 0.
	MaxStreams int
}

// DefaultMaxStreams is the event streams open at once when Config says none:
// a workshop's moderators, screens and overlays, with room to spare.
const DefaultMaxStreams = 100

// Server serves the dashboard, the overlay, /healthz and /metrics.
type Server struct {
	cfg     Config
	log     *slog.Logger
	tmpl    *template.Template
	token   [sha256.Size]byte // hash of the token: compared in constant time whatever its length
	metrics *Metrics
	mux     *http.ServeMux
	feed    *feed
	closing chan struct{} // closed at shutdown: event streams end
	close   sync.Once
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// New checks cfg and returns a Server; it listens nowhere until Serve.
func New(cfg Config) (*Server, error) {
	if cfg.Bot == nil {
		return nil, errors.New("web: Config.Bot is nil")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("web: no moderator token (set WORKSHOPBOT_DASHBOARD_TOKEN, or let the bot generate one)")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = DefaultMaxStreams
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := cfg.Metrics
	if m == nil {
		m = NewMetrics()
	}
	s := &Server{cfg: cfg, log: log.With("component", "web"), token: sha256.Sum256([]byte(cfg.Token)), metrics: m, closing: make(chan struct{})}
	s.feed = newFeed(s, cfg.MaxStreams)
	if err := m.register(s); err != nil {
		return nil, fmt.Errorf("web: metrics: %w", err)
	}
	tmpl, err := template.New("").Funcs(s.funcs()).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s.tmpl = tmpl
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page("dashboard.html"))
	mux.HandleFunc("GET /overlay", s.page("overlay.html"))
	mux.HandleFunc("GET /figures", s.figures)
	mux.HandleFunc("GET /figures.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = io.WriteString(w, report.CSS)
	})
	mux.HandleFunc("GET /api/overview", s.overview)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("POST /api/token", s.checkToken)
	mux.HandleFunc("POST /api/questions/next", s.action(func(*http.Request) (bot.Command, error) {
		return bot.Command{Name: "questions next"}, nil
	}))
	for _, verb := range []string{"answered", "dismiss"} {
		mux.HandleFunc("POST /api/questions/{id}/"+verb, s.action(func(r *http.Request) (bot.Command, error) {
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil || id <= 0 {
				return bot.Command{}, fmt.Errorf("%q is not a question number", r.PathValue("id"))
			}
			return bot.Command{Name: "questions " + verb, Options: map[string]string{"id": strconv.FormatInt(id, 10)}}, nil
		}))
	}
	s.mux = mux
	return s, nil
}

// NewToken returns a fresh moderator token: 24 random bytes, URL-safe base64.
func NewToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate dashboard token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Handler is the server's routes, with the headers every answer carries.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Scripts and styles only from this server; no inline script runs, so
		// text that slipped through unescaped could not run either.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		s.mux.ServeHTTP(w, r)
	})
}

// Listen opens addr for Serve. A listener that is not on a loopback address is
// logged as a risk: anyone who can reach it reads the dashboard, and the
// moderator token would travel without TLS.
func Listen(addr string, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: listen on %s: %w", addr, err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && !ta.IP.IsLoopback() && log != nil {
		log.Warn("dashboard listens on a non-loopback address: anyone who can reach it sees the question queue and the reminder log, "+
			"and the moderator token crosses the network in clear text (no TLS); bind 127.0.0.1 or put it behind a TLS reverse proxy",
			"addr", ln.Addr().String())
	}
	return ln, nil
}

// Serve answers on ln until ctx ends, then shuts down: event streams are ended,
// requests in flight get up to 3 s to finish. A Server serves once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { s.close.Do(func() { close(s.closing) }) })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("dashboard: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-served // http.ErrServerClosed once Shutdown began
	if err != nil {
		return fmt.Errorf("dashboard: shut down: %w", err)
	}
	return nil
}

// page renders a template with the current overview.
func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ov, err := s.cfg.Bot.Overview(r.Context(), s.cfg.Link)
		if err != nil {
			s.fail(w, "read overview", err)
			return
		}
		var buf bytes.Buffer // rendered whole first: a failure is a 500, not half a page
		data := pageData{Overview: ov, Loc: s.cfg.Bot.Program().Schedule.Workshop.Location, Waiting: ov.QuestionCounts[bot.QuestionWaiting]}
		if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			s.fail(w, "render "+name, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = buf.WriteTo(w)
	}
}

// FiguresRefresh is how often the Figures page reloads itself.
const FiguresRefresh = time.Minute

// figures is the Figures page: the report `workshopbot report` writes after the
// event, made from the running bot's figures at each request, with its style
// served apart (the page's Content-Security-Policy allows no inline style).
// The charts change over minutes, not seconds, so the page reloads itself
// every FiguresRefresh instead of following the event stream.
func (s *Server) figures(w http.ResponseWriter, r *http.Request) {
	f, err := s.cfg.Bot.Figures(r.Context())
	if err != nil {
		s.fail(w, "read figures", err)
		return
	}
	var buf bytes.Buffer // rendered whole first: a failure is a 500, not half a page
	if err := report.WriteHTML(&buf, f, report.Options{Stylesheet: "/figures.css", Refresh: FiguresRefresh, Back: "/"}); err != nil {
		s.fail(w, "render figures", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// pageData is what the templates get: the overview, and the workshop's zone
// to show times in. The scripts take over from the event stream's first event.
type pageData struct {
	bot.Overview
	Loc     *time.Location
	Waiting int // questions waiting for approval
}

// overview answers the overview as JSON.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	ov, err := s.cfg.Bot.Overview(r.Context(), s.cfg.Link)
	if err != nil {
		s.fail(w, "read overview", err)
		return
	}
	writeJSON(w, http.StatusOK, ov)
}

// actionReply is what an action answers: the bot's reply, as the moderator who
// ran the slash command would read it.
type actionReply struct {
	Message string `json:"message"`
	Error   string `json:"error,omitempty"`
}

// action runs the command that build makes, as the dashboard's moderator, once
// the token checks out.
func (s *Server) action(build func(*http.Request) (bot.Command, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.refuse(w, r) {
			return
		}
		c, err := build(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, actionReply{Error: err.Error()})
			return
		}
		c.User = bot.DashboardUser(s.cfg.Bot.Program())
		c.Channel = "dashboard"
		reply := s.cfg.Bot.Handle(r.Context(), c)
		s.log.Info("dashboard action", "command", c.Name, "id", c.Options["id"], "remote", r.RemoteAddr)
		writeJSON(w, http.StatusOK, actionReply{Message: reply.Content})
	}
}

// checkToken lets the dashboard check a token before it keeps it: 204 when it
// is right, 401 when not.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) {
	if !s.refuse(w, r) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// refuse answers a request that carries no good token (400 if it came in the
// URL, 401 otherwise) and reports whether it did.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Has("token") {
		writeJSON(w, http.StatusBadRequest, actionReply{Error: "the token goes in the Authorization header (Bearer), never in the URL: URLs end up in logs and browser history"})
		return true
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="workshopbot dashboard"`)
		writeJSON(w, http.StatusUnauthorized, actionReply{Error: "missing or wrong moderator token: send it as \"Authorization: Bearer <token>\" (the bot prints it at start, or set WORKSHOPBOT_DASHBOARD_TOKEN)"})
		s.log.Warn("dashboard action refused: bad token", "path", r.URL.Path, "remote", r.RemoteAddr)
		return true
	}
	return false
}

// authorized checks the bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(got[:], s.token[:]) == 1
}

func (s *Server) fail(w http.ResponseWriter, op string, err error) {
	s.log.Error(op, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// funcs are the templates' helpers; times are shown in the workshop's zone.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"clock": func(t time.Time, loc *time.Location) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("15:04")
		},
		"zone":     func(t time.Time, loc *time.Location) string { return t.In(loc).Format("MST -07:00") },
		"date":     func(t time.Time, loc *time.Location) string { return t.In(loc).Format("Monday 2 January 2006") },
		"until":    func(from, to time.Time) string { return countdown(to.Sub(from)) },
		"lead":     leadText,
		"join":     strings.Join,
		"statuses": func() []bot.ReminderStatus { return reminderStatuses },
	}
}

// countdown is a duration as the pages show it: "in 1 h 05 min", "in 4 min 09 s".
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("in %d h %02d min", h, m)
	case m > 0:
		return fmt.Sprintf("in %d min %02d s", m, sec)
	}
	return fmt.Sprintf("in %d s", sec)
}

// leadText is a reminder's lead ("15m0s") as the log shows it: "15 min before",
// "at start".
func leadText(lead string) string {
	d, err := time.ParseDuration(lead)
	if err != nil {
		return lead
	}
	if d == 0 {
		return "at start"
	}
	var parts []string
	if h := int(d.Hours()); h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m := int(d.Minutes()) % 60; m > 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	if sec := int(d.Seconds()) % 60; sec > 0 {
		parts = append(parts, fmt.Sprintf("%d s", sec))
	}
	return strings.Join(parts, " ") + " before"
}
