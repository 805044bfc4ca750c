package discordtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// The rules below are Discord's, on by default: each test fails on a fake
// that is lenient where Discord is strict.

func TestPrivilegedIntentsRefusedByDefault(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		intents discordgo.Intent
		wantErr bool
	}{
		{"members, fresh application", nil, discordgo.IntentGuilds | discordgo.IntentGuildMembers, true},
		{"message content, fresh application", nil, discordgo.IntentGuilds | discordgo.IntentMessageContent, true},
		{"unprivileged", nil, discordgo.IntentsAllWithoutPrivileged, false},
		{"members, enabled", []Option{WithPrivilegedIntents(discordgo.IntentGuildMembers)}, discordgo.IntentGuilds | discordgo.IntentGuildMembers, false},
		{"message content, only members enabled", []Option{WithPrivilegedIntents(discordgo.IntentGuildMembers)}, discordgo.IntentMessageContent, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t, tc.opts...)
			dg := client(t, s)
			dg.Identify.Intents = tc.intents
			err := dg.Open()
			if err == nil {
				defer dg.Close()
			}
			if got := err != nil && strings.Contains(err.Error(), "4014"); got != tc.wantErr {
				t.Errorf("Open = %v, want close 4014: %v", err, tc.wantErr)
			}
		})
	}
}

func TestPinNeedsPinMessages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		perms  int64
		status int
	}{
		{"MANAGE_MESSAGES alone", discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionManageMessages, http.StatusForbidden},
		{"PIN_MESSAGES", discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | PermissionPinMessages, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t)
			ch := s.AddChannel("general", 0, "")
			dg := client(t, s)
			m, err := send(dg, ch, "card")
			if err != nil {
				t.Fatal(err)
			}
			s.SetBotPermissions(tc.perms)
			for _, method := range []string{"PUT", "DELETE"} {
				if status, body := raw(t, s, method, "/channels/"+ch+"/messages/pins/"+m.ID, ""); status != tc.status {
					t.Errorf("%s pin = %d %s, want %d", method, status, body, tc.status)
				}
			}
		})
	}
}

func TestOverwriteGrantsCheckedInTheChannel(t *testing.T) {
	s := New(t)
	// The category denies the bot ATTACH_FILES, which its guild role has.
	cat := s.AddChannel("posters", 4, "")
	s.mu.Lock()
	s.channelLocked(cat).PermissionOverwrites = []*discordgo.PermissionOverwrite{
		{ID: s.BotRoleID(), Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionAttachFiles},
	}
	s.mu.Unlock()
	alice := s.AddMember("alice")
	grant := func(perm int64) string {
		return fmt.Sprintf(`{"name":"p1","type":0,"parent_id":%q,"permission_overwrites":[{"id":%q,"type":1,"allow":"%d","deny":"0"}]}`, cat, alice, perm)
	}
	if status, body := raw(t, s, "POST", "/guilds/"+s.GuildID()+"/channels", grant(discordgo.PermissionAttachFiles)); status != http.StatusForbidden {
		t.Errorf("granting ATTACH_FILES under a category that denies it to the bot = %d %s, want 403", status, body)
	}
	status, body := raw(t, s, "POST", "/guilds/"+s.GuildID()+"/channels", grant(discordgo.PermissionViewChannel))
	if status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("granting VIEW_CHANNEL = %d %s", status, body)
	}
	// p1 has its own overwrites (it is not synced with the category), so
	// in p1 the bot holds ATTACH_FILES; deny it there and try again.
	p1, _ := s.ChannelByName("p1")
	ow := fmt.Sprintf(`{"type":1,"allow":"%d","deny":"0"}`, discordgo.PermissionAttachFiles)
	if status, body := raw(t, s, "PUT", "/channels/"+p1.ID+"/permissions/"+alice, ow); status != http.StatusNoContent {
		t.Errorf("PUT overwrite granting what the bot holds in the channel = %d %s, want 204", status, body)
	}
	s.mu.Lock()
	c := s.channelLocked(p1.ID)
	c.PermissionOverwrites = append(c.PermissionOverwrites, &discordgo.PermissionOverwrite{ID: s.BotRoleID(), Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionAttachFiles})
	s.mu.Unlock()
	if status, body := raw(t, s, "PUT", "/channels/"+p1.ID+"/permissions/"+alice, ow); status != http.StatusForbidden {
		t.Errorf("PUT overwrite granting what the bot lacks in the channel = %d %s, want 403", status, body)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	s := New(t)
	var chans []string
	for i := range 20 {
		chans = append(chans, s.AddChannel(fmt.Sprint("c", i), 0, ""))
	}
	// 60 requests at once, over 20 channels (3 each: within every route
	// bucket): the 51st in one second is refused with the global flag.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var globals int
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.URL()+"/api/v10/channels/"+chans[i%20], nil)
			req.Header.Set("Authorization", "Bot "+Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				if resp.Header.Get("X-RateLimit-Global") != "true" || resp.Header.Get("X-RateLimit-Scope") != "global" {
					t.Errorf("429 headers %v, want X-RateLimit-Global", resp.Header)
				}
				mu.Lock()
				globals++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if g, _ := s.RateLimited(); globals < 10 || g != globals {
		t.Errorf("%d global 429s seen, %d counted; want at least 10 (60 requests, 50 per second)", globals, g)
	}
	// The 429s are not counted: the peak is the 50 that went through.
	if p := s.PeakRate(); p != 60-globals {
		t.Errorf("PeakRate = %d, want %d (the requests answered within the second)", p, 60-globals)
	}
}

func TestInteractionEndpointsSkipTheGlobalLimit(t *testing.T) {
	s := New(t)
	s.AddChannel("general", 0, "")
	dg := connect(t, s)
	registerPing(t, s, dg)
	resp, err := s.Interact(context.Background(), Command("ping"))
	if err != nil {
		t.Fatal(err)
	}
	// Use up the global limit, then edit the original response through the
	// interaction token: Discord does not count it against the global limit.
	ch := s.AddChannel("other", 0, "")
	for range 60 {
		raw(t, s, "GET", "/channels/"+ch, "")
	}
	status, body := raw(t, s, "PATCH", "/webhooks/"+s.AppID()+"/"+resp.Token+"/messages/@original", `{"content":"edited","allowed_mentions":{"parse":[]}}`)
	if status != http.StatusOK {
		t.Errorf("edit of the original response after the global limit = %d %s, want 200", status, body)
	}
}

func TestNameAndTopicBudget(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("poster-1", 0, "")
	for i, want := range []int{200, 200, 429} {
		if status, _ := raw(t, s, "PATCH", "/channels/"+ch, fmt.Sprintf(`{"topic":"t%d"}`, i)); status != want {
			t.Errorf("topic edit %d = %d, want %d", i+1, status, want)
		}
	}
	// Other edits of the same channel have their own bucket.
	if status, body := raw(t, s, "PATCH", "/channels/"+ch, `{"nsfw":false}`); status != http.StatusOK {
		t.Errorf("an edit of neither name nor topic after the budget = %d %s, want 200", status, body)
	}
	// So do other channels.
	other := s.AddChannel("poster-2", 0, "")
	if status, _ := raw(t, s, "PATCH", "/channels/"+other, `{"name":"poster-2b"}`); status != http.StatusOK {
		t.Errorf("rename of another channel = %d, want 200", status)
	}
}

func TestRateLimitsOnByDefault(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		want429 bool
	}{
		{"default", nil, true},
		{"off by name", []Option{WithoutRateLimits()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t, tc.opts...)
			ch := s.AddChannel("general", 0, "")
			got := false
			for range 6 {
				status, _ := raw(t, s, "POST", "/channels/"+ch+"/messages", `{"content":"hi","allowed_mentions":{"parse":[]}}`)
				got = got || status == http.StatusTooManyRequests
			}
			if got != tc.want429 {
				t.Errorf("6 messages in one channel at once: 429 = %v, want %v", got, tc.want429)
			}
		})
	}
}
