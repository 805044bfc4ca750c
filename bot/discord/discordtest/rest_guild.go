package discordtest

import (
	"net/http"
	"sort"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// guildRoutes lists the routes for gateway discovery, the bot user, the guild,
// its roles and members, DMs.
func guildRoutes() map[string]handler {
	return map[string]handler{
		"GET /gateway":                             getGateway,
		"GET /gateway/bot":                         getGatewayBot,
		"GET /users/@me":                           getMe,
		"GET /guilds/{guild_id}":                   getGuild,
		"GET /guilds/{guild_id}/roles":             getRoles,
		"GET /guilds/{guild_id}/members/{user_id}": getMember,
		"GET /guilds/{guild_id}/members":           listMembers,
		"GET /guilds/{guild_id}/members/search":    searchMembers,
		"POST /users/@me/channels":                 createDM,
	}
}

func getGateway(s *Server, rc *reqCtx) (int, any, error) {
	return http.StatusOK, map[string]string{"url": s.GatewayURL()}, nil
}

func getGatewayBot(s *Server, rc *reqCtx) (int, any, error) {
	return http.StatusOK, map[string]any{
		"url":    s.GatewayURL(),
		"shards": 1,
		"session_start_limit": map[string]int{
			"total": 1000, "remaining": 1000 - s.identifies, "reset_after": 86400000, "max_concurrency": 1,
		},
	}, nil
}

func getMe(s *Server, rc *reqCtx) (int, any, error) {
	return http.StatusOK, s.botUser, nil
}

// guildLocked checks the request's guild_id: the fake has one guild.
func (s *Server) guildLocked(rc *reqCtx) error {
	if rc.param("guild_id") != s.guildID {
		return errUnknownGuild
	}
	return nil
}

func getGuild(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	g := map[string]any{
		"id": s.guildID, "name": s.guildName, "owner_id": s.ownerID, "roles": s.roles,
		"emojis": []any{}, "stickers": []any{}, "features": []any{}, "preferred_locale": "en-US",
		"verification_level": 0, "default_message_notifications": 1, "explicit_content_filter": 0,
		"mfa_level": 0, "premium_tier": 0, "nsfw_level": 0, "system_channel_flags": 0,
	}
	if rc.query.Get("with_counts") == "true" {
		g["approximate_member_count"] = len(s.members)
		g["approximate_presence_count"] = 0
	}
	return http.StatusOK, g, nil
}

func getRoles(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.roles, nil
}

func getMember(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	m, ok := s.members[rc.param("user_id")]
	if !ok {
		return 0, nil, errUnknownMember
	}
	return http.StatusOK, m, nil
}

// listMembers pages members by user id: limit 1–1000 (default 1), after an
// id (default 0).
func listMembers(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.membersIntentLocked(rc); err != nil {
		return 0, nil, err
	}
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	limit := rc.queryInt("limit", 1)
	after := rc.query.Get("after")
	ids := make([]string, 0, len(s.members))
	for id := range s.members {
		if after == "" || snowflakeLess(after, id) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return snowflakeLess(ids[i], ids[j]) })
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*discordgo.Member, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.members[id])
	}
	return http.StatusOK, out, nil
}

// searchMembers matches the query against the start of usernames and
// nicknames, case-insensitively, like Discord.
func searchMembers(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.membersIntentLocked(rc); err != nil {
		return 0, nil, err
	}
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	q := strings.ToLower(rc.query.Get("query"))
	limit := rc.queryInt("limit", 1)
	out := []*discordgo.Member{}
	for _, id := range s.memberOrder {
		m := s.members[id]
		if strings.HasPrefix(strings.ToLower(m.User.Username), q) || strings.HasPrefix(strings.ToLower(m.Nick), q) ||
			strings.HasPrefix(strings.ToLower(m.User.GlobalName), q) {
			out = append(out, m)
			if len(out) == limit {
				break
			}
		}
	}
	return http.StatusOK, out, nil
}

// createDM opens (or returns) the DM channel with a user.
func createDM(s *Server, rc *reqCtx) (int, any, error) {
	var body struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	m, ok := s.members[body.RecipientID]
	if !ok {
		return 0, nil, errUnknownUser
	}
	c, ok := s.dms[body.RecipientID]
	if !ok {
		c = &discordgo.Channel{ID: s.newID(), Type: discordgo.ChannelTypeDM, Recipients: []*discordgo.User{m.User}}
		s.dms[body.RecipientID] = c
	}
	return http.StatusOK, c, nil
}

// snowflakeLess orders snowflakes numerically.
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// membersIntentLocked: listing and searching members needs the privileged
// GUILD_MEMBERS intent enabled for the application, even over REST.
func (s *Server) membersIntentLocked(rc *reqCtx) error {
	if err := s.guildLocked(rc); err != nil {
		return err
	}
	if s.cfg.privilegedIntents&int(discordgo.IntentGuildMembers) == 0 {
		return errMissingAccess
	}
	return nil
}

// DMChannel opens (or returns) the DM channel with a member without a
// request, as if the bot had opened it earlier, and returns its id; "" for
// someone who is not a member.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[userID]
	if !ok {
		return ""
	}
	c, ok := s.dms[userID]
	if !ok {
		c = &discordgo.Channel{ID: s.newID(), Type: discordgo.ChannelTypeDM, Recipients: []*discordgo.User{m.User}}
		s.dms[userID] = c
	}
	return c.ID
}
