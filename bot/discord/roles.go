package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

var (
	_ bot.RoleManager = (*Transport)(nil)
	_ bot.DMOpener    = (*Transport)(nil)
)

// Discord's JSON error codes the roles meet.
const (
	codeMaxRoles    = 30005 // "Maximum number of guild roles reached (250)"
	codeUnknownRole = 10011
)

// roleCreate is the body of POST /guilds/{id}/roles for a reminder role: no
// permissions, and not mentionable by members, so that only the bot can ping
// everyone who holds it. The bot pings it with MENTION_EVERYONE, which Discord's
// client calls "Mention @everyone, @here, and All Roles"
// (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags),
// always with allowed_mentions naming just that role.
type roleCreate struct {
	Name        string `json:"name"`
	Permissions int64  `json:"permissions"` // Discord's spec: an integer here, not a string
	Mentionable bool   `json:"mentionable"`
}

// ReminderRole implements bot.RoleManager: the role named name if the guild
// has one, else a new one; bot.ErrRoleLimit when the guild is within
// bot.RoleHeadroom of Discord's 250.
func (t *Transport) ReminderRole(ctx context.Context, name string) (string, error) {
	done, ok := t.track()
	if !ok {
		return "", errors.New("reminder role: transport closed")
	}
	defer done()
	u := discordgo.EndpointGuildRoles(t.guildID)
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return "", fmt.Errorf("reminder role %q: list roles: %w", name, err)
	}
	var roles []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(resp, &roles); err != nil {
		return "", fmt.Errorf("reminder role %q: decode roles: %w", name, err)
	}
	for _, r := range roles {
		if r.Name == name {
			return r.ID, nil
		}
	}
	if len(roles) >= bot.MaxRoles-bot.RoleHeadroom {
		return "", fmt.Errorf("reminder role %q: the guild has %d roles: %w", name, len(roles), bot.ErrRoleLimit)
	}
	// Not idempotent: a retry after a timeout could make a second role. A
	// failure is final here; the next /remindme finds the role by its name.
	resp, err = t.call(ctx, "POST", u, u, roleCreate{Name: name}, false)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == codeMaxRoles {
			return "", fmt.Errorf("reminder role %q: %w: %w", name, err, bot.ErrRoleLimit)
		}
		return "", fmt.Errorf("reminder role %q: create: %w", name, err)
	}
	var role struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp, &role); err != nil || role.ID == "" {
		return "", fmt.Errorf("reminder role %q: decode the created role: %v (body %.200q)", name, err, resp)
	}
	t.log.Info("reminder role created", "name", name, "role_id", role.ID)
	return role.ID, nil
}

// GiveRole implements bot.RoleManager (PUT, so a retry is harmless).
func (t *Transport) GiveRole(ctx context.Context, userID, roleID string) error {
	return t.memberRole(ctx, "PUT", userID, roleID)
}

// TakeRole implements bot.RoleManager; a member or role already gone is no error.
func (t *Transport) TakeRole(ctx context.Context, userID, roleID string) error {
	return t.memberRole(ctx, "DELETE", userID, roleID)
}

func (t *Transport) memberRole(ctx context.Context, method, userID, roleID string) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("%s role %s of %s: transport closed", method, roleID, userID)
	}
	defer done()
	if !isSnowflake(userID) || !isSnowflake(roleID) {
		return fmt.Errorf("%s role %q of %q: not Discord ids", method, roleID, userID)
	}
	u := discordgo.EndpointGuildMemberRole(t.guildID, userID, roleID)
	// One bucket for every member's roles: Discord keys it by the guild.
	bucket := discordgo.EndpointGuildMembers(t.guildID) + "/roles"
	if _, err := t.call(ctx, method, u, bucket, nil, true); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && method == "DELETE" && ae.Status == http.StatusNotFound {
			return nil
		}
		if errors.As(err, &ae) && ae.Code == codeUnknownRole {
			return fmt.Errorf("%s role %s of %s: %w: %w", method, roleID, userID, err, bot.ErrUnknownRole)
		}
		return fmt.Errorf("%s role %s of %s: %w", method, roleID, userID, err)
	}
	return nil
}

// DeleteRole implements bot.RoleManager: one request takes the role from every
// member who has it.
func (t *Transport) DeleteRole(ctx context.Context, roleID string) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("delete role %s: transport closed", roleID)
	}
	defer done()
	u := discordgo.EndpointGuildRole(t.guildID, roleID)
	if _, err := t.call(ctx, "DELETE", u, discordgo.EndpointGuildRoles(t.guildID)+"/delete", nil, true); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.Code == codeUnknownRole || ae.Status == http.StatusNotFound) {
			return nil
		}
		return fmt.Errorf("delete role %s: %w", roleID, err)
	}
	t.log.Info("reminder role deleted", "role_id", roleID)
	return nil
}

// OpenDM implements bot.DMOpener: it opens (or finds) the DM channel with the
// user, so that the message later is one request.
func (t *Transport) OpenDM(ctx context.Context, userID string) (string, error) {
	done, ok := t.track()
	if !ok {
		return "", fmt.Errorf("open DM with %s: transport closed", userID)
	}
	defer done()
	return t.openDM(ctx, userID)
}

func (t *Transport) openDM(ctx context.Context, userID string) (string, error) {
	if !isSnowflake(userID) {
		return "", fmt.Errorf("open DM with %q: not a Discord user id", userID)
	}
	u := discordgo.EndpointUserChannels("@me")
	resp, err := t.call(ctx, "POST", u, u, map[string]string{"recipient_id": userID}, true)
	if err != nil {
		return "", fmt.Errorf("open DM with %s: %w", userID, err)
	}
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp, &ch); err != nil || ch.ID == "" {
		return "", fmt.Errorf("open DM with %s: decode the DM channel: %v (body %.200q)", userID, err, resp)
	}
	return ch.ID, nil
}
