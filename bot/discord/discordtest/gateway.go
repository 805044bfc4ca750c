package discordtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
const (
	opDispatch            = 0
	opHeartbeat           = 1
	opIdentify            = 2
	opPresenceUpdate      = 3
	opVoiceStateUpdate    = 4
	opResume              = 6
	opReconnect           = 7
	opRequestGuildMembers = 8
	opInvalidSession      = 9
	opHello               = 10
	opHeartbeatACK        = 11
)

// CloseAbnormal (1006) makes DropGateway cut the TCP connection without a
// close frame, like a network failure.
const CloseAbnormal = 1006

// replayLimit bounds how many dispatches a session keeps for RESUME.
const replayLimit = 2000

// session is a gateway session: it outlives connections so that a client can
// RESUME and get the dispatches it missed. Guarded by Server.mu.
type session struct {
	id      string
	seq     int64
	intents discordgo.Intent
	log     []sentEvent
	conn    *gwConn // nil while disconnected
}

type sentEvent struct {
	seq   int64
	frame []byte
}

// gwConn is one WebSocket connection. Only its writer goroutine writes to ws.
type gwConn struct {
	ws   *websocket.Conn
	out  chan outFrame
	done chan struct{} // closed when the connection is finished
	once sync.Once

	// Guarded by Server.mu.
	sess     *session
	dropped  bool // the server closed it; ignore what the client still sends
	lastBeat time.Time
}

// outFrame is a text frame, or a close frame when closeCode != 0.
type outFrame struct {
	data      []byte
	closeCode int
	reason    string
}

// kill closes the TCP connection at once (no close frame).
func (c *gwConn) kill() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.UnderlyingConn().Close()
	})
}

// sendLocked queues a frame for the writer. A client too slow to drain 4096
// frames is disconnected, as Discord does. Callers hold Server.mu.
func (c *gwConn) sendLocked(f outFrame) {
	select {
	case <-c.done:
	case c.out <- f:
	default:
		c.kill()
	}
}

// frame builds a gateway payload.
func frame(op int, seq int64, event string, data any) []byte {
	p := map[string]any{"op": op, "d": data, "s": nil, "t": nil}
	if op == opDispatch {
		p["s"] = seq
		p["t"] = event
	}
	return mustJSON(p)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway upgrades the request and runs the connection's reader and
// writer until either side closes or the server shuts down.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if q := r.URL.Query(); q.Get("encoding") != "" && q.Get("encoding") != "json" {
		http.Error(w, "fake supports encoding=json only", http.StatusBadRequest)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws, out: make(chan outFrame, 4096), done: make(chan struct{})}
	s.mu.Lock()
	select {
	case <-s.closing:
		s.mu.Unlock()
		_ = ws.Close()
		return
	default:
	}
	s.conns[c] = true
	c.lastBeat = s.cfg.now()
	c.sendLocked(outFrame{data: frame(opHello, 0, "", map[string]any{"heartbeat_interval": s.cfg.heartbeat.Milliseconds()})})
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.writeLoop(c)
	}()
	s.readLoop(c) // the HTTP handler goroutine is the reader
	s.mu.Lock()
	dropped := c.dropped
	s.mu.Unlock()
	if dropped {
		// Let the writer send the close frame before cutting TCP.
		select {
		case <-c.done:
		case <-time.After(time.Second):
		}
	}
	c.kill()
	s.mu.Lock()
	delete(s.conns, c)
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// writeLoop is the connection's only writer.
func (s *Server) writeLoop(c *gwConn) {
	for {
		select {
		case <-c.done:
			return
		case <-s.closing:
			c.kill()
			return
		case f := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if f.closeCode != 0 {
				_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(f.closeCode, f.reason))
				c.kill()
				return
			}
			if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
				c.kill()
				return
			}
		}
	}
}

// readLoop handles client payloads until the connection ends. A client that
// stops heartbeating is closed with 4009 after three intervals.
func (s *Server) readLoop(c *gwConn) {
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(3*s.cfg.heartbeat + time.Second))
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				s.mu.Lock()
				s.closeConnLocked(c, 4009, "Session timed out")
				s.mu.Unlock()
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				// A client closing with 1000/1001 ends its session on Discord.
				s.mu.Lock()
				if !c.dropped && c.sess != nil {
					delete(s.sessions, c.sess.id)
				}
				s.mu.Unlock()
			}
			return
		}
		s.mu.Lock()
		if c.dropped {
			s.mu.Unlock()
			return
		}
		if mt != websocket.TextMessage {
			s.closeConnLocked(c, 4002, "Decode error")
			s.mu.Unlock()
			return
		}
		s.handlePayloadLocked(c, data)
		s.mu.Unlock()
	}
}

// closeConnLocked closes a connection with a close frame. Codes after which
// Discord forgets the session invalidate it, so a later RESUME gets
// INVALID_SESSION.
func (s *Server) closeConnLocked(c *gwConn, code int, reason string) {
	if c.dropped {
		return
	}
	c.dropped = true
	if c.sess != nil {
		if c.sess.conn == c {
			c.sess.conn = nil
		}
		if !resumable(code) {
			delete(s.sessions, c.sess.id)
		}
	}
	if code == CloseAbnormal {
		c.kill()
	} else {
		c.sendLocked(outFrame{closeCode: code, reason: reason})
	}
	s.notifyLocked()
}

// resumable reports whether a session survives the server closing its
// connection with code.
func resumable(code int) bool {
	switch code {
	case 1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014:
		return false
	}
	return true
}

type gatewayPayload struct {
	Op   int             `json:"op"`
	Data json.RawMessage `json:"d"`
}

func (s *Server) handlePayloadLocked(c *gwConn, data []byte) {
	var p gatewayPayload
	if err := json.Unmarshal(data, &p); err != nil {
		s.closeConnLocked(c, 4002, "Decode error")
		return
	}
	switch p.Op {
	case opHeartbeat:
		c.lastBeat = s.cfg.now()
		c.sendLocked(outFrame{data: frame(opHeartbeatACK, 0, "", nil)})
	case opIdentify:
		s.identifyLocked(c, p.Data)
	case opResume:
		s.resumeLocked(c, p.Data)
	case opPresenceUpdate, opVoiceStateUpdate:
		if c.sess == nil {
			s.closeConnLocked(c, 4003, "Not authenticated")
		}
	case opRequestGuildMembers:
		if c.sess == nil {
			s.closeConnLocked(c, 4003, "Not authenticated")
			return
		}
		s.requestMembersLocked(c, p.Data)
	default:
		s.closeConnLocked(c, 4001, "Unknown opcode")
	}
}

// tokenOK accepts the token with or without the "Bot " prefix: discordgo
// sends Session.Token, which carries the prefix, and Discord accepts it.
func tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == Token
}

func (s *Server) identifyLocked(c *gwConn, raw json.RawMessage) {
	if c.sess != nil {
		s.closeConnLocked(c, 4005, "Already authenticated")
		return
	}
	var id struct {
		Token   string            `json:"token"`
		Intents *discordgo.Intent `json:"intents"`
	}
	if err := json.Unmarshal(raw, &id); err != nil {
		s.closeConnLocked(c, 4002, "Decode error")
		return
	}
	if !tokenOK(id.Token) {
		s.closeConnLocked(c, 4004, "Authentication failed")
		return
	}
	if id.Intents == nil {
		s.closeConnLocked(c, 4013, "Invalid intent(s)")
		return
	}
	if int(*id.Intents)&privilegedIntents&^s.cfg.privilegedIntents != 0 {
		s.closeConnLocked(c, 4014, "Disallowed intent(s)")
		return
	}
	sess := &session{id: randomHex(16), intents: *id.Intents, conn: c}
	s.sessions[sess.id] = sess
	c.sess = sess
	s.identifies++
	ready := map[string]any{
		"v":                  10,
		"user":               s.botUser,
		"session_id":         sess.id,
		"resume_gateway_url": s.GatewayURL(),
		"guilds":             s.readyGuildsLocked(),
		"application":        map[string]any{"id": s.appID, "flags": 0},
		"private_channels":   []any{},
	}
	s.sendToSessionLocked(sess, "READY", ready)
	if sess.intents&discordgo.IntentGuilds != 0 {
		s.sendToSessionLocked(sess, "GUILD_CREATE", s.guildCreateLocked(sess.intents))
		for _, g := range s.otherGuilds {
			s.sendToSessionLocked(sess, "GUILD_CREATE", s.otherGuildCreateLocked(g))
		}
	}
	s.notifyLocked()
}

func (s *Server) resumeLocked(c *gwConn, raw json.RawMessage) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		s.closeConnLocked(c, 4002, "Decode error")
		return
	}
	if !tokenOK(r.Token) {
		s.closeConnLocked(c, 4004, "Authentication failed")
		return
	}
	sess, ok := s.sessions[r.SessionID]
	if !ok || r.Seq > sess.seq || (len(sess.log) > 0 && r.Seq < sess.log[0].seq-1) {
		c.sendLocked(outFrame{data: frame(opInvalidSession, 0, "", false)})
		return
	}
	if old := sess.conn; old != nil && old != c {
		s.closeConnLocked(old, 4000, "Resumed elsewhere")
	}
	sess.conn = c
	c.sess = sess
	s.resumes++
	for _, e := range sess.log {
		if e.seq > r.Seq {
			c.sendLocked(outFrame{data: e.frame})
		}
	}
	s.sendToSessionLocked(sess, "RESUMED", map[string]any{})
	s.notifyLocked()
}

// requestMembersLocked answers op 8 with one GUILD_MEMBERS_CHUNK.
func (s *Server) requestMembersLocked(c *gwConn, raw json.RawMessage) {
	var r struct {
		Query   *string  `json:"query"`
		UserIDs []string `json:"user_ids"`
		Limit   int      `json:"limit"`
		Nonce   string   `json:"nonce"`
	}
	_ = json.Unmarshal(raw, &r)
	var members []*discordgo.Member
	for _, id := range s.memberOrder {
		m := s.members[id]
		switch {
		case len(r.UserIDs) > 0:
			if !slices.Contains(r.UserIDs, id) {
				continue
			}
		case r.Query != nil && !strings.HasPrefix(strings.ToLower(m.User.Username), strings.ToLower(*r.Query)):
			continue
		}
		members = append(members, m)
		if r.Limit > 0 && len(members) == r.Limit {
			break
		}
	}
	s.sendToSessionLocked(c.sess, "GUILD_MEMBERS_CHUNK", map[string]any{
		"guild_id": s.guildID, "members": members, "chunk_index": 0, "chunk_count": 1, "nonce": r.Nonce,
	})
}

// guildCreateLocked builds the full guild as GUILD_CREATE carries it.
// Without the GUILD_MEMBERS intent only the bot's own member is included.
func (s *Server) guildCreateLocked(intents discordgo.Intent) map[string]any {
	var members []*discordgo.Member
	for _, id := range s.memberOrder {
		if intents&discordgo.IntentGuildMembers != 0 || id == s.botUser.ID {
			members = append(members, s.members[id])
		}
	}
	channels := s.sortedChannelsLocked()
	events := s.events
	if events == nil {
		events = []*discordgo.GuildScheduledEvent{}
	}
	return map[string]any{
		"id":                     s.guildID,
		"name":                   s.guildName,
		"owner_id":               s.ownerID,
		"roles":                  s.roles,
		"channels":               channels,
		"members":                members,
		"member_count":           len(s.members),
		"joined_at":              s.members[s.botUser.ID].JoinedAt,
		"large":                  false,
		"unavailable":            false,
		"threads":                []any{},
		"voice_states":           []any{},
		"presences":              []any{},
		"emojis":                 []any{},
		"stickers":               []any{},
		"guild_scheduled_events": events,
		"features":               []any{},
		"preferred_locale":       "en-US",
	}
}

// sendToSessionLocked sends one dispatch to one session and logs it for
// RESUME.
func (s *Server) sendToSessionLocked(sess *session, event string, data any) {
	sess.seq++
	f := frame(opDispatch, sess.seq, event, data)
	sess.log = append(sess.log, sentEvent{seq: sess.seq, frame: f})
	if len(sess.log) > replayLimit {
		sess.log = sess.log[len(sess.log)-replayLimit:]
	}
	if sess.conn != nil {
		sess.conn.sendLocked(outFrame{data: f})
	}
}

// dispatchLocked sends an event to every live session whose intents include
// intent (0: sent regardless of intents). Sessions that are disconnected but
// resumable keep it for replay.
func (s *Server) dispatchLocked(event string, data any, intent discordgo.Intent) {
	for _, sess := range s.sessions {
		if intent == 0 || sess.intents&intent != 0 {
			s.sendToSessionLocked(sess, event, data)
		}
	}
}

// Connected reports whether a gateway session is identified (or resumed)
// and its connection is open.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectedLocked()
}

func (s *Server) connectedLocked() bool {
	for _, sess := range s.sessions {
		if sess.conn != nil && !sess.conn.dropped {
			return true
		}
	}
	return false
}

// DropGateway closes every gateway connection with code: CloseAbnormal
// (1006) cuts TCP without a close frame; 4000 (unknown error) and other
// resumable codes keep the session so the client can RESUME; 4009 (session
// timed out), 4007, 4004 and 4010–4014 forget it, so a RESUME gets
// INVALID_SESSION and the client must IDENTIFY again.
func (s *Server) DropGateway(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		s.closeConnLocked(c, code, "dropped by test")
	}
}

// Reconnect asks connected clients to reconnect (op 7 RECONNECT); their
// sessions stay resumable.
func (s *Server) Reconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if !c.dropped {
			c.sendLocked(outFrame{data: frame(opReconnect, 0, "", nil)})
		}
	}
}

// GatewayStats counts successful IDENTIFYs and RESUMEs so far: a test of
// reconnection can tell a resume from a fresh login.
func (s *Server) GatewayStats() (identifies, resumes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies, s.resumes
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
