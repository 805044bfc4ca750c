package discord_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord/discordtest"
)

// card is a question card as the bot posts it, with text that tries to ping.
func card(votes int, disabled bool) bot.Message {
	return bot.Message{
		Channel: bot.ChannelQuestions,
		Content: fmt.Sprintf("**Q1** · 👍 %d\n> Is @everyone here? Ask <@&123> or <@456>.", votes),
		Nonce:   "q:1",
		Buttons: []bot.Button{{ID: "q:vote:1", Label: fmt.Sprintf("Upvote (%d)", votes), Style: bot.ButtonPrimary, Disabled: disabled}},
	}
}

// buttons returns the buttons of a message's components, row by row.
func buttons(t *testing.T, cs []discordgo.MessageComponent) []discordgo.Button {
	t.Helper()
	var out []discordgo.Button
	for _, c := range cs {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			t.Fatalf("component %T at the top level, want an action row", c)
		}
		for _, b := range row.Components {
			btn, ok := b.(*discordgo.Button)
			if !ok {
				t.Fatalf("component %T in a row, want a button", b)
			}
			out = append(out, *btn)
		}
	}
	return out
}

func TestPostWithButtonsThenEdit(t *testing.T) {
	fake, modRole, _ := newFake(t)
	h := open(t, fake, nil)
	fake.AddMember("mentioned", modRole)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	posted, err := h.tr.Post(ctx, card(0, false))
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages(posted.ChannelID)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in #panel-questions, want 1", len(msgs))
	}
	got := buttons(t, msgs[0].Components)
	if len(got) != 1 || got[0].CustomID != "q:vote:1" || got[0].Label != "Upvote (0)" || got[0].Style != discordgo.PrimaryButton || got[0].Disabled {
		t.Errorf("buttons = %+v, want one enabled primary \"Upvote (0)\" with custom_id q:vote:1", got)
	}
	if m := msgs[0]; len(m.Mentions) != 0 || len(m.MentionRoles) != 0 || m.MentionEveryone {
		t.Errorf("the card pings users %v, roles %v, everyone %v; want nobody", m.Mentions, m.MentionRoles, m.MentionEveryone)
	}

	if err := h.tr.Edit(ctx, posted.ChannelID, posted.MessageID, card(1, true)); err != nil {
		t.Fatal(err)
	}
	m := fake.Messages(posted.ChannelID)[0]
	if m.Edits != 1 || !strings.HasPrefix(m.Content, "**Q1** · 👍 1") {
		t.Errorf("after Edit: %d edits, content %q; want 1 edit showing 1 vote", m.Edits, m.Content)
	}
	if got := buttons(t, m.Components); len(got) != 1 || got[0].Label != "Upvote (1)" || !got[0].Disabled {
		t.Errorf("after Edit: buttons %+v, want a disabled \"Upvote (1)\"", got)
	}
	if am := m.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 || len(m.Mentions) != 0 || m.MentionEveryone {
		t.Errorf("the edit's allowed_mentions = %+v, mentions %v: want {\"parse\":[]} and nobody pinged", am, m.Mentions)
	}
	// The logical channel works as well as its id; an unknown message is an error
	// that says which.
	if err := h.tr.Edit(ctx, bot.ChannelQuestions, posted.MessageID, card(2, false)); err != nil {
		t.Errorf("Edit by logical channel: %v", err)
	}
	err = h.tr.Edit(ctx, posted.ChannelID, "1234567890123", card(2, false))
	if err == nil || !strings.Contains(err.Error(), "edit message 1234567890123") || !strings.Contains(err.Error(), "404") {
		t.Errorf("Edit of an unknown message: %v, want an error naming it with the 404", err)
	}
}

func TestButtonPress(t *testing.T) {
	fake, _, _ := newFake(t)
	h := open(t, fake, nil)
	alice := fake.AddMember("alice")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posted, err := h.tr.Post(ctx, card(0, false))
	if err != nil {
		t.Fatal(err)
	}
	press := func() *discordtest.InteractionResponse {
		t.Helper()
		in := discordtest.Button("q:vote:1", posted.MessageID)
		in.ChannelID, in.UserID = posted.ChannelID, alice
		resp, err := fake.Interact(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// A press whose reply updates the card: UPDATE_MESSAGE.
	h.reply(func(bot.Command) bot.Reply { m := card(1, false); return bot.Reply{Update: &m} })
	resp := press()
	c := h.commands()[0]
	if c.Button != "q:vote:1" || c.Name != "" || c.User.ID != alice || c.User.Name != "alice" || c.Channel != posted.ChannelID {
		t.Errorf("handler got %+v, want the press of q:vote:1 by alice in %s", c, posted.ChannelID)
	}
	if resp.Type != discordgo.InteractionResponseUpdateMessage || !strings.HasPrefix(resp.Content, "**Q1** · 👍 1") {
		t.Errorf("response type %d %q, want 7 (UPDATE_MESSAGE) with the new card", resp.Type, resp.Content)
	}
	if am := resp.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 {
		t.Errorf("update allowed_mentions = %+v in %s, want {\"parse\":[]}", am, resp.Body)
	}
	m := fake.Messages(posted.ChannelID)[0]
	if got := buttons(t, m.Components); !strings.HasPrefix(m.Content, "**Q1** · 👍 1") || len(got) != 1 || got[0].Label != "Upvote (1)" {
		t.Errorf("card after the press: %q with buttons %+v", m.Content, got)
	}
	if len(m.Mentions) != 0 || m.MentionEveryone {
		t.Errorf("the updated card pings %v (everyone %v)", m.Mentions, m.MentionEveryone)
	}

	// A press whose reply is a message: an (ephemeral) message, the card unchanged.
	h.reply(func(bot.Command) bot.Reply { return bot.Reply{Content: "Votes are closed.", Ephemeral: true} })
	resp = press()
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || !resp.Ephemeral() || resp.Content != "Votes are closed." {
		t.Errorf("response type %d %q ephemeral %v, want 4, ephemeral", resp.Type, resp.Content, resp.Ephemeral())
	}
	if m := fake.Messages(posted.ChannelID); len(m) != 1 || m[0].Edits != 1 {
		t.Errorf("the card changed on a press answered by a message: %d messages, %d edits", len(m), m[0].Edits)
	}
}

func TestReplyWithFile(t *testing.T) {
	fake, _, _ := newFake(t)
	h := open(t, fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data := []byte("id,question\n1,\"Why, @everyone?\"\n")
	h.reply(func(bot.Command) bot.Reply {
		return bot.Reply{Content: "1 question.", Ephemeral: true, Files: []bot.File{{Name: "questions.csv", ContentType: "text/csv", Data: data}}}
	})
	resp, err := fake.Interact(ctx, discordtest.Command("questions", "next"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || !resp.Ephemeral() || resp.Content != "1 question." {
		t.Errorf("response type %d %q ephemeral %v", resp.Type, resp.Content, resp.Ephemeral())
	}
	orig := fake.Followups(resp.Token)
	if len(orig) != 1 || len(orig[0].Files) != 1 {
		t.Fatalf("@original = %+v, want one message with one file", orig)
	}
	if f := orig[0].Files[0]; f.Name != "questions.csv" || f.ContentType != "text/csv" || string(f.Data) != string(data) {
		t.Errorf("file = %s %s %q, want questions.csv text/csv %q", f.Name, f.ContentType, f.Data, data)
	}
	// The fake logs a request once it has answered it, which can be after
	// Interact has returned with the callback's content: wait for the log.
	multipart := func(s *discordtest.Server) bool {
		for _, r := range s.Requests() {
			if strings.HasSuffix(r.Route, "/callback") && strings.HasPrefix(r.ContentType, "multipart/form-data") {
				return true
			}
		}
		return false
	}
	if err := fake.WaitFor(ctx, multipart); err != nil {
		t.Errorf("no multipart/form-data callback among the requests: %v", err)
	}
}

func TestAutocompleteChoices(t *testing.T) {
	fake, _, _ := newFake(t)
	h := open(t, fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.reply(func(c bot.Command) bot.Reply {
		var cs []bot.Choice
		for i := range 30 {
			cs = append(cs, bot.Choice{Name: fmt.Sprintf("%d %s %s", i, c.Options[c.Focused], strings.Repeat("long title ", 20)), Value: fmt.Sprint("s", i)})
		}
		return bot.Reply{Choices: cs}
	})
	resp, err := fake.Interact(ctx, discordtest.Interaction{
		Type: discordtest.InteractionAutocomplete, Name: "ask", Focus: "text",
		Options: []discordtest.CommandOption{discordtest.Opt("text", "Neural")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult || len(resp.Choices) != 25 {
		t.Fatalf("autocomplete answer type %d with %d choices, want 8 with 25 (Discord's most)", resp.Type, len(resp.Choices))
	}
	if c := resp.Choices[0]; !strings.HasPrefix(c.Name, "0 Neural long title") || utf8.RuneCountInString(c.Name) > 100 || c.Value != "s0" {
		t.Errorf("first choice %q = %v, want the name cut to 100 characters and value s0", c.Name, c.Value)
	}
}

// TestSlowRepliesAreDeferred: a handler past the defer point gets each kind of
// reply delivered as Discord allows after a deferral.
func TestSlowRepliesAreDeferred(t *testing.T) {
	data := []byte("id\n1\n")
	for _, tc := range []struct {
		name     string
		button   bool
		reply    bot.Reply
		wantType discordgo.InteractionResponseType
		check    func(*discordtest.Server, *discordtest.InteractionResponse, string) bool
	}{
		{"button update", true, bot.Reply{Update: &bot.Message{Content: "late card", Buttons: card(3, true).Buttons}},
			discordgo.InteractionResponseDeferredMessageUpdate,
			func(s *discordtest.Server, _ *discordtest.InteractionResponse, ch string) bool {
				m := s.Messages(ch)
				return len(m) == 1 && m[0].Content == "late card" && len(m[0].Components) == 1
			}},
		{"button message", true, bot.Reply{Content: "late note", Ephemeral: true},
			discordgo.InteractionResponseDeferredMessageUpdate,
			func(s *discordtest.Server, r *discordtest.InteractionResponse, ch string) bool {
				f := s.Followups(r.Token)
				return len(f) == 1 && f[0].Content == "late note" && f[0].Flags&discordgo.MessageFlagsEphemeral != 0 && s.Messages(ch)[0].Edits == 0
			}},
		{"command file", false, bot.Reply{Content: "late file", Ephemeral: true, Files: []bot.File{{Name: "q.csv", Data: data}}},
			discordgo.InteractionResponseDeferredChannelMessageWithSource,
			func(s *discordtest.Server, r *discordtest.InteractionResponse, _ string) bool {
				f := s.Followups(r.Token)
				return len(f) == 1 && f[0].Content == "late file" && len(f[0].Files) == 1 && string(f[0].Files[0].Data) == string(data)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, _, _ := newFake(t)
			h := open(t, fake, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			posted, err := h.tr.Post(ctx, card(0, false))
			if err != nil {
				t.Fatal(err)
			}
			h.reply(func(bot.Command) bot.Reply {
				time.Sleep(2500 * time.Millisecond) // past the defer point, ignoring its context
				return tc.reply
			})
			in := discordtest.Command("help")
			if tc.button {
				in = discordtest.Button("q:vote:1", posted.MessageID)
				in.ChannelID = posted.ChannelID
			}
			resp, err := fake.Interact(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Type != tc.wantType {
				t.Fatalf("first answer type %d, want %d", resp.Type, tc.wantType)
			}
			if err := fake.WaitFor(ctx, func(s *discordtest.Server) bool { return tc.check(s, resp, posted.ChannelID) }); err != nil {
				t.Errorf("the late reply never arrived as expected: %v\nfollowups %+v\nmessages %+v", err, fake.Followups(resp.Token), fake.Messages(posted.ChannelID))
			}
		})
	}
}

func TestModeratorCommandsVisibleToEveryone(t *testing.T) {
	fake, _, _ := newFake(t)
	open(t, fake, nil)
	for _, c := range fake.Commands() {
		if c.DefaultMemberPermissions != nil {
			t.Errorf("/%s registered with default_member_permissions %d: members without that permission would not see it; the bot checks the moderators role itself",
				c.Name, *c.DefaultMemberPermissions)
		}
	}
}

// TestPressesOnOneMessageTakeTurns: a later press on a message waits for the
// earlier one's reply, so the message ends showing what the last handler rendered.
func TestPressesOnOneMessageTakeTurns(t *testing.T) {
	fake, _, _ := newFake(t)
	h := open(t, fake, nil)
	first, second := fake.AddMember("first"), fake.AddMember("second")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posted, err := h.tr.Post(ctx, card(0, false))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 2)
	var running, overlaps atomic.Int32
	h.reply(func(c bot.Command) bot.Reply {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		started <- struct{}{}
		m := card(0, false)
		m.Content = "rendered for " + c.User.Name
		if c.User.Name == "first" {
			time.Sleep(300 * time.Millisecond) // a slow store: the second press arrives meanwhile
		}
		return bot.Reply{Update: &m}
	})
	press := func(user string) error {
		in := discordtest.Button("q:vote:1", posted.MessageID)
		in.ChannelID, in.UserID = posted.ChannelID, user
		_, err := fake.Interact(ctx, in)
		return err
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- press(first) }()
	<-started // the first press's handler is running
	if err := press(second); err != nil {
		t.Fatal(err)
	}
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("handlers of presses on one message overlapped %d times", n)
	}
	if got := fake.Messages(posted.ChannelID)[0].Content; got != "rendered for second" {
		t.Errorf("message shows %q, want what the last press rendered", got)
	}
}
