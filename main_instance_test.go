package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/sqlite"
)

// modChannel is the moderators channel of writeProgram's program.
const modChannel = "workshop-moderators"

// beatsOf returns the heartbeat messages a bot posted for instance ("": for
// any) in the moderators channel.
func beatsOf(fake *discordtest.Server, instance string) []discordtest.Message {
	ch, ok := fake.ChannelByName(modChannel)
	if !ok {
		return nil
	}
	var out []discordtest.Message
	for _, m := range fake.Messages(ch.ID) {
		if g := beatRE.FindStringSubmatch(m.Content); g != nil && m.Author != nil && m.Author.Bot && (instance == "" || g[1] == instance) {
			out = append(out, m)
		}
	}
	return out
}

// modMessages returns the moderators channel's messages that contain s.
func modMessages(fake *discordtest.Server, s string) []discordtest.Message {
	ch, _ := fake.ChannelByName(modChannel)
	var out []discordtest.Message
	for _, m := range fake.Messages(ch.ID) {
		if strings.Contains(m.Content, s) {
			out = append(out, m)
		}
	}
	return out
}

// instanceOf is the instance id of the database at path.
func instanceOf(t *testing.T, path string) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.InstanceID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// runOnce runs the bot on the program in dir until it exits or d passes, and
// returns its exit code (-1 if it was still running) and its log.
func runOnce(t *testing.T, fake *discordtest.Server, dir string, d time.Duration, extra ...string) (int, string) {
	t.Helper()
	schedule, posters := writeProgram(t, dir, 5)
	env := fakeEnv(fake)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	logs := &lockedBuffer{}
	args := append([]string{"--db", dir + "/bot.db", "--schedule", schedule, "--posters", posters}, extra...)
	code := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, logs)
	if ctx.Err() != nil {
		code = -1
	}
	return code, logs.String()
}

// TestSecondInstanceRefused runs two bots with separate databases on one
// guild. The second sees the first's heartbeat in the moderators channel,
// says so in its log and there (once, though it is started again), sends
// nothing that acts on the guild, and exits 3; with --force it runs and says
// so loudly. The first, restarted, edits its heartbeat again rather than
// posting a second one.
func TestSecondInstanceRefused(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startLiveBot(t, fake, dirA, 5, "--heartbeat", "1s")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	idA := ""
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		b := beatsOf(fake, "")
		if len(b) == 1 {
			idA = beatRE.FindStringSubmatch(b[0].Content)[1]
		}
		return len(b) == 1 && b[0].Pinned && b[0].Edits > 0
	}); err != nil {
		t.Fatalf("no pinned, edited heartbeat of the first bot: %v", err)
	}
	firstBeat := beatsOf(fake, idA)[0].ID

	// The second bot is refused, and acts on nothing while it looks.
	before := len(fake.Requests())
	code, logs := runOnce(t, fake, dirB, 20*time.Second)
	idB := instanceOf(t, dirB+"/bot.db")
	if code != exitOtherInstance {
		t.Fatalf("second bot exited %d, want %d; log:\n%s", code, exitOtherInstance, tail(logs, 20))
	}
	for _, want := range []string{"refusing to act", "another workshopbot is live on this guild", idA, idB, "--force", "WORKSHOPBOT_FORCE=1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("second bot's log lacks %q:\n%s", want, tail(logs, 10))
		}
	}
	modCh, _ := fake.ChannelByName(modChannel)
	for _, r := range fake.Requests()[before:] {
		switch {
		case r.Method == "GET":
		case r.Route == "POST /channels/{channel_id}/messages" && strings.Contains(r.Path, modCh.ID) && strings.Contains(string(r.Body), "refused to act"):
		case r.Route == "PATCH /channels/{channel_id}/messages/{message_id}" && strings.HasSuffix(r.Path, "/"+firstBeat): // the first bot's heartbeat
		default:
			t.Errorf("while the second bot was refused: %s %s %.80s", r.Method, r.Path, r.Body)
		}
	}
	warn := modMessages(fake, "refused to act")
	if len(warn) != 1 || !strings.Contains(warn[0].Content, idA) || !strings.Contains(warn[0].Content, idB) || !strings.Contains(warn[0].Content, "--force") {
		t.Fatalf("warnings in #%s: %+v, want one naming both instances and --force", modChannel, warn)
	}
	if len(beatsOf(fake, idB)) != 0 {
		t.Errorf("the refused bot posted a heartbeat")
	}
	// Started again (systemd's Restart=always): refused again, no second warning.
	if code, logs := runOnce(t, fake, dirB, 20*time.Second); code != exitOtherInstance {
		t.Fatalf("second bot, again: exit %d, want %d; log:\n%s", code, exitOtherInstance, tail(logs, 20))
	}
	if n := len(modMessages(fake, "refused to act")); n != 1 {
		t.Errorf("%d warnings after the second refusal, want still 1", n)
	}

	// With --force it runs, and says so in its log and to the moderators.
	b := startLiveBot(t, fake, dirB, 5, "--force", "--heartbeat", "1s")
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		return len(modMessages(fake, "started with --force")) == 1 && len(beatsOf(fake, idB)) == 1 && strings.Contains(b.logs.String(), "workshopbot ready")
	}); err != nil {
		t.Fatalf("forced bot: %d warnings, %d heartbeats: %v", len(modMessages(fake, "started with --force")), len(beatsOf(fake, idB)), err)
	}
	if !strings.Contains(b.logs.String(), "acting anyway, as told by --force") {
		t.Errorf("forced bot's log does not say it acts anyway:\n%s", tail(b.logs.String(), 20))
	}
	if code := b.stop(t); code != 0 {
		t.Errorf("forced bot exited %d", code)
	}
	if g := beatRE.FindStringSubmatch(beatsOf(fake, idB)[0].Content); g == nil || g[3] != "stopped" {
		t.Errorf("forced bot's heartbeat after a clean stop: %q, want stopped", beatsOf(fake, idB)[0].Content)
	}

	// The first bot, restarted, edits its heartbeat again: still one.
	if code := a.stop(t); code != 0 {
		t.Errorf("first bot exited %d", code)
	}
	edits := beatsOf(fake, idA)[0].Edits
	a2 := startLiveBot(t, fake, dirA, 5, "--heartbeat", "1s")
	defer a2.stop(t)
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		b := beatsOf(fake, idA)
		return len(b) == 1 && b[0].Edits > edits && strings.Contains(b[0].Content, "· running ·")
	}); err != nil {
		t.Fatalf("restarted bot: heartbeats %+v, want the one from before (%s) edited again: %v", beatsOf(fake, idA), firstBeat, err)
	}
	if got := beatsOf(fake, idA)[0].ID; got != firstBeat {
		t.Errorf("restarted bot's heartbeat is %s, want %s", got, firstBeat)
	}
}

// postAsBot posts content to channel as the bot's user, the way another
// process with the same token would.
func postAsBot(t *testing.T, fake *discordtest.Server, channel, content string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"content": content, "allowed_mentions": map[string]any{"parse": []string{}}})
	req, _ := http.NewRequest("POST", fake.URL()+"/api/v10/channels/"+channel+"/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bot "+discordtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("post as the bot: %s", resp.Status)
	}
}

// TestStaleHeartbeatDoesNotBlock: another instance's heartbeat older than
// its window (a bot killed 3 s ago, beating every second) does not keep the
// bot from starting, nor does one a member typed; a fresh one (beating every
// minute) does.
func TestStaleHeartbeatDoesNotBlock(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mods := fake.AddRole("Moderators", 0)
	mod := fake.AddMember("mod", mods)
	ch := fake.AddChannel(modChannel, 0, "")
	beat := func(instance, every string) string {
		return fmt.Sprintf("**workshopbot heartbeat** · instance `%s` · host `elsewhere (pid 1)` · every %s · running · <t:%d:R>", instance, every, time.Now().Unix())
	}
	postAsBot(t, fake, ch, beat("deadbeef", "1s"))
	fake.Say(mod, ch, beat("0badf00d", "1m")) // a member's copy is no heartbeat
	time.Sleep(2600 * time.Millisecond)       // past 2.5 intervals of 1 s

	dir := t.TempDir()
	lb := startLiveBot(t, fake, dir, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		return len(beatsOf(fake, "")) == 2 && strings.Contains(lb.logs.String(), "workshopbot ready")
	}); err != nil {
		t.Fatalf("the bot posted no heartbeat of its own: %v\n%s", err, tail(lb.logs.String(), 20))
	}
	if logs := lb.logs.String(); strings.Contains(logs, "another workshopbot is live") {
		t.Errorf("a stale heartbeat or a member's message was taken for a live bot:\n%s", tail(logs, 20))
	}
	if code := lb.stop(t); code != 0 {
		t.Fatalf("bot exited %d", code)
	}

	// The same, fresh and from a bot: refused.
	postAsBot(t, fake, ch, beat("cafebabe", "1m"))
	code, logs := runOnce(t, fake, dir, 20*time.Second)
	if code != exitOtherInstance || !strings.Contains(logs, "cafebabe") || strings.Contains(logs, "deadbeef") || strings.Contains(logs, "0badf00d") {
		t.Errorf("with a fresh heartbeat of cafebabe: exit %d, want %d naming cafebabe alone; log:\n%s", code, exitOtherInstance, tail(logs, 10))
	}
}

// TestHeartbeatFlags: --heartbeat below 1s is refused with the flag's name;
// --force and $WORKSHOPBOT_FORCE=1 both force; a refusal, however wrapped,
// exits 3 and any other error 1.
func TestHeartbeatFlags(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == forceEnv {
				return v
			}
			return ""
		}
	}
	if _, err := heartbeatConfig(&options{beat: 500 * time.Millisecond}, env(""), "x"); err == nil || !strings.Contains(err.Error(), "--heartbeat 500ms") {
		t.Errorf("--heartbeat 500ms: %v, want an error naming the flag", err)
	}
	for _, tc := range []struct {
		force bool
		env   string
		want  bool
	}{{false, "", false}, {true, "", true}, {false, "1", true}, {false, "yes", false}} {
		c, err := heartbeatConfig(&options{beat: time.Second, force: tc.force}, env(tc.env), "x")
		if err != nil || c.Force != tc.want || c.Instance != "x" || !strings.Contains(c.Host, "(pid ") {
			t.Errorf("--force=%v %s=%q: %+v %v, want Force %v", tc.force, forceEnv, tc.env, c, err, tc.want)
		}
	}
	refused := fmt.Errorf("run: %w", &discord.OtherInstanceError{Own: "a", Others: []discord.Beat{{Instance: "b", Every: time.Second}}, Age: []time.Duration{0}})
	if got := exitCode(refused); got != exitOtherInstance {
		t.Errorf("exit code of %v: %d, want %d", refused, got, exitOtherInstance)
	}
	if got := exitCode(errors.New("connect to Discord: no")); got != 1 {
		t.Errorf("exit code of another error: %d, want 1", got)
	}
}
