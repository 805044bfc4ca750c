package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"workshopbot/bot"
)

// Config is what the transport needs to know; main fills it from the environment
// and schedule.yaml.
type Config struct {
	Token       string                                             // the bot token, from DISCORD_TOKEN only ("Bot " prefix optional)
	APIBase     string                                             // DISCORD_API_BASE, optional, e.g. "http://127.0.0.1:4321": REST goes there and the gateway URL is discovered through it
	GuildID     string                                             // DISCORD_GUILD_ID or schedule.yaml discord.guild; Names.GuildID if empty
	Names       bot.DiscordConfig                                  // channel and role names (or ids) from schedule.yaml
	Commands    []bot.CommandSpec                                  // registered as guild commands
	Handle      func(ctx context.Context, c bot.Command) bot.Reply // the bot's command handler; must return quickly
	Logger      *slog.Logger                                       // slog.Default() if nil
	MaxAttempts int                                                // bound on the attempts of one request (429, 5xx, timeouts); 5 if 0
	// OnMemberJoin, if set, is told of each member who joins the guild (presenters
	// get their rights then); it runs in the gateway's reader and must be quick.
	OnMemberJoin func(u bot.User)
	// OnREST, if set, is told of every REST answer: the route with ids left out
	// ("POST /channels/{id}/messages") and the HTTP status (0: no answer). It
	// feeds the metrics and must be quick.
	OnREST func(route string, status int)
	// OnConnect, if set, is told of every gateway connection, the first and each
	// reconnection; it runs in the gateway's reader and must be quick.
	OnConnect func()
	// OnActivity, if set, is told of what the figures count: the member count at
	// each GUILD_CREATE, joins, leaves, and messages people (not bots) post,
	// with the channel as a logical name where it is one. It runs in the
	// gateway's reader and must be quick.
	OnActivity func(a bot.Activity)
	// Heartbeat, when it names the instance, keeps a heartbeat in the
	// moderators channel and makes Open refuse while another instance's is
	// live (heartbeat.go).
	Heartbeat HeartbeatConfig
}

// Transport is a connection to one Discord guild. It implements bot.Transport.
type Transport struct {
	cfg         Config
	guildID     string
	log         *slog.Logger
	session     *discordgo.Session
	commands    []commandJSON
	maxAttempts int
	pacer       *rate.Limiter // every REST call but the interaction endpoints, below Discord's global limit

	connected   atomic.Bool
	acting      atomic.Bool   // interactions are answered: no other live instance was found (heartbeat.go)
	decided     chan struct{} // closed once acting is decided: at Open's check, or at Close
	decideOnce  sync.Once
	otherGuilds sync.Map // guild ids whose interactions were ignored, logged once each
	gateway     gatewayConns

	mu     sync.Mutex     // guards opened, closed and every busy.Add
	opened bool           // Open was called
	closed bool           // Close was called: no new posts or interactions
	busy   sync.WaitGroup // posts and interactions in flight
	hb     *heartbeat     // the running heartbeat, once Open started it

	turns      messageTurns  // button presses wait for earlier presses on the same message
	guildReady chan struct{} // closed at the configured guild's first GUILD_CREATE
	readyOnce  sync.Once

	state        sync.RWMutex                  // guards the fields below
	appID        string                        // from READY
	botID        string                        // from READY
	guild        *discordgo.Guild              // as of the last GUILD_CREATE; ours alone, since discordgo's state is off
	modRole      string                        // id of the moderators role, resolved once at start; "" if none
	channels     map[string]*discordgo.Channel // logical channel (bot.ChannelAnnouncements...) -> resolved channel
	reminderRole string                        // id of the role PingRole mentions; "" if none
}

var _ bot.Transport = (*Transport)(nil)

// New checks cfg and prepares a session; it does not connect (see Open).
func New(cfg Config) (*Transport, error) {
	token, guildID, commands, base, err := checkConfig(cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg.Token = "" // the session has it; keep no second copy
	t := &Transport{
		cfg:         cfg,
		guildID:     guildID,
		log:         log.With("transport", "discord", "guild", guildID),
		commands:    commands,
		maxAttempts: cfg.MaxAttempts,
		pacer:       rate.NewLimiter(bot.PaceRate, bot.PaceBurst),
		guildReady:  make(chan struct{}),
		decided:     make(chan struct{}),
		channels:    map[string]*discordgo.Channel{},
	}
	if t.maxAttempts <= 0 {
		t.maxAttempts = 5
	}

	if t.session, err = t.newSession(token, base); err != nil {
		return nil, err
	}
	return t, nil
}

// newSession prepares discordgo's session for t: its REST client (through
// base, if set), its gateway dialer, and t's handlers.
func (t *Transport) newSession(token string, base *url.URL) (*discordgo.Session, error) {
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	s.Identify.Token = token // the gateway wants the bare token
	s.Identify.Intents = Intents
	s.Compress = false
	s.StateEnabled = false // the transport keeps what it needs itself, without data races
	// Handlers run in the gateway's reader, in order, so Connect/Disconnect cannot
	// be seen swapped; the interaction handler hands off to a goroutine at once.
	s.SyncEvents = true
	// discordgo retries 429s forever and 502s MaxRestRetries times; call bounds them.
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	next := http.DefaultTransport.(*http.Transport).Clone()
	s.Client = &http.Client{Timeout: requestTimeout + 5*time.Second, Transport: rewrite{base: base, next: next, observe: t.cfg.OnREST}}
	s.Dialer = &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: requestTimeout,
		NetDialContext:   t.gateway.dial,
	}
	s.AddHandler(t.onReady)
	s.AddHandler(t.onGuildCreate)
	s.AddHandler(t.onConnect)
	s.AddHandler(t.onDisconnect)
	s.AddHandler(t.onResumed)
	s.AddHandler(t.onInteraction)
	s.AddHandler(t.onMemberAdd)
	s.AddHandler(t.onMemberRemove)
	s.AddHandler(t.onMessageCreate)
	return s, nil
}

// checkConfig reads cfg's token, guild, commands and API base, or says what
// is wrong with them.
func checkConfig(cfg Config) (token, guildID string, commands []commandJSON, base *url.URL, err error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.Token), "Bot "))
	if token == "" {
		return "", "", nil, nil, errors.New("discord: no bot token: set DISCORD_TOKEN")
	}
	guildID = cfg.GuildID
	if guildID == "" {
		guildID = cfg.Names.GuildID
	}
	if guildID == "" {
		return "", "", nil, nil, errors.New("discord: no guild: set DISCORD_GUILD_ID or discord.guild in schedule.yaml")
	}
	if !isSnowflake(guildID) {
		return "", "", nil, nil, fmt.Errorf("discord: guild %q is not a Discord id (a number like 1234567890123456789)", guildID)
	}
	if cfg.Handle == nil {
		return "", "", nil, nil, errors.New("discord: Config.Handle is nil")
	}
	commands, err = buildCommands(cfg.Commands)
	if err != nil {
		return "", "", nil, nil, fmt.Errorf("discord: %w", err)
	}
	if cfg.APIBase != "" {
		base, err = url.Parse(strings.TrimSpace(cfg.APIBase))
		if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
			return "", "", nil, nil, fmt.Errorf("discord: DISCORD_API_BASE %q: want an http(s) URL like http://127.0.0.1:4321", cfg.APIBase)
		}
	}
	return token, guildID, commands, base, nil
}

// Open connects the gateway, waits for the guild, then sets it up: channels and
// roles resolved (missing bot-owned channels created), permissions checked and
// logged, commands registered if they changed. Only a failure to reach the guild is
// an error; what the bot cannot set up is logged and the rest keeps working. It
// gives up after 30 s unless ctx ends sooner.
func (t *Transport) Open(ctx context.Context) error {
	t.mu.Lock()
	if t.opened || t.closed {
		t.mu.Unlock()
		return errors.New("discord: open: already opened or closed")
	}
	t.opened = true
	t.mu.Unlock()

	run := ctx // the heartbeat's, beyond Open
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	start := time.Now()
	opened := make(chan error, 1)
	// discordgo's Open cannot be cancelled: on timeout it is left running, and
	// Close ends it (by cutting its connection if it is stuck reading).
	go func() { opened <- t.openGateway(ctx) }()
	select {
	case err := <-opened:
		if err != nil {
			return fmt.Errorf("discord: open gateway: %w%s", err, gatewayHint(err))
		}
	case <-ctx.Done():
		return fmt.Errorf("discord: open gateway: no READY after %s: %w", time.Since(start).Round(time.Millisecond), ctx.Err())
	}
	select {
	case <-t.guildReady:
	case <-ctx.Done():
		t.state.RLock()
		appID := t.appID
		t.state.RUnlock()
		return fmt.Errorf("discord: open: guild %s did not arrive within %s: is the bot a member? Invite it with %s: %w",
			t.guildID, time.Since(start).Round(time.Millisecond), InviteURL(appID), ctx.Err())
	}
	t.log.Info("gateway ready", "latency", time.Since(start).Round(time.Millisecond))
	if t.cfg.Heartbeat.Instance == "" {
		t.decide(true)
		return t.setUp(ctx)
	}
	// Before the bot creates a channel, registers a command or answers one:
	// is another instance live on this guild?
	modChannel, beats, err := t.checkInstances(ctx)
	t.decide(err == nil)
	if err != nil {
		return err
	}
	if err := t.setUp(ctx); err != nil {
		return err
	}
	t.startHeartbeat(run, modChannel, beats)
	return nil
}

// openGateway runs discordgo's Open, and again after a pause while the gateway
// lookup (GET /gateway) meets a 429 or a 5xx: a brief outage of Discord's API at
// start is waited out (within ctx) rather than ending the bot.
func (t *Transport) openGateway(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := t.session.Open()
		if err == nil || !transientOpenError(err) {
			return err
		}
		t.log.Warn("gateway lookup failed; trying again", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(min(time.Duration(attempt)*500*time.Millisecond, 5*time.Second)):
		}
	}
}

// transientOpenError reports whether Open failed on a rate limit or a server
// error, which a later attempt may not meet.
func transientOpenError(err error) bool {
	var rl *discordgo.RateLimitError
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &rl):
		return true
	case errors.As(err, &re):
		return re.Response != nil && (re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500)
	}
	// discordgo's own retries of a 502 end in a plain error.
	return strings.HasPrefix(err.Error(), "Exceeded Max retries")
}

// gatewayHint explains the gateway close codes a misconfigured bot gets.
func gatewayHint(err error) string {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return ""
	}
	switch ce.Code {
	case 4004:
		return " (the token was refused: check DISCORD_TOKEN)"
	case 4014:
		return " (enable \"Server Members Intent\" for the application in the Discord developer portal)"
	}
	return ""
}

// Deduplicates reports that a post retried with the same Message.Nonce is not
// duplicated: Discord enforces the nonce.
func (t *Transport) Deduplicates() bool { return true }

// Connected reports whether the gateway is connected now. Posts do not need it;
// commands do.
func (t *Transport) Connected() bool { return t.connected.Load() }

// Close marks the heartbeat "stopped" (1 s at most), stops taking
// interactions, waits for posts and interactions in flight, then closes the
// gateway; 5 s in all after the heartbeat. Posts still running after that continue in their
// callers' goroutines until their own context or attempts end.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()

	t.decide(false)   // interactions waiting for the check are dropped
	t.stopHeartbeat() // says "stopped": the next bot need not wait for it to go stale
	t.gateway.stop()

	idle := make(chan struct{})
	go func() { // ends when the last post or interaction in flight does
		t.busy.Wait()
		close(idle)
	}()
	timer := time.NewTimer(closeBudget - gatewayCloseFor - cutWait)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
		t.log.Warn("closing with posts or interactions still in flight")
	}

	closed := make(chan error, 1)
	go func() { closed <- t.session.Close() }() // ends once discordgo's lock is free: cut() sees to it
	var err error
	select {
	case err = <-closed:
	case <-time.After(gatewayCloseFor):
		// discordgo holds its lock while it connects; cut the connection under it.
		t.gateway.cut()
		select {
		case err = <-closed:
		case <-time.After(cutWait):
			err = errors.New("discordgo did not let go of the gateway")
		}
	}
	if err != nil {
		return fmt.Errorf("discord: close gateway: %w", err)
	}
	t.log.Info("closed")
	return nil
}

// decide settles, once, whether interactions are answered, and lets those
// that arrived during the check go on.
func (t *Transport) decide(acting bool) {
	t.decideOnce.Do(func() {
		t.acting.Store(acting)
		close(t.decided)
	})
}

// track registers one post or interaction in flight; ok is false once Close began.
func (t *Transport) track() (done func(), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, false
	}
	t.busy.Add(1)
	return t.busy.Done, true
}

func (t *Transport) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// The gateway handlers below run synchronously in discordgo's reader (SyncEvents):
// they must be quick and must not call session methods that take its lock.

func (t *Transport) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	var botID, appID string
	if r.User != nil {
		botID = r.User.ID
		appID = r.User.ID // a bot's application id is its user id, unless READY says otherwise
	}
	if r.Application != nil && r.Application.ID != "" {
		appID = r.Application.ID
	}
	t.state.Lock()
	t.botID, t.appID = botID, appID
	t.state.Unlock()
	t.log.Info("gateway READY", "bot", botID, "application", appID, "session", r.SessionID)
}

func (t *Transport) onGuildCreate(_ *discordgo.Session, g *discordgo.GuildCreate) {
	if g.Guild == nil || g.ID != t.guildID {
		return
	}
	t.state.Lock()
	t.guild = g.Guild
	t.state.Unlock()
	t.log.Info("guild available", "name", g.Name, "channels", len(g.Channels), "roles", len(g.Roles), "members", g.MemberCount)
	t.readyOnce.Do(func() { close(t.guildReady) })
	t.activity(bot.Activity{Kind: bot.ActivityMembers, Members: g.MemberCount})
}

// activity hands a to Config.OnActivity, if set.
func (t *Transport) activity(a bot.Activity) {
	if t.cfg.OnActivity != nil {
		t.cfg.OnActivity(a)
	}
}

// onMemberRemove counts a member who left the guild (or was kicked or banned).
func (t *Transport) onMemberRemove(_ *discordgo.Session, e *discordgo.GuildMemberRemove) {
	if e.Member == nil || e.GuildID != t.guildID {
		return
	}
	t.activity(bot.Activity{Kind: bot.ActivityLeave})
}

// onMessageCreate counts a message someone posted in the guild. The bot's own
// posts and other bots' are not counted, and the content is never looked at
// (without MESSAGE_CONTENT Discord sends none).
func (t *Transport) onMessageCreate(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Message == nil || m.GuildID != t.guildID || m.Author == nil || m.Author.Bot || m.WebhookID != "" {
		return
	}
	channel := m.ChannelID
	t.state.RLock()
	for name, ch := range t.channels {
		if _, room := bot.RoomChannelName(name); room {
			continue // not counted: the figures know the bot's three channels and the posters'
		}
		if ch != nil && ch.ID == m.ChannelID {
			channel = name
			break
		}
	}
	t.state.RUnlock()
	t.activity(bot.Activity{Kind: bot.ActivityMessage, Channel: channel})
}

func (t *Transport) onConnect(_ *discordgo.Session, _ *discordgo.Connect) {
	t.connected.Store(true)
	t.log.Info("gateway connected")
	if t.cfg.OnConnect != nil {
		t.cfg.OnConnect()
	}
}

func (t *Transport) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) {
	t.connected.Store(true)
	t.log.Info("gateway resumed")
}

func (t *Transport) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	t.connected.Store(false)
	if t.isClosed() {
		t.log.Info("gateway closed")
		return
	}
	t.log.Warn("gateway disconnected; discordgo reconnects and resumes")
}
