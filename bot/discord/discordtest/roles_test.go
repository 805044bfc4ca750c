package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestRolesNeedManageRolesAndStopAt250: creating, giving, taking and
// deleting a role need MANAGE_ROLES; a role above the bot's own cannot be
// given; the 250th role is the last.
func TestRolesNeedManageRolesAndStopAt250(t *testing.T) {
	s := New(t)
	alice := s.AddMember("alice")
	g := "/guilds/" + s.GuildID()
	status, body := raw(t, s, "POST", g+"/roles", `{"name":"⏰ panel −10m","permissions":0,"mentionable":false}`)
	if status != http.StatusOK {
		t.Fatalf("create role = %d %s", status, body)
	}
	var role discordgo.Role
	if err := json.Unmarshal(body, &role); err != nil || role.ID == "" || role.Mentionable {
		t.Fatalf("created role %s: %v", body, err)
	}
	if status, body := raw(t, s, "PUT", g+"/members/"+alice+"/roles/"+role.ID, ""); status != http.StatusNoContent {
		t.Errorf("give role = %d %s", status, body)
	}
	if got := s.MembersWithRole(role.ID); !slices.Equal(got, []string{alice}) {
		t.Errorf("members with the role: %v", got)
	}
	above := s.AddRole("admins", 0) // added after the bot's role: above it
	if status, _ := raw(t, s, "PUT", g+"/members/"+alice+"/roles/"+above, ""); status != http.StatusForbidden {
		t.Errorf("give a role above the bot's = %d, want 403", status)
	}
	s.SetBotPermissions(DefaultBotPermissions &^ discordgo.PermissionManageRoles)
	for _, r := range []struct{ method, path string }{
		{"POST", g + "/roles"}, {"PUT", g + "/members/" + alice + "/roles/" + role.ID},
		{"DELETE", g + "/members/" + alice + "/roles/" + role.ID}, {"DELETE", g + "/roles/" + role.ID},
	} {
		b := ""
		if r.method == "POST" {
			b = `{"name":"x"}`
		}
		if status, _ := raw(t, s, r.method, r.path, b); status != http.StatusForbidden {
			t.Errorf("%s %s without MANAGE_ROLES = %d, want 403", r.method, r.path, status)
		}
	}
	s.SetBotPermissions(DefaultBotPermissions)
	if status, _ := raw(t, s, "DELETE", g+"/roles/"+role.ID, ""); status != http.StatusNoContent || len(s.MembersWithRole(role.ID)) != 0 {
		t.Errorf("delete role = %d; members left %v", status, s.MembersWithRole(role.ID))
	}
	for i := len(s.Roles()); i < MaxRoles; i++ {
		s.AddRole(fmt.Sprintf("r%d", i), 0)
	}
	if status, body := raw(t, s, "POST", g+"/roles", `{"name":"one too many"}`); status != http.StatusBadRequest || !strings.Contains(string(body), "30005") {
		t.Errorf("role %d = %d %s, want 400 code 30005", MaxRoles+1, status, body)
	}
}

// TestRoleMentionNeedsMentionableOrMentionEveryone: a role members may not
// mention pings only when the bot holds MENTION_EVERYONE; a mentionable one
// always does; allowed_mentions still decides.
func TestRoleMentionNeedsMentionableOrMentionEveryone(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mentionable bool
		perms       int64
		allowed     string
		pinged      bool
	}{
		{"not mentionable, MENTION_EVERYONE", false, DefaultBotPermissions, "[%q]", true},
		{"not mentionable, without MENTION_EVERYONE", false, DefaultBotPermissions &^ discordgo.PermissionMentionEveryone, "[%q]", false},
		{"mentionable, without MENTION_EVERYONE", true, DefaultBotPermissions &^ discordgo.PermissionMentionEveryone, "[%q]", true},
		{"not in allowed_mentions", false, DefaultBotPermissions, "[]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t)
			ch := s.AddChannel("announcements", 0, "")
			s.SetBotPermissions(tc.perms)
			_, body := raw(t, s, "POST", "/guilds/"+s.GuildID()+"/roles", fmt.Sprintf(`{"name":"r","mentionable":%v}`, tc.mentionable))
			var role discordgo.Role
			if err := json.Unmarshal(body, &role); err != nil || role.ID == "" {
				t.Fatalf("create role: %s", body)
			}
			allowed := tc.allowed
			if strings.Contains(allowed, "%q") {
				allowed = fmt.Sprintf(allowed, role.ID)
			}
			msg := fmt.Sprintf(`{"content":"<@&%s> soon","allowed_mentions":{"parse":[],"roles":%s}}`, role.ID, allowed)
			if status, body := raw(t, s, "POST", "/channels/"+ch+"/messages", msg); status != http.StatusOK {
				t.Fatalf("post = %d %s", status, body)
			}
			m := s.Messages(ch)[0]
			if got := slices.Contains(m.MentionRoles, role.ID); got != tc.pinged {
				t.Errorf("role pinged: %v, want %v", got, tc.pinged)
			}
		})
	}
}
