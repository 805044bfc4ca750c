package bot_test

import (
	"context"
	"strings"
	"testing"

	"workshopbot/bot"
	"workshopbot/bot/features"
)

// TestModeratorCommandsNeedTheRole: every command whose spec says Moderator is
// refused, privately and naming the role, to a user without the moderators
// role, and is not refused to one with it. The loop is over bot.Specs(features.All()),
// so a new moderator command is covered as soon as it is registered.
func TestModeratorCommandsNeedTheRole(t *testing.T) {
	e := newEnv(t, false)
	stop := e.run(e.b)
	defer stop()
	attendees := []bot.User{
		alice,
		bob, // has a role, not the moderators one
		{ID: "205", Name: "Mallory", Roles: []string{"Moderator", "moderators-team", "Moderators "}}, // near misses
	}
	n := 0
	for _, spec := range bot.Specs(features.All()) {
		if !spec.Moderator {
			continue
		}
		n++
		t.Run(spec.Name, func(t *testing.T) {
			opts := map[string]string{}
			for _, o := range spec.Options {
				if o.Required {
					opts[o.Name] = map[bot.OptionType]string{bot.OptionString: "panel", bot.OptionInteger: "1", bot.OptionBoolean: "false"}[o.Type]
				}
			}
			for _, u := range attendees {
				r := e.b.Handle(context.Background(), bot.Command{Name: spec.Name, Options: opts, User: u, Channel: "panel-questions"})
				if !r.Ephemeral || !strings.Contains(r.Content, "is for moderators") || !strings.Contains(r.Content, `"Moderators"`) {
					t.Errorf("%s (roles %v): %q (ephemeral %v), want a private refusal naming the role", u.Name, u.Roles, r.Content, r.Ephemeral)
				}
				if r.Update != nil || len(r.Files) > 0 {
					t.Errorf("%s: the refusal carries an update or a file", u.Name)
				}
			}
			r := e.b.Handle(context.Background(), bot.Command{Name: spec.Name, Options: opts, User: mod, Channel: "panel-questions"})
			if strings.Contains(r.Content, "is for moderators") {
				t.Errorf("a moderator (roles %v) is refused: %q", mod.Roles, r.Content)
			}
		})
	}
	if n == 0 {
		t.Fatal("no command has Moderator set; the test would test nothing")
	}
	// /help lists moderator commands only to moderators.
	for _, spec := range bot.Specs(features.All()) {
		if !spec.Moderator {
			continue
		}
		if h := e.cmd(alice, "help").Content; strings.Contains(h, "`/"+spec.Name+"`") {
			t.Errorf("/help shows %s to an attendee", spec.Name)
		}
		if h := e.cmd(mod, "help").Content; !strings.Contains(h, "`/"+spec.Name+"`") {
			t.Errorf("/help hides %s from a moderator", spec.Name)
		}
	}
	t.Logf("%d moderator commands checked", n)
}
