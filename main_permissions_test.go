package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
)

// routePermissions is what the bot must hold, in the guild or the channel, for
// each REST route it calls, as Discord documents it. Routes answered through an
// interaction's token (callbacks, followups) and reads of the guild need none.
// Bodies add more (see needed): embeds need EMBED_LINKS, files ATTACH_FILES, and
// a permission overwrite may only grant or deny what the bot holds itself.
// A route missing here fails TestPermissionsMatchUse: add it with what it needs.
var routePermissions = map[string]int64{
	"GET /gateway":                             0,
	"GET /gateway/bot":                         0,
	"GET /users/@me":                           0,
	"GET /guilds/{guild_id}":                   0,
	"GET /guilds/{guild_id}/channels":          0,
	"GET /guilds/{guild_id}/roles":             0,
	"GET /guilds/{guild_id}/members":           0, // needs the GUILD_MEMBERS intent, not a permission
	"GET /guilds/{guild_id}/members/{user_id}": 0,
	"GET /applications/{application_id}/guilds/{guild_id}/commands":               0, // the applications.commands scope
	"PUT /applications/{application_id}/guilds/{guild_id}/commands":               0,
	"POST /users/@me/channels":                                                    0, // opening a DM
	"POST /interactions/{interaction_id}/{interaction_token}/callback":            0,
	"POST /webhooks/{application_id}/{interaction_token}":                         0,
	"PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}":  0,
	"GET /webhooks/{application_id}/{interaction_token}/messages/{message_id}":    0,
	"DELETE /webhooks/{application_id}/{interaction_token}/messages/{message_id}": 0,

	"POST /guilds/{guild_id}/channels":                         discordgo.PermissionManageChannels,
	"PATCH /channels/{channel_id}":                             discordgo.PermissionManageChannels | discordgo.PermissionViewChannel,
	"PUT /channels/{channel_id}/permissions/{overwrite_id}":    discordgo.PermissionManageRoles | discordgo.PermissionViewChannel,
	"DELETE /channels/{channel_id}/permissions/{overwrite_id}": discordgo.PermissionManageRoles | discordgo.PermissionViewChannel,
	"GET /channels/{channel_id}":                               discordgo.PermissionViewChannel,
	"GET /channels/{channel_id}/messages":                      discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory,
	"GET /channels/{channel_id}/messages/{message_id}":         discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory,
	"POST /channels/{channel_id}/messages":                     discordgo.PermissionViewChannel | discordgo.PermissionSendMessages,
	"PATCH /channels/{channel_id}/messages/{message_id}":       discordgo.PermissionViewChannel, // its own messages
	"DELETE /channels/{channel_id}/messages/{message_id}":      discordgo.PermissionViewChannel, // its own messages
	"GET /channels/{channel_id}/messages/pins":                 discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory,
	// Pins need PIN_MESSAGES; MANAGE_MESSAGES no longer does (discord-api-docs
	// PRs #7766 and #7770, the pin permission split).
	"PUT /channels/{channel_id}/messages/pins/{message_id}":    discordgo.PermissionViewChannel | discord.PermissionPinMessages,
	"DELETE /channels/{channel_id}/messages/pins/{message_id}": discordgo.PermissionViewChannel | discord.PermissionPinMessages,
	"GET /channels/{channel_id}/pins":                          discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory,
	"PUT /channels/{channel_id}/pins/{message_id}":             discordgo.PermissionViewChannel | discord.PermissionPinMessages,

	// /remindme's reminder roles: made, given, taken and deleted with
	// MANAGE_ROLES (Create Guild Role, Add/Remove Guild Member Role, Delete
	// Guild Role in https://discord.com/developers/docs/resources/guild).
	"POST /guilds/{guild_id}/roles":                               discordgo.PermissionManageRoles,
	"DELETE /guilds/{guild_id}/roles/{role_id}":                   discordgo.PermissionManageRoles,
	"PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}":    discordgo.PermissionManageRoles,
	"DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}": discordgo.PermissionManageRoles,

	"GET /guilds/{guild_id}/scheduled-events":                               0,
	"GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":    0,
	"POST /guilds/{guild_id}/scheduled-events":                              discordgo.PermissionCreateEvents,
	"PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":  discordgo.PermissionCreateEvents, // its own events; MANAGE_EVENTS for others'
	"DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}": discordgo.PermissionCreateEvents,
}

// needed is what one request the bot made requires of it; known is false for a
// route missing from routePermissions. Messages in DM channels need no guild
// permission.
func needed(req discordtest.Request, guildChannels map[string]bool) (perms int64, known bool) {
	perms, known = routePermissions[req.Route]
	if !known {
		return 0, false
	}
	body := string(req.Body)
	if strings.HasPrefix(req.Route, "POST /channels/{channel_id}/messages") || strings.HasPrefix(req.Route, "PATCH /channels/{channel_id}/messages/") {
		if id := strings.Split(req.Path, "/")[2]; !guildChannels[id] {
			return 0, true // a DM
		}
		if regexp.MustCompile(`"embeds":\s*\[\s*\{`).MatchString(body) {
			perms |= discordgo.PermissionEmbedLinks
		}
		if strings.HasPrefix(req.ContentType, "multipart/") {
			perms |= discordgo.PermissionAttachFiles
		}
		// Pinging a role members may not mention (the bot's reminder roles)
		// needs MENTION_EVERYONE, "Mention @everyone, @here, and All Roles"
		// (https://discord.com/developers/docs/topics/permissions).
		var am struct {
			AllowedMentions struct {
				Roles []string `json:"roles"`
			} `json:"allowed_mentions"`
		}
		if json.Unmarshal(req.Body, &am) == nil && len(am.AllowedMentions.Roles) > 0 {
			perms |= discordgo.PermissionMentionEveryone
		}
	}
	// Overwrites: MANAGE_ROLES, and every bit they allow or deny.
	var ow struct {
		Overwrites []struct {
			Allow, Deny json.Number
		} `json:"permission_overwrites"`
		Allow, Deny json.Number
	}
	if json.Unmarshal(req.Body, &ow) == nil {
		bits := func(n json.Number) int64 { v, _ := strconv.ParseInt(string(n), 10, 64); return v }
		for _, o := range ow.Overwrites {
			perms |= discordgo.PermissionManageRoles | bits(o.Allow) | bits(o.Deny)
		}
		if strings.HasPrefix(req.Route, "PUT /channels/{channel_id}/permissions/") {
			perms |= bits(ow.Allow) | bits(ow.Deny)
		}
	}
	return perms, true
}

// permissionNames spells permission bits for messages.
func permissionNames(p int64) string {
	var names []string
	for bit := 0; bit < 63; bit++ {
		if p&(1<<bit) == 0 {
			continue
		}
		name := map[int64]string{
			discordgo.PermissionViewChannel: "VIEW_CHANNEL", discordgo.PermissionSendMessages: "SEND_MESSAGES",
			discordgo.PermissionEmbedLinks: "EMBED_LINKS", discordgo.PermissionAttachFiles: "ATTACH_FILES",
			discordgo.PermissionReadMessageHistory: "READ_MESSAGE_HISTORY", discordgo.PermissionManageChannels: "MANAGE_CHANNELS",
			discordgo.PermissionManageRoles: "MANAGE_ROLES", discordgo.PermissionManageMessages: "MANAGE_MESSAGES",
			discordgo.PermissionManageEvents: "MANAGE_EVENTS", discordgo.PermissionCreateEvents: "CREATE_EVENTS",
			discord.PermissionPinMessages: "PIN_MESSAGES", discordgo.PermissionMentionEveryone: "MENTION_EVERYONE",
		}[1<<bit]
		if name == "" {
			name = fmt.Sprintf("1<<%d", bit)
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " | ")
}

// flowProgram is a program that exercises every feature: a talk due in a few
// seconds, a poster session with presenters (alice, bob), a panel for
// questions, and every kind mirrored as a scheduled event.
func flowProgram(t *testing.T, dir string, now time.Time) []string {
	t.Helper()
	at := func(d time.Duration) string { return now.Add(d).Truncate(time.Second).Format(time.RFC3339) }
	sched := fmt.Sprintf(`%sdiscord:
  moderators_role: Moderators
reminders:
  leads: [0s]
  catch_up: 5m
sessions:
  - {id: talk, kind: invited, title: A Talk Soon, speakers: [Ada Lovelace], start: %q, end: %q}
  - {id: posters, kind: posters, poster_session: 1, title: Posters, start: %q}
  - {id: chat, kind: other, title: Coffee Chat, start: %q}
  - {id: panel, kind: panel, title: The Panel, start: %q}
`, workshopYAML("Flow Workshop", "FW", now), at(3*time.Second), at(10*time.Minute), at(2*time.Hour), at(75*time.Second), at(3*time.Hour))
	posters := "id,session,title,authors,presenters,abstract,pdf,video\n" +
		"p1,1,Neural ODEs at Scale,Alice Author,alice,An abstract.,https://arxiv.org/abs/2106.10934,\n" +
		"p2,1,Adjoints Revisited,Bob Author,bob,,,\n"
	return writeProgramFiles(t, dir, sched, posters)
}

// TestPermissionsMatchUse runs every feature end to end against the fake, works
// out from each request the bot sent what permission it needed, and checks
// that the union is exactly discord.Permissions (the bot asks for nothing it
// does not use, and uses nothing it does not ask for), and that the README's
// invite link and permission integer say the same. Along the way: moderator
// commands refuse attendees, and presenters hold rights in their own poster
// channel only.
func TestPermissionsMatchUse(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	// The bot holds exactly what its invite asks for: a request needing more
	// fails with 403, and the features below would break.
	fake.SetBotPermissions(discord.Permissions)
	mods := fake.AddRole("Moderators", 0)
	mod := fake.AddMember("mod", mods)
	alice, bob, carol := fake.AddMember("alice"), fake.AddMember("bob"), fake.AddMember("carol")
	stop, logs := startBot(t, fake, flowProgram(t, t.TempDir(), time.Now()))
	defer func() {
		if t.Failed() {
			t.Logf("bot log (tail):\n%s", tail(logs.String(), 40))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool {
		p1, ok := posterChannel(s, "p1")
		p2, ok2 := posterChannel(s, "p2")
		return ok && ok2 && len(s.Messages(p1.ID)) > 0 && len(s.Messages(p2.ID)) > 0 && len(announcements(s)) > 0 && len(s.Events()) > 0 &&
			slices.ContainsFunc(s.Commands(), func(c discordgo.ApplicationCommand) bool { return c.Name == "questions" })
	}); err != nil {
		t.Fatalf("the bot did not set up (poster channels, reminder, events, commands): %v", err)
	}
	p1, _ := posterChannel(fake, "p1")
	p2, _ := posterChannel(fake, "p2")

	// Moderator commands, as registered on Discord, refuse an attendee.
	for _, spec := range bot.Specs(features.All()) {
		if !spec.Moderator {
			continue
		}
		parts := strings.Fields(spec.Name)
		var args []any
		for _, p := range parts[1:] {
			args = append(args, p)
		}
		for _, o := range spec.Options {
			if o.Required {
				args = append(args, discordtest.Opt(o.Name, map[bot.OptionType]any{bot.OptionString: "panel", bot.OptionInteger: 1, bot.OptionBoolean: false}[o.Type]))
			}
		}
		r, err := interact(ctx, fake, carol, discordtest.Command(parts[0], args...))
		if err != nil || !r.Ephemeral() || !strings.Contains(r.Content, "is for moderators") {
			t.Errorf("/%s by an attendee: %v %+v, want a private refusal", spec.Name, err, r)
		}
	}

	// Presenters hold their rights in their own channel only; nobody but the bot
	// may rename or delete a channel or change its rights.
	for _, tc := range []struct {
		who, user string
		ch        discordgo.Channel
		manage    bool
	}{{"alice", alice, p1, true}, {"alice", alice, p2, false}, {"bob", bob, p2, true}, {"bob", bob, p1, false}, {"carol", carol, p1, false}, {"mod", mod, p1, false}} {
		p := fake.Permissions(tc.user, tc.ch.ID)
		if has := p&discordgo.PermissionManageMessages != 0; has != tc.manage {
			t.Errorf("%s in #%s: MANAGE_MESSAGES %v, want %v", tc.who, tc.ch.Name, has, tc.manage)
		}
		if has := p&discord.PermissionPinMessages != 0; has != tc.manage {
			t.Errorf("%s in #%s: PIN_MESSAGES %v, want %v", tc.who, tc.ch.Name, has, tc.manage)
		}
		if p&(discordgo.PermissionManageChannels|discordgo.PermissionManageRoles) != 0 {
			t.Errorf("%s in #%s may manage the channel or its rights: %s", tc.who, tc.ch.Name, permissionNames(p))
		}
	}

	// Every feature once: questions, votes, moderation, export, DMs, presenter
	// commands, archive and reopen, a schedule change.
	in := func(i discordtest.Interaction, ch string) discordtest.Interaction { i.ChannelID = ch; return i }
	steps := []struct {
		user string
		in   discordtest.Interaction
	}{
		{alice, askCmd("How do adjoints scale with depth?")},
		{bob, askCmd("What about stiff systems, then?")},
		{mod, discordtest.Command("questions", "next")},
		{mod, discordtest.Command("questions", "export")},
		{carol, discordtest.Command("remindme", "session:chat", discordtest.Opt("before", 1), discordtest.Opt("dm", true))}, // a DM in a few seconds
		{bob, discordtest.Command("remindme", "session:chat", discordtest.Opt("before", 1))},                                // a reminder role, pinged then
		{carol, discordtest.Command("schedule")},
		{alice, in(discordtest.Command("poster", "topic", "text:Come by at ten"), p1.ID)},
		{alice, in(discordtest.Command("poster", "link", "name:Slides", "url:https://example.org/slides.pdf"), p1.ID)},
		{alice, in(discordtest.Command("poster", "here"), p1.ID)},
		{mod, discordtest.Command("workshop", "archive")},
		{mod, discordtest.Command("workshop", "archive", discordtest.Opt("undo", true))},
		{mod, discordtest.Command("workshop", "delay", "session:panel", discordtest.Opt("minutes", 5))},
		{mod, discordtest.Command("workshop", "sync")},
	}
	for _, s := range steps {
		r, err := interact(ctx, fake, s.user, s.in)
		if err != nil {
			t.Errorf("%s: %v", s.in.Name, err)
			continue
		}
		t.Logf("/%s %v: %.120q", s.in.Name, s.in.Options, r.Content)
		if strings.Contains(r.Content, "internal error") {
			t.Errorf("/%s: %q", s.in.Name, r.Content)
		}
	}
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) == 2 }); err != nil {
		t.Fatalf("question cards: %v", err)
	}
	byID, _ := cards(t, fake)
	vote := discordtest.Button("q:vote:1", byID[1].ID)
	vote.ChannelID = byID[1].ChannelID
	if r, err := interact(ctx, fake, carol, vote); err != nil || r.Type != 7 {
		t.Errorf("vote: %v %+v", err, r)
	}
	// Let the DM, the poster loop and the event sync catch up, then stop.
	for what, cond := range map[string]func(s *discordtest.Server) bool{
		"the /remindme DM": func(s *discordtest.Server) bool { return len(s.DMs(carol)) > 0 },
		"the /remindme role ping": func(s *discordtest.Server) bool {
			return slices.ContainsFunc(announcements(s), func(m discordtest.Message) bool {
				return len(m.MentionRoles) == 1 && slices.Contains(s.MembersWithRole(m.MentionRoles[0]), bob)
			})
		},
		"the link on p1's card": func(s *discordtest.Server) bool {
			card, _ := json.Marshal(s.Messages(p1.ID)[0].Embeds)
			return strings.Contains(string(card), "slides.pdf")
		},
		"the 'at their poster' note": func(s *discordtest.Server) bool { return len(announcements(s)) >= 2 },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		if err := fake.WaitFor(ctx, cond); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	time.Sleep(time.Second) // the archive and sync reports
	if code := stop(); code != 0 {
		t.Errorf("bot exited %d", code)
	}

	guildChannels := map[string]bool{}
	for _, c := range fake.Channels() {
		guildChannels[c.ID] = true
	}
	var used int64
	byRoute := map[string]int64{}
	for _, req := range fake.Requests() {
		if req.Status >= 400 {
			continue
		}
		p, known := needed(req, guildChannels)
		if !known {
			t.Errorf("%s (%s %s): route not in routePermissions; add it with the permission Discord documents for it", req.Route, req.Method, req.Path)
			continue
		}
		used |= p
		byRoute[req.Route] |= p
	}
	var routes []string
	for r := range byRoute {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		t.Logf("%-75s %s", r, permissionNames(byRoute[r]))
	}
	if extra := discord.Permissions &^ used; extra != 0 {
		t.Errorf("the bot asks for %s but no request used it", permissionNames(extra))
	}
	if missing := used &^ discord.Permissions; missing != 0 {
		t.Errorf("the bot used %s but does not ask for it", permissionNames(missing))
	}
	t.Logf("used: %s (%d); asked: %d", permissionNames(used), used, discord.Permissions)

	// The README says the same, in the invite link and in the text.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`permissions=(\d+)`), regexp.MustCompile("permission integer `(\\d+)`")} {
		m := re.FindAllStringSubmatch(string(readme), -1)
		if len(m) == 0 {
			t.Errorf("README.md has no %s", re)
		}
		for _, g := range m {
			if n, _ := strconv.ParseInt(g[1], 10, 64); n != discord.Permissions {
				t.Errorf("README.md says %s = %d (%s); the bot asks for %d (%s)", re, n, permissionNames(n), discord.Permissions, permissionNames(discord.Permissions))
			}
		}
	}
}
