package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// channelRoutes lists the routes for guild channels, their positions and
// permission overwrites.
func channelRoutes() map[string]handler {
	return map[string]handler{
		"GET /guilds/{guild_id}/channels":                          listChannels,
		"POST /guilds/{guild_id}/channels":                         createChannel,
		"PATCH /guilds/{guild_id}/channels":                        moveChannels,
		"GET /channels/{channel_id}":                               getChannel,
		"PATCH /channels/{channel_id}":                             editChannel,
		"DELETE /channels/{channel_id}":                            deleteChannel,
		"PUT /channels/{channel_id}/permissions/{overwrite_id}":    putOverwrite,
		"DELETE /channels/{channel_id}/permissions/{overwrite_id}": deleteOverwrite,
	}
}

// channelLocked finds a guild or DM channel by id.
func (s *Server) channelLocked(id string) *discordgo.Channel {
	for _, c := range s.channels {
		if c.ID == id {
			return c
		}
	}
	for _, c := range s.dms {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// replaceChannelLocked swaps in an edited copy: published channels are never
// mutated, so copies handed out earlier stay consistent.
func (s *Server) replaceChannelLocked(c *discordgo.Channel) {
	for i, old := range s.channels {
		if old.ID == c.ID {
			s.channels[i] = c
		}
	}
}

func (s *Server) nextPositionLocked(typ discordgo.ChannelType) int {
	pos := 0
	for _, c := range s.channels {
		if c.Position >= pos {
			pos = c.Position + 1
		}
	}
	return pos
}

func listChannels(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.sortedChannelsLocked(), nil
}

// overwriteBody is a permission overwrite as sent: allow/deny may be
// strings (discordgo, Discord's own format) or numbers.
type overwriteBody struct {
	ID    string          `json:"id"`
	Type  json.RawMessage `json:"type"`
	Allow json.RawMessage `json:"allow"`
	Deny  json.RawMessage `json:"deny"`
}

func permValue(raw json.RawMessage) int64 {
	str := strings.Trim(string(raw), `"`)
	n, _ := strconv.ParseInt(str, 10, 64)
	return n
}

func overwriteType(raw json.RawMessage) discordgo.PermissionOverwriteType {
	n, _ := strconv.Atoi(strings.Trim(string(raw), `"`))
	return discordgo.PermissionOverwriteType(n)
}

// overwritesLocked converts and checks overwrites for a channel whose
// permissions the bot's are computed in (the channel itself when editing,
// its category, or nil for none, when creating): the targets must exist,
// setting them needs MANAGE_ROLES, and the bot can only allow or deny
// permissions it has itself there (Discord answers 403 otherwise).
func (s *Server) overwritesLocked(rc *reqCtx, in *discordgo.Channel, list []overwriteBody) ([]*discordgo.PermissionOverwrite, error) {
	botPerms := s.guildPermsLocked(s.botUser.ID)
	if len(list) > 0 && botPerms&discordgo.PermissionManageRoles == 0 {
		return nil, errMissingPermissions
	}
	var out []*discordgo.PermissionOverwrite
	for i, o := range list {
		ow := &discordgo.PermissionOverwrite{ID: o.ID, Type: overwriteType(o.Type), Allow: permValue(o.Allow), Deny: permValue(o.Deny)}
		if err := s.checkOverwriteLocked(rc, in, ow, fmt.Sprintf("permission_overwrites[%d]", i)); err != nil {
			return nil, err
		}
		out = append(out, ow)
	}
	return out, nil
}

// checkOverwriteLocked checks one overwrite's target, and that the bot holds,
// in channel in, every permission the overwrite allows or denies. Discord:
// "Only permissions your bot has in the guild or parent channel (if
// applicable) can be allowed/denied (unless your bot has a MANAGE_ROLES
// overwrite in the channel)" (Edit Channel Permissions,
// https://discord.com/developers/docs/resources/channel#edit-channel-permissions;
// Create Guild Channel and Modify Channel say the same of
// permission_overwrites). A category that denies the bot a permission
// therefore stops it from granting that permission in channels under it.
func (s *Server) checkOverwriteLocked(rc *reqCtx, in *discordgo.Channel, ow *discordgo.PermissionOverwrite, where string) error {
	switch ow.Type {
	case discordgo.PermissionOverwriteTypeRole:
		if s.roleLocked(ow.ID) == nil {
			s.violateLocked(RuleSemantics, rc, where+": unknown role "+ow.ID)
			return invalidForm(RuleSemantics, where+": unknown role")
		}
	case discordgo.PermissionOverwriteTypeMember:
		if _, ok := s.members[ow.ID]; !ok {
			s.violateLocked(RuleSemantics, rc, where+": unknown member "+ow.ID)
			return invalidForm(RuleSemantics, where+": unknown member")
		}
	default:
		s.violateLocked(RuleSemantics, rc, where+": type must be 0 (role) or 1 (member)")
		return invalidForm(RuleSemantics, where+": bad type")
	}
	if in != nil && s.manageRolesOverwriteLocked(in) {
		return nil
	}
	bot := s.guildPermsLocked(s.botUser.ID)
	if in != nil {
		bot = s.channelPermsLocked(s.botUser.ID, in)
	}
	if bot != allPermissions && (ow.Allow|ow.Deny)&^bot != 0 {
		return errMissingPermissions
	}
	return nil
}

// manageRolesOverwriteLocked reports whether an overwrite in ch for the bot or
// one of its roles allows MANAGE_ROLES, the exception Discord's rule names.
func (s *Server) manageRolesOverwriteLocked(ch *discordgo.Channel) bool {
	m := s.members[s.botUser.ID]
	for _, o := range ch.PermissionOverwrites {
		if o.Allow&discordgo.PermissionManageRoles == 0 {
			continue
		}
		if (o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == s.botUser.ID) ||
			(o.Type == discordgo.PermissionOverwriteTypeRole && m != nil && slices.Contains(m.Roles, o.ID)) {
			return true
		}
	}
	return false
}

func createChannel(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	var body struct {
		Name                 string          `json:"name"`
		Type                 int             `json:"type"`
		Topic                string          `json:"topic"`
		Position             *int            `json:"position"`
		ParentID             string          `json:"parent_id"`
		NSFW                 bool            `json:"nsfw"`
		RateLimitPerUser     int             `json:"rate_limit_per_user"`
		PermissionOverwrites []overwriteBody `json:"permission_overwrites"`
	}
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	var parent *discordgo.Channel
	if body.ParentID != "" {
		parent = s.channelLocked(body.ParentID)
		if parent == nil || parent.Type != discordgo.ChannelTypeGuildCategory {
			s.violateLocked(RuleSemantics, rc, "parent_id "+body.ParentID+" is not a category of this guild")
			return 0, nil, invalidForm(RuleSemantics, "parent_id: not a category")
		}
	}
	if body.Type == int(discordgo.ChannelTypeGuildCategory) && parent != nil {
		s.violateLocked(RuleSemantics, rc, "a category cannot have a parent")
		return 0, nil, invalidForm(RuleSemantics, "parent_id: categories cannot be nested")
	}
	if err := s.botNeedsLocked(parent, discordgo.PermissionManageChannels); err != nil {
		return 0, nil, err
	}
	ows, err := s.overwritesLocked(rc, parent, body.PermissionOverwrites)
	if err != nil {
		return 0, nil, err
	}
	if len(s.channels) >= maxChannels {
		s.violateLocked("limit/channels", rc, fmt.Sprintf("guild already has %d channels, max %d", len(s.channels), maxChannels))
		return 0, nil, errMaxChannels
	}
	if parent != nil {
		n := 0
		for _, c := range s.channels {
			if c.ParentID == parent.ID {
				n++
			}
		}
		if n >= maxPerCategory {
			s.violateLocked("limit/category", rc, fmt.Sprintf("category %q already has %d channels, max %d", parent.Name, n, maxPerCategory))
			return 0, nil, errMaxCategory
		}
		if body.PermissionOverwrites == nil {
			// A channel created in a category without its own overwrites
			// starts synced with the category.
			for _, o := range parent.PermissionOverwrites {
				oc := *o
				ows = append(ows, &oc)
			}
		}
	}
	c := &discordgo.Channel{
		ID: s.newID(), GuildID: s.guildID, Name: body.Name, Type: discordgo.ChannelType(body.Type),
		Topic: body.Topic, ParentID: body.ParentID, NSFW: body.NSFW, RateLimitPerUser: body.RateLimitPerUser,
		PermissionOverwrites: ows,
	}
	if c.PermissionOverwrites == nil {
		c.PermissionOverwrites = []*discordgo.PermissionOverwrite{}
	}
	if body.Position != nil {
		c.Position = *body.Position
	} else {
		c.Position = s.nextPositionLocked(c.Type)
	}
	s.channels = append(s.channels, c)
	s.dispatchLocked("CHANNEL_CREATE", c, discordgo.IntentGuilds)
	return http.StatusCreated, c, nil
}

// moveChannels applies a batch of position (and parent) changes.
func moveChannels(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	var body []struct {
		ID              string          `json:"id"`
		Position        *int            `json:"position"`
		ParentID        json.RawMessage `json:"parent_id"`
		LockPermissions bool            `json:"lock_permissions"`
	}
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	if err := s.botNeedsLocked(nil, discordgo.PermissionManageChannels); err != nil {
		return 0, nil, err
	}
	var changed []*discordgo.Channel
	for _, b := range body {
		old := s.channelLocked(b.ID)
		if old == nil || old.GuildID != s.guildID {
			return 0, nil, errUnknownChannel
		}
		c := cloneChannel(old)
		if b.Position != nil {
			c.Position = *b.Position
		}
		if present(b.ParentID) {
			var pid string
			_ = json.Unmarshal(b.ParentID, &pid)
			c.ParentID = pid
		} else if string(b.ParentID) == "null" {
			c.ParentID = ""
		}
		if b.LockPermissions && c.ParentID != "" {
			if p := s.channelLocked(c.ParentID); p != nil {
				c.PermissionOverwrites = cloneChannel(p).PermissionOverwrites
			}
		}
		changed = append(changed, &c)
	}
	for _, c := range changed {
		s.replaceChannelLocked(c)
		s.dispatchLocked("CHANNEL_UPDATE", c, discordgo.IntentGuilds)
	}
	return http.StatusNoContent, nil, nil
}

func getChannel(s *Server, rc *reqCtx) (int, any, error) {
	c := s.channelLocked(rc.param("channel_id"))
	if c == nil {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(c, discordgo.PermissionViewChannel); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

func editChannel(s *Server, rc *reqCtx) (int, any, error) {
	old := s.channelLocked(rc.param("channel_id"))
	if old == nil {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(old, discordgo.PermissionManageChannels); err != nil {
		return 0, nil, err
	}
	var body map[string]json.RawMessage
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	c := cloneChannel(old)
	str := func(k string, dst *string) {
		if raw, ok := body[k]; ok {
			*dst = ""
			_ = json.Unmarshal(raw, dst)
		}
	}
	str("name", &c.Name)
	str("topic", &c.Topic)
	if raw, ok := body["parent_id"]; ok {
		c.ParentID = ""
		_ = json.Unmarshal(raw, &c.ParentID)
		if c.ParentID != "" {
			if p := s.channelLocked(c.ParentID); p == nil || p.Type != discordgo.ChannelTypeGuildCategory {
				s.violateLocked(RuleSemantics, rc, "parent_id "+c.ParentID+" is not a category of this guild")
				return 0, nil, invalidForm(RuleSemantics, "parent_id: not a category")
			}
		}
	}
	if raw, ok := body["position"]; ok {
		_ = json.Unmarshal(raw, &c.Position)
	}
	if raw, ok := body["nsfw"]; ok {
		_ = json.Unmarshal(raw, &c.NSFW)
	}
	if raw, ok := body["permission_overwrites"]; ok {
		var list []overwriteBody
		_ = json.Unmarshal(raw, &list)
		ows, err := s.overwritesLocked(rc, old, list)
		if err != nil {
			return 0, nil, err
		}
		c.PermissionOverwrites = ows
		if c.PermissionOverwrites == nil {
			c.PermissionOverwrites = []*discordgo.PermissionOverwrite{}
		}
	}
	s.replaceChannelLocked(&c)
	s.dispatchLocked("CHANNEL_UPDATE", &c, discordgo.IntentGuilds)
	return http.StatusOK, &c, nil
}

func deleteChannel(s *Server, rc *reqCtx) (int, any, error) {
	c := s.channelLocked(rc.param("channel_id"))
	if c == nil || c.GuildID != s.guildID {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(c, discordgo.PermissionManageChannels); err != nil {
		return 0, nil, err
	}
	for i, x := range s.channels {
		if x.ID == c.ID {
			s.channels = append(s.channels[:i:i], s.channels[i+1:]...)
			break
		}
	}
	delete(s.messages, c.ID)
	s.dispatchLocked("CHANNEL_DELETE", c, discordgo.IntentGuilds)
	return http.StatusOK, c, nil
}

func putOverwrite(s *Server, rc *reqCtx) (int, any, error) {
	old := s.channelLocked(rc.param("channel_id"))
	if old == nil || old.GuildID != s.guildID {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(old, discordgo.PermissionManageRoles); err != nil {
		return 0, nil, err
	}
	var body overwriteBody
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	ow := &discordgo.PermissionOverwrite{ID: rc.param("overwrite_id"), Type: overwriteType(body.Type), Allow: permValue(body.Allow), Deny: permValue(body.Deny)}
	if err := s.checkOverwriteLocked(rc, old, ow, "overwrite"); err != nil {
		return 0, nil, err
	}
	c := cloneChannel(old)
	replaced := false
	for i, o := range c.PermissionOverwrites {
		if o.ID == ow.ID {
			c.PermissionOverwrites[i] = ow
			replaced = true
		}
	}
	if !replaced {
		c.PermissionOverwrites = append(c.PermissionOverwrites, ow)
	}
	s.replaceChannelLocked(&c)
	s.dispatchLocked("CHANNEL_UPDATE", &c, discordgo.IntentGuilds)
	return http.StatusNoContent, nil, nil
}

func deleteOverwrite(s *Server, rc *reqCtx) (int, any, error) {
	old := s.channelLocked(rc.param("channel_id"))
	if old == nil || old.GuildID != s.guildID {
		return 0, nil, errUnknownChannel
	}
	if err := s.botNeedsLocked(old, discordgo.PermissionManageRoles); err != nil {
		return 0, nil, err
	}
	c := cloneChannel(old)
	kept := []*discordgo.PermissionOverwrite{}
	for _, o := range c.PermissionOverwrites {
		if o.ID != rc.param("overwrite_id") {
			kept = append(kept, o)
		}
	}
	c.PermissionOverwrites = kept
	s.replaceChannelLocked(&c)
	s.dispatchLocked("CHANNEL_UPDATE", &c, discordgo.IntentGuilds)
	return http.StatusNoContent, nil, nil
}
