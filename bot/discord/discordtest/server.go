package discordtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Token is the bot token the fake accepts, as "Bot " + Token in the
// Authorization header and in IDENTIFY. Anything else gets 401 (REST) or
// close code 4004 (gateway).
const Token = "fake-bot-token"

// DefaultBotPermissions is what the bot's managed role may do unless
// SetBotPermissions says otherwise: what a workshop bot needs, without
// ADMINISTRATOR (which would hide missing-permission bugs), with
// MENTION_EVERYONE (the bot pings its own roles, which members may not
// mention; allowed_mentions keeps it from ever pinging @everyone) and without
// MANAGE_EVENTS (CREATE_EVENTS covers the events the bot creates itself).
// It includes PIN_MESSAGES, which pins need since the permission split
// (discord-api-docs PRs #7766 and #7770).
const DefaultBotPermissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionManageChannels |
	discordgo.PermissionManageRoles |
	discordgo.PermissionManageMessages |
	discordgo.PermissionMentionEveryone |
	PermissionPinMessages |
	discordgo.PermissionCreateEvents

// PermissionPinMessages is PIN_MESSAGES (1 << 51). discordgo v0.29.0 has no
// name for it. Since the pin permission split it alone allows pinning and
// unpinning; MANAGE_MESSAGES no longer does (discord-api-docs PR #7766
// "Document Pin Messages permission", PR #7770 "Changelog pin permissions",
// https://discord.com/developers/docs/change-log#pin-permission-split).
const PermissionPinMessages int64 = 1 << 51

// Server is a fake Discord: REST under /api/v9 and /api/v10, and the gateway
// WebSocket at "/". All state is guarded by mu.
type Server struct {
	cfg    config
	spec   *spec
	routes map[string]handler // routeTable; read-only after NewServer
	ln     net.Listener
	srv    *http.Server

	closeOnce sync.Once
	closing   chan struct{} // closed by Close: hanging handlers and gateway goroutines exit
	wg        sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change (WaitFor)
	lastID  int64

	guildID, guildName, ownerID string
	botUser                     *discordgo.User
	appID                       string
	roles                       []*discordgo.Role
	members                     map[string]*discordgo.Member // by user id
	memberOrder                 []string
	channels                    []*discordgo.Channel // guild channels in creation order
	dms                         map[string]*discordgo.Channel
	dmsClosed                   map[string]bool
	messages                    map[string][]*Message // by channel id, in order
	nonces                      map[string]nonceEntry
	guildCommands               []*discordgo.ApplicationCommand
	globalCommands              []*discordgo.ApplicationCommand
	commandIDs                  map[string]string // "guild|type|name" -> id, stable across overwrites
	events                      []*discordgo.GuildScheduledEvent
	interactions                map[string]*interaction // by id
	interactionTokens           map[string]*interaction // by token
	sessions                    map[string]*session
	conns                       map[*gwConn]bool
	requests                    []Request
	violations                  []Violation
	faults                      []*activeFault
	limiter                     *limiter
	identifies, resumes         int
	closed                      bool          // set by Close; no new goroutines start after it
	otherGuilds                 []*otherGuild // guilds beside the main one (AddGuild)
}

type nonceEntry struct {
	messageID string
	at        time.Time
}

// config holds what Options set.
type config struct {
	heartbeat           time.Duration
	rateLimits          bool
	guildName           string
	privilegedIntents   int
	interactionDeadline time.Duration
	bucketRules         map[string]bucketRule
	now                 func() time.Time
}

// Option configures a Server.
type Option func(*config)

// Rate limits are on by default, as on Discord: per-route buckets (5
// messages per 5 s per channel, 2 name or topic edits per 10 min per
// channel, ...) and 50 requests per second globally, announced with the
// X-RateLimit-* headers discordgo honours (see ratelimit.go for the sources).

// WithRateLimits keeps Discord-like rate limits on. They are the default;
// the option stays for tests that want to say so.
func WithRateLimits() Option { return func(c *config) { c.rateLimits = true } }

// WithoutRateLimits turns every rate limit off (only Fail produces 429s).
// Discord never does this: a test that uses it must say, in a comment, why
// it needs the speed.
func WithoutRateLimits() Option { return func(c *config) { c.rateLimits = false } }

// WithRateLimit keeps rate limits on and sets the bucket of one route, e.g.
// ("POST /channels/{channel_id}/messages", 5, 5*time.Second): limit requests
// per window for each channel (or guild, or webhook) the route addresses.
// For "PATCH /channels/{channel_id}" it sets the name/topic budget.
func WithRateLimit(route string, limit int, window time.Duration) Option {
	return func(c *config) {
		c.rateLimits = true
		if c.bucketRules == nil {
			c.bucketRules = map[string]bucketRule{}
		}
		c.bucketRules[route] = bucketRule{limit: limit, window: window}
	}
}

// WithHeartbeatInterval sets the heartbeat_interval sent in HELLO (default
// 1 s, so that a dead client is noticed quickly in tests).
func WithHeartbeatInterval(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithGuildName names the fake guild (default "Workshop").
func WithGuildName(name string) Option { return func(c *config) { c.guildName = name } }

// WithPrivilegedIntents sets which privileged intents (GUILD_MEMBERS,
// GUILD_PRESENCES, MESSAGE_CONTENT) the application has enabled in the
// developer portal. IDENTIFY asking for others is closed with 4014
// "Disallowed intent(s)", as on Discord. The default enables none, as on a
// freshly created application: "Privileged intents ... must be enabled in
// your app's settings" and "4014 Disallowed intent(s): You sent a disallowed
// intent for a Gateway Intent. You may have tried to specify an intent that
// you have not enabled or are not approved for."
// (https://discord.com/developers/docs/events/gateway#privileged-intents,
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)
func WithPrivilegedIntents(intents discordgo.Intent) Option {
	return func(c *config) { c.privilegedIntents = int(intents) }
}

// WithServerMembersIntent is WithPrivilegedIntents(GUILD_MEMBERS): the
// application has "Server Members Intent" turned on, as the README's setup
// tells the operator to do for the workshop bot.
func WithServerMembersIntent() Option {
	return WithPrivilegedIntents(discordgo.IntentGuildMembers)
}

// WithInteractionDeadline changes Discord's 3 s deadline for the first
// interaction callback. Only for slow environments; keep the default when
// the test is about latency.
func WithInteractionDeadline(d time.Duration) Option {
	return func(c *config) { c.interactionDeadline = d }
}

const privilegedIntents = int(discordgo.IntentGuildMembers | discordgo.IntentGuildPresences | discordgo.IntentMessageContent)

// New starts a fake Discord for a test. Cleanup closes it and reports every
// Violation with t.Errorf, so a test fails when the bot sent anything the
// real Discord would reject.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatalf("discordtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("discordtest: close: %v", err)
		}
		for _, v := range s.Violations() {
			if v.Body != "" {
				t.Errorf("discordtest: violation: %s\n\tbody: %s", v, v.Body)
			} else {
				t.Errorf("discordtest: violation: %s", v)
			}
		}
	})
	return s
}

// NewServer starts a fake Discord on 127.0.0.1 on a free port. The caller
// must Close it and check Violations itself.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{
		heartbeat:           time.Second,
		guildName:           "Workshop",
		rateLimits:          true,
		interactionDeadline: 3 * time.Second,
		now:                 time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	sp, err := theSpec()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("discordtest: listen: %w", err)
	}
	s := &Server{
		cfg:               cfg,
		spec:              sp,
		routes:            routeTable(),
		ln:                ln,
		closing:           make(chan struct{}),
		changed:           make(chan struct{}),
		members:           map[string]*discordgo.Member{},
		dms:               map[string]*discordgo.Channel{},
		dmsClosed:         map[string]bool{},
		messages:          map[string][]*Message{},
		nonces:            map[string]nonceEntry{},
		commandIDs:        map[string]string{},
		interactions:      map[string]*interaction{},
		interactionTokens: map[string]*interaction{},
		sessions:          map[string]*session{},
		conns:             map[*gwConn]bool{},
	}
	if cfg.rateLimits {
		s.limiter = newLimiter()
	}
	s.seedGuild()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return s, nil
}

// seedGuild creates the guild, its owner, the bot, @everyone and the bot's
// managed role.
func (s *Server) seedGuild() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guildID = s.newID()
	s.guildName = s.cfg.guildName
	s.appID = s.newID()
	s.botUser = &discordgo.User{ID: s.appID, Username: "workshopbot", Bot: true, Discriminator: "0"}
	// @everyone has no permissions by default so that SetBotPermissions alone
	// decides what the bot may do; use SetRolePermissions(GuildID(), ...)
	// for a more realistic guild.
	s.roles = append(s.roles, &discordgo.Role{ID: s.guildID, Name: "@everyone", Position: 0, Permissions: 0})
	botRole := &discordgo.Role{ID: s.newID(), Name: "workshopbot", Managed: true, Position: 1, Permissions: DefaultBotPermissions}
	s.roles = append(s.roles, botRole)
	s.addMemberLocked(s.botUser, []string{botRole.ID})
	owner := &discordgo.User{ID: s.newID(), Username: "owner", Discriminator: "0", GlobalName: "Owner"}
	s.ownerID = owner.ID
	s.addMemberLocked(owner, nil)
}

// Close stops the server, closes gateway connections, releases hanging
// requests and waits for every goroutine it started. It is safe to call
// more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		err = s.srv.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.kill()
		}
		s.mu.Unlock()
		s.wg.Wait()
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	})
	return err
}

// URL is the base URL of the fake, e.g. "http://127.0.0.1:41234"; REST lives
// under URL()+"/api/v9".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// HTTPClient is a client that sends every request to the fake, whatever its
// host: set it as a discordgo session's Client, and the session's
// https://discord.com/api/... requests reach the fake (as DISCORD_API_BASE
// does for the bot's own transport).
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: toFake{host: s.ln.Addr().String()}, Timeout: 10 * time.Second}
}

// toFake rewrites a request's scheme and host to the fake's.
type toFake struct{ host string }

func (f toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", f.host, f.host
	return http.DefaultTransport.RoundTrip(r)
}

// GatewayURL is the WebSocket URL GET /gateway returns.
func (s *Server) GatewayURL() string { return "ws://" + s.ln.Addr().String() }

// GuildID is the id of the fake's only guild (also the id of @everyone).
func (s *Server) GuildID() string { return s.guildID }

// BotUserID is the bot's user id.
func (s *Server) BotUserID() string { return s.botUser.ID }

// AppID is the application id (equal to the bot's user id, as on Discord).
func (s *Server) AppID() string { return s.appID }

// OwnerID is the user id of the guild's owner, a human member.
func (s *Server) OwnerID() string { return s.ownerID }

// BotRoleID is the id of the bot's managed role.
func (s *Server) BotRoleID() string { return s.roles[1].ID }

// newID returns a fresh snowflake whose timestamp is now; ids increase
// strictly so that before/after paging works. Callers hold mu.
func (s *Server) newID() string {
	const discordEpoch = 1420070400000
	id := (s.cfg.now().UnixMilli() - discordEpoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return fmt.Sprint(id)
}

// notifyLocked wakes WaitFor after a state change. Callers hold mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// AddRole creates a role with the given permissions and returns its id;
// if a bot is connected it receives GUILD_ROLE_CREATE.
func (s *Server) AddRole(name string, perms int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &discordgo.Role{ID: s.newID(), Name: name, Permissions: perms, Position: len(s.roles)}
	s.roles = append(s.roles, r)
	s.dispatchLocked("GUILD_ROLE_CREATE", map[string]any{"guild_id": s.guildID, "role": r}, discordgo.IntentGuilds)
	s.notifyLocked()
	return r.ID
}

// SetRolePermissions changes a role's permissions (GuildID() is @everyone).
func (s *Server) SetRolePermissions(roleID string, perms int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.roles {
		if r.ID == roleID {
			c := *r
			c.Permissions = perms
			s.roles[i] = &c
			s.dispatchLocked("GUILD_ROLE_UPDATE", map[string]any{"guild_id": s.guildID, "role": &c}, discordgo.IntentGuilds)
		}
	}
	s.notifyLocked()
}

// SetBotPermissions sets the permissions of the bot's managed role.
func (s *Server) SetBotPermissions(perms int64) { s.SetRolePermissions(s.BotRoleID(), perms) }

// AddMember adds a human member with the given roles and returns the user
// id; if a bot is connected (with the GUILD_MEMBERS intent) it receives
// GUILD_MEMBER_ADD.
func (s *Server) AddMember(username string, roleIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &discordgo.User{ID: s.newID(), Username: username, Discriminator: "0", GlobalName: username}
	m := s.addMemberLocked(u, roleIDs)
	s.dispatchLocked("GUILD_MEMBER_ADD", memberAdd{Member: m, GuildID: s.guildID}, discordgo.IntentGuildMembers)
	s.notifyLocked()
	return u.ID
}

// memberAdd is GUILD_MEMBER_ADD's payload: a member plus guild_id.
type memberAdd struct {
	*discordgo.Member
	GuildID string `json:"guild_id"`
}

func (s *Server) addMemberLocked(u *discordgo.User, roleIDs []string) *discordgo.Member {
	m := &discordgo.Member{GuildID: s.guildID, User: u, Roles: append([]string{}, roleIDs...), JoinedAt: s.cfg.now().UTC()}
	s.members[u.ID] = m
	s.memberOrder = append(s.memberOrder, u.ID)
	return m
}

// CloseDMs makes the user refuse direct messages from the bot: creating a
// message in their DM channel fails with 403 code 50007.
func (s *Server) CloseDMs(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dmsClosed[userID] = true
}

// AddChannel creates a guild channel (type 0 text, 2 voice, 4 category,
// ...) under parentID ("" for none) and returns its id; if a bot is
// connected it receives CHANNEL_CREATE.
func (s *Server) AddChannel(name string, typ int, parentID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &discordgo.Channel{ID: s.newID(), GuildID: s.guildID, Name: name, Type: discordgo.ChannelType(typ), ParentID: parentID}
	c.Position = s.nextPositionLocked(c.Type)
	s.channels = append(s.channels, c)
	s.dispatchLocked("CHANNEL_CREATE", c, discordgo.IntentGuilds)
	s.notifyLocked()
	return c.ID
}

// Channels returns copies of the guild's channels in creation order.
func (s *Server) Channels() []discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]discordgo.Channel, 0, len(s.channels))
	for _, c := range s.channels {
		out = append(out, cloneChannel(c))
	}
	return out
}

// ChannelByName returns the first guild channel with that name.
func (s *Server) ChannelByName(name string) (discordgo.Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.channels {
		if c.Name == name {
			return cloneChannel(c), true
		}
	}
	return discordgo.Channel{}, false
}

// cloneChannel copies a channel deeply enough that the caller cannot race
// with later edits.
func cloneChannel(c *discordgo.Channel) discordgo.Channel {
	out := *c
	out.PermissionOverwrites = nil
	for _, o := range c.PermissionOverwrites {
		oc := *o
		out.PermissionOverwrites = append(out.PermissionOverwrites, &oc)
	}
	out.Recipients = slices.Clone(c.Recipients)
	return out
}

// Messages returns the messages of a channel (guild or DM), oldest first.
// Deleted messages are gone, edited ones show their latest state.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channelID]))
	for _, m := range s.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

// DMs returns the messages the bot sent to a user in their DM channel.
func (s *Server) DMs(userID string) []Message {
	s.mu.Lock()
	c, ok := s.dms[userID]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return s.Messages(c.ID)
}

// Commands returns the guild's registered application commands followed by
// the global ones.
func (s *Server) Commands() []discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return values(append(slices.Clone(s.guildCommands), s.globalCommands...))
}

// Events returns the guild's scheduled events.
func (s *Server) Events() []discordgo.GuildScheduledEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return values(s.events)
}

// Roles returns the guild's roles.
func (s *Server) Roles() []discordgo.Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	return values(s.roles)
}

// values copies the pointed-to values: the fake replaces, never mutates,
// what it has published, so shallow copies are safe to hand out.
func values[T any](list []*T) []T {
	out := make([]T, 0, len(list))
	for _, p := range list {
		out = append(out, *p)
	}
	return out
}

// Requests returns every REST request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Violations returns the violations recorded so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// violateLocked records a violation. Callers hold mu.
func (s *Server) violateLocked(rule string, rc *reqCtx, detail string) {
	s.violations = append(s.violations, Violation{Rule: rule, Method: rc.method, Path: rc.path, Detail: detail, Body: excerpt(rc.raw)})
	s.notifyLocked()
}

// WaitFor blocks until cond holds or ctx is done. cond is evaluated after
// every state change (and at least every 50 ms); it may call the Server's
// methods but must not block.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("discordtest: wait: %w", ctx.Err())
		case <-s.closing:
			return errors.New("discordtest: wait: server closed")
		case <-changed:
		case <-tick.C:
		}
	}
}

// serveHTTP routes gateway upgrades and REST calls.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Every handler is counted in wg so that Close waits for it; the
	// closed flag, checked under mu, keeps Add from racing with Wait.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "discordtest: closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveGateway(w, r)
		return
	}
	for _, prefix := range []string{"/api/v9", "/api/v10"} {
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			s.serveREST(w, r, strings.TrimPrefix(r.URL.Path, prefix))
			return
		}
	}
	http.NotFound(w, r)
}

// sortedChannelsLocked returns guild channels ordered as Discord lists them.
func (s *Server) sortedChannelsLocked() []*discordgo.Channel {
	out := slices.Clone(s.channels)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	return out
}
