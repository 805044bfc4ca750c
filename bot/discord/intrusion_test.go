package discord_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
)

// Attempts to take rights the bot gives (issue 11): a presenter's by a
// username, a moderator's by a role's name.

// A member whose username is the listed presenter's id (Discord allows
// all-digit usernames: 2-32 of a-z, 0-9, "_" and ".", per
// https://support.discord.com/hc/en-us/articles/12620128861463) gets no
// rights and is no presenter; the real presenter keeps theirs.
func TestPresenterIDIsNotAUsername(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	fake.AddRole("moderators", 0)
	fake.SetRolePermissions(fake.GuildID(), discordgo.PermissionViewChannel|discordgo.PermissionSendMessages|discordgo.PermissionReadMessageHistory)
	alice := fake.AddMember("alice")
	mallory := fake.AddMember(alice) // username: alice's id
	b := newPosterBot(t, fake, posterProgram(t, 2, 0, map[int]string{1: alice}, nil))
	sync1(t, b)
	p1 := posterChannels(fake)["p1"]
	if fake.Permissions(alice, p1.ID)&discordgo.PermissionManageMessages == 0 {
		t.Error("alice, listed by her id, may not manage messages in her poster's channel")
	}
	if fake.Permissions(mallory, p1.ID)&discordgo.PermissionManageMessages != 0 {
		t.Error("mallory, whose username is alice's id, may manage messages in alice's poster's channel")
	}
	r := b.cur().Handle(context.Background(), bot.Command{Name: "poster here", Channel: p1.ID, User: bot.User{ID: mallory, Name: alice}})
	if !strings.Contains(r.Content, "not listed as one") {
		t.Errorf("/poster here by mallory answered %q, want a refusal", r.Content)
	}
	// And after mallory's command, a sync still gives her nothing.
	sync1(t, b)
	if fake.Permissions(mallory, p1.ID)&discordgo.PermissionManageMessages != 0 || fake.Permissions(alice, p1.ID)&discordgo.PermissionManageMessages == 0 {
		t.Error("after mallory's command, the rights moved")
	}
}

// The moderators role is the one resolved at start, by id: a role whose name
// differs only in case ("Moderators" for "moderators") gives nothing; two
// roles with the exact name are a start-up error naming both.
func TestModeratorRoleByID(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mods := fake.AddRole("moderators", 0)
	cosmetic := fake.AddRole("Moderators", 0)
	mod := fake.AddMember("mo", mods)
	mallory := fake.AddMember("mallory", cosmetic)
	newPosterBot(t, fake, posterProgram(t, 1, 0, nil, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []struct {
		user, want string
	}{{mallory, "is for moderators"}, {mod, "Archiving"}} {
		in := discordtest.Command("workshop", "archive")
		in.UserID = c.user
		r, err := fake.Interact(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Content, c.want) {
			t.Errorf("/workshop archive by %s answered %q, want %q", c.user, r.Content, c.want)
		}
	}

	twin := fake.AddRole("moderators", 0)
	tr, err := discord.New(discord.Config{Token: discordtest.Token, APIBase: fake.URL(), GuildID: fake.GuildID(), Names: names(),
		Handle: func(context.Context, bot.Command) bot.Reply { return bot.Reply{} }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Close() }()
	err = tr.Open(ctx)
	if err == nil || !strings.Contains(err.Error(), mods) || !strings.Contains(err.Error(), twin) {
		t.Errorf("Open with two roles named moderators = %v, want an error naming %s and %s", err, mods, twin)
	}
}
