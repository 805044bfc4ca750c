package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// quiet starts a server whose violations the test inspects itself.
func quiet(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// raw sends a request with a literal JSON body, bypassing discordgo's
// structs, and returns the status.
func raw(t *testing.T, s *Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/api/v10"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot "+Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func rules(s *Server) []string {
	var out []string
	for _, v := range s.Violations() {
		out = append(out, v.Rule)
	}
	return out
}

func TestViolations(t *testing.T) {
	am := `"allowed_mentions":{"parse":[]}`
	long := strings.Repeat("x", 2001)
	cases := []struct {
		name, method, path, body string
		rule                     string
	}{
		{"content 2001", "POST", "/channels/{ch}/messages", `{"content":"` + long + `",` + am + `}`, "limit/content"},
		{"content wrong type", "POST", "/channels/{ch}/messages", `{"content":5,` + am + `}`, RuleSpecBody},
		{"allowed_mentions missing", "POST", "/channels/{ch}/messages", `{"content":"hi"}`, RuleAllowedMentions},
		{"allowed_mentions null", "POST", "/channels/{ch}/messages", `{"content":"hi","allowed_mentions":null}`, RuleAllowedMentions},
		{"empty message", "POST", "/channels/{ch}/messages", `{` + am + `}`, RuleSemantics},
		{"11 embeds", "POST", "/channels/{ch}/messages", `{"embeds":[` + strings.TrimSuffix(strings.Repeat(`{"title":"t"},`, 11), ",") + `]}`, RuleSpecBody},
		{"embed title 257", "POST", "/channels/{ch}/messages", `{"embeds":[{"title":"` + strings.Repeat("t", 257) + `"}]}`, RuleSpecBody},
		{"embed total 6001", "POST", "/channels/{ch}/messages", `{"embeds":[{"description":"` + strings.Repeat("d", 4000) + `"},{"description":"` + strings.Repeat("d", 2001) + `"}]}`, "limit/embed"},
		{"empty field", "POST", "/channels/{ch}/messages", `{"embeds":[{"fields":[{"name":"","value":"v"}]}]}`, "limit/embed"},
		{"edit without allowed_mentions", "PATCH", "/channels/{ch}/messages/{msg}", `{"content":"edited"}`, RuleAllowedMentions},
		{"channel name with spaces", "POST", "/guilds/{g}/channels", `{"name":"Poster Session","type":0}`, "limit/channel-name"},
		{"category name may have spaces", "POST", "/guilds/{g}/channels", `{"name":"Poster Session","type":4}`, ""},
		{"channel name 101", "POST", "/guilds/{g}/channels", `{"name":"` + strings.Repeat("a", 101) + `","type":0}`, RuleSpecBody},
		{"topic 1025", "POST", "/guilds/{g}/channels", `{"name":"a","type":0,"topic":"` + strings.Repeat("t", 1025) + `"}`, "limit/topic"},
		{"overwrite allow not a number", "PUT", "/channels/{ch}/permissions/{g}", `{"type":0,"allow":"lots","deny":"0"}`, RuleSpecBody},
		{"command upper case", "PUT", "/applications/{app}/guilds/{g}/commands", `[{"name":"Schedule","description":"d"}]`, "limit/command"},
		{"command no description", "PUT", "/applications/{app}/guilds/{g}/commands", `[{"name":"schedule","description":""}]`, "limit/command"},
		{"command required after optional", "PUT", "/applications/{app}/guilds/{g}/commands", `[{"name":"a","description":"d","options":[{"type":3,"name":"x","description":"x"},{"type":3,"name":"y","description":"y","required":true}]}]`, "limit/command"},
		{"event in the past", "POST", "/guilds/{g}/scheduled-events", `{"name":"n","privacy_level":2,"entity_type":3,"scheduled_start_time":"2020-01-01T10:00:00Z","scheduled_end_time":"2020-01-01T11:00:00Z","entity_metadata":{"location":"hall"}}`, RuleSemantics},
		{"event location 101", "POST", "/guilds/{g}/scheduled-events", `{"name":"n","privacy_level":2,"entity_type":3,"scheduled_start_time":"{future}","scheduled_end_time":"{future2}","entity_metadata":{"location":"` + strings.Repeat("l", 101) + `"}}`, RuleSpecBody},
		{"external event without location", "POST", "/guilds/{g}/scheduled-events", `{"name":"n","privacy_level":2,"entity_type":3,"scheduled_start_time":"{future}","scheduled_end_time":"{future2}"}`, RuleSpecBody},
		{"query limit 500", "GET", "/channels/{ch}/messages?limit=500", "", RuleSpecParam},
		{"unknown query parameter", "GET", "/channels/{ch}/messages?limt=5", "", RuleSpecParam},
		{"id not a snowflake", "GET", "/channels/general", "", RuleSpecParam},
		{"route not in spec", "GET", "/channels/{ch}/nonsense", "", RuleSpecRoute},
		{"method not in spec", "PUT", "/channels/{ch}/messages", "", RuleSpecRoute},
		{"route not in fake", "POST", "/channels/{ch}/typing", "", RuleFakeRoute},
		{"invalid json", "POST", "/channels/{ch}/messages", `{"content":`, RuleSpecBody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := quiet(t)
			ch := s.AddChannel("general", 0, "")
			status, body := raw(t, s, "POST", "/channels/"+ch+"/messages", `{"content":"seed",`+am+`}`)
			if status != 200 {
				t.Fatalf("seed message: %d %s", status, body)
			}
			var seed discordgo.Message
			_ = json.Unmarshal(body, &seed)
			r := strings.NewReplacer("{ch}", ch, "{g}", s.GuildID(), "{app}", s.AppID(), "{msg}", seed.ID,
				"{future}", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "{future2}", time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))
			status, body = raw(t, s, c.method, r.Replace(c.path), r.Replace(c.body))
			got := rules(s)
			if c.rule == "" {
				if len(got) > 0 || status >= 400 {
					t.Fatalf("got %d %s, violations %v; want none", status, body, s.Violations())
				}
				return
			}
			if len(got) == 0 || got[0] != c.rule {
				t.Fatalf("violations %v, want rule %q (status %d %s)", s.Violations(), c.rule, status, body)
			}
			if status < 400 {
				t.Errorf("status %d, want an error", status)
			}
			if status == 400 {
				var e apiError
				if err := json.Unmarshal(body, &e); err != nil || (e.Code != 50035 && e.Code != 50109) {
					t.Errorf("400 body %s, want code 50035", body)
				}
			}
		})
	}
}

// fakeTB records what New reports at cleanup instead of failing the test.
type fakeTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.TB.FailNow()
}

func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestNewReportsViolationsAtCleanup(t *testing.T) {
	tb := &fakeTB{TB: t}
	s := New(tb)
	ch := s.AddChannel("general", 0, "")
	dg := client(t, s)
	_, err := dg.ChannelMessageSend(ch, strings.Repeat("x", 2001)) // no allowed_mentions either
	if st, code := restError(t, err); st != 400 || code != 50035 {
		t.Errorf("got %d/%d, want 400/50035", st, code)
	}
	tb.runCleanups()
	if len(tb.errors) != 2 {
		t.Fatalf("reported %q, want two violations", tb.errors)
	}
	for i, want := range []string{"limit/content: POST /channels/" + ch + "/messages", RuleAllowedMentions} {
		if !strings.Contains(tb.errors[i], want) {
			t.Errorf("report %d = %q, want it to name %q", i, tb.errors[i], want)
		}
	}
}

func TestChannelCountLimits(t *testing.T) {
	s := quiet(t)
	cat := s.AddChannel("Posters", 4, "")
	for i := range maxPerCategory {
		s.AddChannel(fmt.Sprintf("poster-%d", i), 0, cat)
	}
	status, body := raw(t, s, "POST", "/guilds/"+s.GuildID()+"/channels", `{"name":"one-too-many","type":0,"parent_id":"`+cat+`"}`)
	if status != 400 || len(rules(s)) != 1 || rules(s)[0] != "limit/category" {
		t.Errorf("51st channel in a category: %d %s, violations %v", status, body, s.Violations())
	}
	for i := len(s.Channels()); i < maxChannels; i++ {
		s.AddChannel(fmt.Sprintf("c-%d", i), 0, "")
	}
	status, body = raw(t, s, "POST", "/guilds/"+s.GuildID()+"/channels", `{"name":"c-500","type":0}`)
	var e apiError
	_ = json.Unmarshal(body, &e)
	if status != 400 || e.Code != 30013 || rules(s)[1] != "limit/channels" {
		t.Errorf("501st channel: %d %s, violations %v", status, body, s.Violations())
	}
}
