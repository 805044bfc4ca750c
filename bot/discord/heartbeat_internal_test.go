package discord

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// TestHeartbeatRoundTrip: what the bot writes, it reads back, with Discord's
// time of the last edit; what a member, a webhook or a stranger writes is no
// heartbeat.
func TestHeartbeatRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	edited := at.Add(40 * time.Second)
	c := HeartbeatConfig{Instance: "a1b2c3d4", Host: "box`\n(pid 7)", Every: 5 * time.Second}
	botUser := &discordgo.User{ID: "1", Bot: true}
	for _, tc := range []struct {
		name string
		m    discordgo.Message
		want *Beat
	}{
		{"running, edited", discordgo.Message{ID: "m1", Author: botUser, Content: heartbeatText(c, true, at), Timestamp: at, EditedTimestamp: &edited},
			&Beat{MessageID: "m1", Instance: "a1b2c3d4", Host: "box  (pid 7)", Running: true, Every: 5 * time.Second, At: edited}},
		{"stopped, never edited", discordgo.Message{ID: "m2", Author: botUser, Content: heartbeatText(c, false, at), Timestamp: at},
			&Beat{MessageID: "m2", Instance: "a1b2c3d4", Host: "box  (pid 7)", Running: false, Every: 5 * time.Second, At: at}},
		{"typed by a member", discordgo.Message{ID: "m3", Author: &discordgo.User{ID: "2"}, Content: heartbeatText(c, true, at), Timestamp: at}, nil},
		{"sent by a webhook", discordgo.Message{ID: "m4", Author: botUser, WebhookID: "9", Content: heartbeatText(c, true, at), Timestamp: at}, nil},
		{"quoted, not at the start", discordgo.Message{ID: "m5", Author: botUser, Content: "> " + heartbeatText(c, true, at), Timestamp: at}, nil},
		{"content hidden (another application)", discordgo.Message{ID: "m6", Author: botUser, Timestamp: at}, nil},
	} {
		got, ok := parseBeat(&tc.m)
		if tc.want == nil {
			if ok {
				t.Errorf("%s: parsed as %+v, want no heartbeat", tc.name, got)
			}
			continue
		}
		if !ok || got != *tc.want {
			t.Errorf("%s: got %+v %v, want %+v", tc.name, got, ok, *tc.want)
		}
	}
	if s := heartbeatText(HeartbeatConfig{Instance: "x", Host: strings.Repeat("h", 300)}, true, at); len(s) > bot.MaxContent {
		t.Errorf("heartbeat of %d characters", len(s))
	}
}

// TestLiveOthers: another instance's running heartbeat counts for 2.5 of its
// own intervals; this instance's own, a stopped one, or an older one never.
func TestLiveOthers(t *testing.T) {
	now := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	beat := func(inst string, running bool, every, ago time.Duration) Beat {
		return Beat{Instance: inst, Running: running, Every: every, At: now.Add(-ago)}
	}
	for _, tc := range []struct {
		name string
		b    Beat
		live bool
	}{
		{"fresh", beat("other", true, 30*time.Second, 10*time.Second), true},
		{"two missed edits", beat("other", true, 30*time.Second, 74*time.Second), true},
		{"stale", beat("other", true, 30*time.Second, 75*time.Second), false},
		{"a slow interval is judged by its own", beat("other", true, 10*time.Minute, 20*time.Minute), true},
		{"from a clock ahead", beat("other", true, 30*time.Second, -time.Minute), true},
		{"stopped", beat("other", false, 30*time.Second, time.Second), false},
		{"own (a restart, or the pair's other bot)", beat("self", true, 30*time.Second, time.Second), false},
	} {
		got, ages := liveOthers([]Beat{tc.b}, "self", now)
		if (len(got) == 1) != tc.live {
			t.Errorf("%s: live %v, want %v", tc.name, len(got) == 1, tc.live)
		}
		if len(ages) == 1 && ages[0] < 0 {
			t.Errorf("%s: age %v", tc.name, ages[0])
		}
	}
}
