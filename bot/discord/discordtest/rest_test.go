package discordtest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// restError unwraps discordgo's error for a status and Discord code.
func restError(t *testing.T, err error) (int, int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a RESTError", err, err)
	}
	code := 0
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}

func statuses(s *Server, route string) []int {
	var out []int
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r.Status)
		}
	}
	return out
}

const postMessage = "POST /channels/{channel_id}/messages"

func TestNonceDeduplicates(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	var ids []string
	for range 2 {
		var m discordgo.Message
		body := map[string]any{"content": "hello", "nonce": "n-1", "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []string{}}}
		resp, err := dg.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(ch), body, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := discordgo.Unmarshal(resp, &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("ids = %v, want the same message twice", ids)
	}
	if got := s.Messages(ch); len(got) != 1 || got[0].Nonce != "n-1" {
		t.Errorf("Messages = %+v, want one with nonce n-1", got)
	}
}

func TestRateLimitFaultIsHonoured(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	s.Fail(Fault{Route: postMessage, Status: 429, RetryAfter: 300 * time.Millisecond})
	start := time.Now()
	if _, err := send(dg, ch, "once"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("discordgo retried after %v, before retry_after", d)
	}
	if got := statuses(s, postMessage); len(got) != 2 || got[0] != 429 || got[1] != 200 {
		t.Errorf("statuses = %v, want [429 200]", got)
	}
	if n := len(s.Messages(ch)); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestBadGatewayThenSuccess(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	s.Fail(Fault{Route: "POST /channels/{id}/messages", Status: http.StatusBadGateway, Count: 2})
	if n := s.FaultsLeft(); n != 2 {
		t.Errorf("FaultsLeft before = %d, want 2", n)
	}
	if _, err := send(dg, ch, "after two 502s"); err != nil {
		t.Fatal(err)
	}
	if n := s.FaultsLeft(); n != 0 {
		t.Errorf("FaultsLeft after = %d, want 0", n)
	}
	if got := statuses(s, postMessage); len(got) != 3 || got[2] != 200 {
		t.Errorf("statuses = %v, want [502 502 200]", got)
	}
	if n := len(s.Messages(ch)); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestAfterCommitFaultThenNonceRetry(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	s.Fail(Fault{Route: postMessage, Status: 500, AfterCommit: true})
	body := map[string]any{"content": "exactly once", "nonce": "n-2", "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []string{}}}
	_, err := dg.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(ch), body, "")
	if st, _ := restError(t, err); st != 500 {
		t.Fatalf("status %d, want 500", st)
	}
	if n := len(s.Messages(ch)); n != 1 {
		t.Fatalf("%d messages after the faulted request, want 1 (committed)", n)
	}
	if _, err := dg.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(ch), body, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages(ch)); n != 1 {
		t.Errorf("%d messages after the retry, want 1 (nonce)", n)
	}
}

func TestDelayFault(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	dg.Client.Timeout = 200 * time.Millisecond
	s.Fail(Fault{Route: postMessage, AfterCommit: true}) // hang after commit
	if _, err := send(dg, ch, "slow"); err == nil {
		t.Fatal("no timeout")
	}
	if n := len(s.Messages(ch)); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestMissingPermissions(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	s.SetBotPermissions(DefaultBotPermissions &^ discordgo.PermissionSendMessages)
	dg := client(t, s)
	_, err := send(dg, ch, "hi")
	if st, code := restError(t, err); st != 403 || code != 50013 {
		t.Errorf("got %d/%d, want 403/50013", st, code)
	}
	s.SetBotPermissions(DefaultBotPermissions &^ discordgo.PermissionViewChannel)
	_, err = send(dg, ch, "hi")
	if st, code := restError(t, err); st != 403 || code != 50001 {
		t.Errorf("without VIEW_CHANNEL got %d/%d, want 403/50001 Missing Access", st, code)
	}
}

func TestUnknownChannelAndBadToken(t *testing.T) {
	s := New(t)
	dg := client(t, s)
	_, err := send(dg, "123", "hi")
	if st, code := restError(t, err); st != 404 || code != 10003 {
		t.Errorf("got %d/%d, want 404/10003", st, code)
	}
	dg.Token = "Bot nope"
	_, err = dg.User("@me")
	if st, _ := restError(t, err); st != 401 {
		t.Errorf("bad token: %d, want 401", st)
	}
}

func TestMultipartMessageWithFile(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	_, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{
		Content: "schedule", AllowedMentions: noMentions(),
		Files: []*discordgo.File{{Name: "schedule.ics", ContentType: "text/calendar", Reader: strings.NewReader("BEGIN:VCALENDAR")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Messages(ch)
	if len(got) != 1 || len(got[0].Files) != 1 || string(got[0].Files[0].Data) != "BEGIN:VCALENDAR" || len(got[0].Attachments) != 1 {
		t.Fatalf("Messages = %+v", got)
	}
	if !strings.Contains(string(got[0].Body), `"allowed_mentions"`) {
		t.Errorf("Body = %s, want the payload_json", got[0].Body)
	}
}

func TestEditPinListDelete(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	var ids []string
	for _, c := range []string{"one", "two", "three"} {
		m, err := send(dg, ch, c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	content := "two (edited)"
	if _, err := dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: ids[1], Channel: ch, Content: &content, AllowedMentions: noMentions()}); err != nil {
		t.Fatal(err)
	}
	if err := dg.ChannelMessagePin(ch, ids[1]); err != nil {
		t.Fatal(err)
	}
	pins, err := dg.ChannelMessagesPinned(ch)
	if err != nil || len(pins) != 1 || pins[0].Content != content {
		t.Fatalf("pins = %v, %v", pins, err)
	}
	msgs, err := dg.ChannelMessages(ch, 2, "", "", "")
	if err != nil || len(msgs) != 2 || msgs[0].ID != ids[2] || msgs[1].ID != ids[1] {
		t.Fatalf("ChannelMessages = %v, %v; want newest first", msgs, err)
	}
	if err := dg.ChannelMessageDelete(ch, ids[0]); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(ch); len(got) != 2 || got[0].ID != ids[1] || got[0].Edits != 1 || !got[0].Pinned {
		t.Fatalf("Messages after delete = %+v", got)
	}
}

func TestDMsClosed(t *testing.T) {
	s := New(t)
	alice := s.AddMember("alice")
	bob := s.AddMember("bob")
	s.CloseDMs(bob)
	dg := client(t, s)
	for _, u := range []string{alice, bob} {
		c, err := dg.UserChannelCreate(u)
		if err != nil {
			t.Fatal(err)
		}
		_, err = send(dg, c.ID, "reminder")
		if u == alice && err != nil {
			t.Fatal(err)
		}
		if u == bob {
			if st, code := restError(t, err); st != 403 || code != 50007 {
				t.Errorf("DM to closed user: %d/%d, want 403/50007", st, code)
			}
		}
	}
	if got := s.DMs(alice); len(got) != 1 {
		t.Errorf("DMs(alice) = %v", got)
	}
}
