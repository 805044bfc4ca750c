package discordtest

import (
	"github.com/bwmarrin/discordgo"
	"slices"
)

// allPermissions is every permission bit Discord defines today.
const allPermissions int64 = 1<<53 - 1

// guildPermsLocked computes a member's guild-level permissions: @everyone
// plus their roles; the owner and administrators have everything.
func (s *Server) guildPermsLocked(userID string) int64 {
	if userID == s.ownerID {
		return allPermissions
	}
	m, ok := s.members[userID]
	if !ok {
		return 0
	}
	perms := s.roleLocked(s.guildID).Permissions
	for _, id := range m.Roles {
		if r := s.roleLocked(id); r != nil {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return allPermissions
	}
	return perms
}

// channelPermsLocked applies a channel's overwrites to a member's guild
// permissions in Discord's order: @everyone, then roles together, then the
// member.
func (s *Server) channelPermsLocked(userID string, ch *discordgo.Channel) int64 {
	perms := s.guildPermsLocked(userID)
	if perms == allPermissions || ch == nil {
		return perms
	}
	m := s.members[userID]
	var roleAllow, roleDeny int64
	var memberOW *discordgo.PermissionOverwrite
	for _, o := range ch.PermissionOverwrites {
		switch {
		case o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == s.guildID:
			perms = perms&^o.Deny | o.Allow
		case o.Type == discordgo.PermissionOverwriteTypeRole && m != nil && slices.Contains(m.Roles, o.ID):
			roleAllow |= o.Allow
			roleDeny |= o.Deny
		case o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == userID:
			memberOW = o
		}
	}
	perms = perms&^roleDeny | roleAllow
	if memberOW != nil {
		perms = perms&^memberOW.Deny | memberOW.Allow
	}
	return perms
}

// botNeedsLocked checks that the bot may use a channel with the given
// permissions: without VIEW_CHANNEL Discord answers 403 Missing Access,
// otherwise 403 Missing Permissions. DM channels need nothing.
func (s *Server) botNeedsLocked(ch *discordgo.Channel, need int64) error {
	if ch != nil && (ch.Type == discordgo.ChannelTypeDM || ch.Type == discordgo.ChannelTypeGroupDM) {
		return nil
	}
	var perms int64
	if ch == nil {
		perms = s.guildPermsLocked(s.botUser.ID)
	} else {
		perms = s.channelPermsLocked(s.botUser.ID, ch)
		if perms&discordgo.PermissionViewChannel == 0 {
			return errMissingAccess
		}
	}
	if perms&need != need {
		return errMissingPermissions
	}
	return nil
}

// roleLocked finds a role by id.
func (s *Server) roleLocked(id string) *discordgo.Role {
	for _, r := range s.roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}
