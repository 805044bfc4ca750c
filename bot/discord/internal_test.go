package discord

import (
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

func TestBuildCommands(t *testing.T) {
	specs := []bot.CommandSpec{
		{Name: "schedule", Description: "The program"},
		{Name: "questions next", Description: "Show the next question", Moderator: true},
		{Name: "ask", Description: "Ask the panel", Options: []bot.OptionSpec{
			{Name: "anonymous", Description: "Hide my name", Type: bot.OptionBoolean},
			{Name: "question", Description: "Your question", Type: bot.OptionString, Required: true, MinLength: 5, MaxLength: 300},
		}},
		{Name: "questions approve", Description: "Approve a question", Moderator: true, Options: []bot.OptionSpec{
			{Name: "id", Description: "Question number", Type: bot.OptionInteger, Required: true},
		}},
		{Name: "posters admin move", Description: "Move a poster", Moderator: true},
	}
	got, err := buildCommands(specs)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(got)
	// Moderator commands are visible to everyone (default_member_permissions null):
	// the bot checks the moderators role itself.
	want := `[{"name":"schedule","type":1,"description":"The program","default_member_permissions":null,"dm_permission":false},` +
		`{"name":"questions","type":1,"description":"questions: next, approve","options":[` +
		`{"type":1,"name":"next","description":"Show the next question"},` +
		`{"type":1,"name":"approve","description":"Approve a question","options":[{"type":4,"name":"id","description":"Question number","required":true}]}],` +
		`"default_member_permissions":null,"dm_permission":false},` +
		`{"name":"ask","type":1,"description":"Ask the panel","options":[` +
		`{"type":3,"name":"question","description":"Your question","required":true,"min_length":5,"max_length":300},` +
		`{"type":5,"name":"anonymous","description":"Hide my name"}],"default_member_permissions":null,"dm_permission":false},` +
		`{"name":"posters","type":1,"description":"posters: admin move","options":[` +
		`{"type":2,"name":"admin","description":"posters admin commands","options":[{"type":1,"name":"move","description":"Move a poster"}]}],` +
		`"default_member_permissions":null,"dm_permission":false}]`
	if string(data) != want {
		t.Errorf("buildCommands:\ngot  %s\nwant %s", data, want)
	}
}

func TestBuildCommandsErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []bot.CommandSpec
		want  string
	}{
		{"upper case", []bot.CommandSpec{{Name: "Next", Description: "x"}}, `name "Next"`},
		{"no description", []bot.CommandSpec{{Name: "next"}}, "description has 0 characters"},
		{"options and subs", []bot.CommandSpec{
			{Name: "q", Description: "x", Options: []bot.OptionSpec{{Name: "a", Description: "a", Type: bot.OptionString}}},
			{Name: "q next", Description: "x"},
		}, "cannot have option"},
		{"too deep", []bot.CommandSpec{{Name: "a b c d", Description: "x"}}, "at most a group"},
		{"bad type", []bot.CommandSpec{{Name: "a", Description: "x", Options: []bot.OptionSpec{{Name: "o", Description: "o", Type: 9}}}}, "unknown type 9"},
	} {
		_, err := buildCommands(tc.specs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSameCommandsAgainstDiscordShape(t *testing.T) {
	want, err := buildCommands([]bot.CommandSpec{
		{Name: "help", Description: "What this bot can do"},
		{Name: "questions next", Description: "Next", Moderator: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	// What GET returns: ids, versions, nulls, other order, dm_permission true.
	got := `[{"id":"2","application_id":"1","version":"3","type":1,"name":"questions","description":"questions: next",` +
		`"default_member_permissions":null,"dm_permission":true,"nsfw":false,` +
		`"options":[{"type":1,"name":"next","description":"Next"}]},` +
		`{"id":"1","application_id":"1","version":"3","type":1,"name":"help","description":"What this bot can do",` +
		`"default_member_permissions":null,"dm_permission":true,"nsfw":false}]`
	var have []commandJSON
	if err := json.Unmarshal([]byte(got), &have); err != nil {
		t.Fatal(err)
	}
	if !sameCommands(have, want) {
		t.Errorf("sameCommands = false for the same commands as Discord returns them")
	}
	if !sameCommands([]commandJSON{}, nil) {
		t.Errorf("sameCommands([], nil) = false: a bot without commands would overwrite them at every start")
	}
	have[0].Options[0].Description = "Changed"
	if sameCommands(have, want) {
		t.Errorf("sameCommands = true after a description changed")
	}
}

func TestNonce(t *testing.T) {
	if got := nonce("r:s1:15m"); got != "r:s1:15m" {
		t.Errorf("short nonce changed: %q", got)
	}
	long := "reminder:opening-keynote-session:900000000000"
	a, b := nonce(long), nonce(long)
	if len(a) != bot.MaxNonce || a != b {
		t.Errorf("nonce(long) = %q, %q: want a stable %d-character hash", a, b, bot.MaxNonce)
	}
	if nonce(long+"x") == a {
		t.Errorf("different long nonces hash the same")
	}
}

func TestChannelPermissions(t *testing.T) {
	const (
		guild = "100"
		botID = "200"
		botR  = "300"
		modR  = "400"
	)
	g := &discordgo.Guild{ID: guild, OwnerID: "999", Roles: []*discordgo.Role{
		{ID: guild, Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages},
		{ID: botR, Permissions: discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory},
		{ID: modR, Permissions: 0},
	}}
	ow := func(id string, typ discordgo.PermissionOverwriteType, allow, deny int64) *discordgo.PermissionOverwrite {
		return &discordgo.PermissionOverwrite{ID: id, Type: typ, Allow: allow, Deny: deny}
	}
	role, member := discordgo.PermissionOverwriteTypeRole, discordgo.PermissionOverwriteTypeMember
	for _, tc := range []struct {
		name    string
		user    string
		roles   []string
		ows     []*discordgo.PermissionOverwrite
		missing []string
	}{
		{"plain", botID, []string{botR}, nil, nil},
		{"everyone denied send", botID, []string{botR}, []*discordgo.PermissionOverwrite{ow(guild, role, 0, discordgo.PermissionSendMessages)}, []string{"SEND_MESSAGES"}},
		{"role allows back", botID, []string{botR}, []*discordgo.PermissionOverwrite{
			ow(guild, role, 0, discordgo.PermissionSendMessages), ow(botR, role, discordgo.PermissionSendMessages, 0)}, nil},
		{"member deny beats role allow", botID, []string{botR}, []*discordgo.PermissionOverwrite{
			ow(botR, role, discordgo.PermissionSendMessages, 0), ow(botID, member, 0, discordgo.PermissionSendMessages)}, []string{"SEND_MESSAGES"}},
		{"hidden", botID, []string{botR}, []*discordgo.PermissionOverwrite{ow(guild, role, 0, discordgo.PermissionViewChannel)}, []string{"VIEW_CHANNEL"}},
		{"owner", "999", nil, []*discordgo.PermissionOverwrite{ow(guild, role, 0, discordgo.PermissionViewChannel)}, nil},
	} {
		ch := &discordgo.Channel{ID: "500", Name: "x", PermissionOverwrites: tc.ows}
		got := missing(channelPermissions(g, tc.user, tc.roles, ch), channelNeeds)
		if !reflect.DeepEqual(got, tc.missing) {
			t.Errorf("%s: missing = %v, want %v", tc.name, got, tc.missing)
		}
	}
}

// TestDecode decodes real INTERACTION_CREATE payloads (testdata/interactions)
// into the bot's commands.
func TestDecode(t *testing.T) {
	tr := &Transport{modRole: "7", cfg: Config{Names: bot.DiscordConfig{Moderators: "moderators"}}, log: slog.Default()}
	for _, tc := range []struct {
		fixture string
		want    bot.Command
	}{
		{"slash_group_subcommand.json", bot.Command{
			Name:    "questions admin move",
			Options: map[string]string{"n": "12", "all": "true", "to": "B 12", "x": "1.5"},
			User:    bot.User{ID: "42", Name: "ada", Roles: []string{"7", "moderators", "8"}},
			Channel: "50",
		}},
		{"dm_global_name.json", bot.Command{Name: "help", Options: map[string]string{}, User: bot.User{ID: "43", Name: "Bob"}, Channel: "60"}},
		{"button_press.json", bot.Command{Button: "q:vote:12", User: bot.User{ID: "5", Name: "carol", Roles: []string{"6", "8"}}, Channel: "4"}},
	} {
		got := tr.decode(interactionFixture(t, tc.fixture))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("decode %s:\ngot  %+v\nwant %+v", tc.fixture, got, tc.want)
		}
	}
}

func TestPathOfHidesTokens(t *testing.T) {
	got := pathOf(discordgo.EndpointInteractionResponse("123", "secret-token"))
	if strings.Contains(got, "secret") {
		t.Errorf("pathOf kept the token: %s", got)
	}
	u := discordgo.EndpointInteractionResponseActions("1", "secret-token")
	got = pathOf(u)
	if got != "/api/v9/webhooks/1/{token}/messages/@original" {
		t.Errorf("pathOf = %s", got)
	}
	got = redact(`Patch "`+u+`": context deadline exceeded`, u)
	if strings.Contains(got, "secret") || !strings.Contains(got, "deadline") {
		t.Errorf("redact = %s", got)
	}
}

func TestInviteURL(t *testing.T) {
	got := InviteURL("123")
	want := "https://discord.com/oauth2/authorize?client_id=123&permissions=2269392268422160&scope=bot+applications.commands"
	if got != want {
		t.Errorf("InviteURL = %s\nwant        %s", got, want)
	}
}
