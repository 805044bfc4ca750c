package discordtest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// roleRoutes lists the routes for creating and deleting roles, and giving
// them to members or taking them away (https://discord.com/developers/docs/resources/guild#create-guild-role,
// #delete-guild-role, #add-guild-member-role, #remove-guild-member-role). Each
// needs MANAGE_ROLES, and a bot may only create, give or take roles below its
// own highest role ("Requires the MANAGE_ROLES permission"; role hierarchy:
// https://discord.com/developers/docs/topics/permissions#permission-hierarchy).
func roleRoutes() map[string]handler {
	return map[string]handler{
		"POST /guilds/{guild_id}/roles":                               createRole,
		"DELETE /guilds/{guild_id}/roles/{role_id}":                   deleteRole,
		"PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}":    addMemberRole,
		"DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}": removeMemberRole,
	}
}

// MaxRoles is Discord's limit on a guild's roles, @everyone included: a
// create beyond it fails with JSON error code 30005, "Maximum number of guild
// roles reached (250)"
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
const MaxRoles = 250

var errMaxRoles = &apiError{Status: 400, Code: 30005, Message: "Maximum number of guild roles reached (250)"}

var errUnknownRole = &apiError{Status: 404, Code: 10011, Message: "Unknown Role"}

// rolesNeedLocked checks MANAGE_ROLES and, when roleID is set, that the role
// is below the bot's highest role and is not @everyone or a managed role.
func (s *Server) rolesNeedLocked(rc *reqCtx, roleID string) (*discordgo.Role, error) {
	if err := s.guildLocked(rc); err != nil {
		return nil, err
	}
	if s.guildPermsLocked(s.botUser.ID)&discordgo.PermissionManageRoles == 0 {
		return nil, errMissingPermissions
	}
	if roleID == "" {
		return nil, nil
	}
	r := s.roleLocked(roleID)
	if r == nil {
		return nil, errUnknownRole
	}
	if r.ID == s.guildID || r.Managed || r.Position >= s.botTopPositionLocked() {
		return nil, errMissingPermissions
	}
	return r, nil
}

// botTopPositionLocked is the position of the bot's highest role.
func (s *Server) botTopPositionLocked() int {
	top := 0
	if m, ok := s.members[s.botUser.ID]; ok {
		for _, id := range m.Roles {
			if r := s.roleLocked(id); r != nil && r.Position > top {
				top = r.Position
			}
		}
	}
	return top
}

// createRole creates a role just above @everyone, as Discord does, so the
// bot's own role stays above it.
func createRole(s *Server, rc *reqCtx) (int, any, error) {
	if _, err := s.rolesNeedLocked(rc, ""); err != nil {
		return 0, nil, err
	}
	var body struct {
		Name        *string         `json:"name"`
		Permissions json.RawMessage `json:"permissions"`
		Mentionable bool            `json:"mentionable"`
		Hoist       bool            `json:"hoist"`
		Color       int             `json:"color"`
	}
	if err := rc.decode(&body); err != nil {
		return 0, nil, err
	}
	if len(s.roles) >= MaxRoles {
		return 0, nil, errMaxRoles
	}
	name := "new role"
	if body.Name != nil {
		name = *body.Name
	}
	var perms int64
	if present(body.Permissions) {
		perms = permValue(body.Permissions)
	} else {
		perms = s.roleLocked(s.guildID).Permissions // Discord's default: @everyone's
	}
	// A bot cannot create a role with permissions it does not hold.
	if bot := s.guildPermsLocked(s.botUser.ID); bot != allPermissions && perms&^bot != 0 {
		return 0, nil, errMissingPermissions
	}
	for _, r := range s.roles {
		if r.ID != s.guildID {
			r.Position++
		}
	}
	r := &discordgo.Role{ID: s.newID(), Name: name, Permissions: perms, Mentionable: body.Mentionable, Hoist: body.Hoist, Color: body.Color, Position: 1}
	s.roles = append(s.roles, r)
	s.dispatchLocked("GUILD_ROLE_CREATE", map[string]any{"guild_id": s.guildID, "role": r}, discordgo.IntentGuilds)
	return http.StatusOK, r, nil
}

// deleteRole deletes a role, which takes it from every member who has it.
func deleteRole(s *Server, rc *reqCtx) (int, any, error) {
	r, err := s.rolesNeedLocked(rc, rc.param("role_id"))
	if err != nil {
		return 0, nil, err
	}
	s.roles = slices.DeleteFunc(s.roles, func(x *discordgo.Role) bool { return x.ID == r.ID })
	for _, m := range s.members {
		m.Roles = slices.DeleteFunc(m.Roles, func(id string) bool { return id == r.ID })
	}
	s.dispatchLocked("GUILD_ROLE_DELETE", map[string]any{"guild_id": s.guildID, "role_id": r.ID}, discordgo.IntentGuilds)
	return http.StatusNoContent, nil, nil
}

func addMemberRole(s *Server, rc *reqCtx) (int, any, error) {
	r, err := s.rolesNeedLocked(rc, rc.param("role_id"))
	if err != nil {
		return 0, nil, err
	}
	m, ok := s.members[rc.param("user_id")]
	if !ok {
		return 0, nil, errUnknownMember
	}
	if !slices.Contains(m.Roles, r.ID) {
		m.Roles = append(m.Roles, r.ID)
	}
	return http.StatusNoContent, nil, nil
}

func removeMemberRole(s *Server, rc *reqCtx) (int, any, error) {
	r, err := s.rolesNeedLocked(rc, rc.param("role_id"))
	if err != nil {
		return 0, nil, err
	}
	m, ok := s.members[rc.param("user_id")]
	if !ok {
		return 0, nil, errUnknownMember
	}
	m.Roles = slices.DeleteFunc(m.Roles, func(id string) bool { return id == r.ID })
	return http.StatusNoContent, nil, nil
}

// MembersWithRole lists the user ids of the members who have the role.
func (s *Server) MembersWithRole(roleID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.memberOrder {
		if m, ok := s.members[id]; ok && slices.Contains(m.Roles, roleID) {
			out = append(out, id)
		}
	}
	return out
}

// RoleByName finds a role by its exact name.
func (s *Server) RoleByName(name string) (discordgo.Role, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.roles {
		if r.Name == name {
			return *r, true
		}
	}
	return discordgo.Role{}, false
}
