package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
)

// TestRefusedTransportAnswersNothing: a transport that finds another live
// instance's heartbeat returns *OtherInstanceError from Open, and, though
// its gateway is still connected, hands no interaction to the bot: the other
// bot answers.
func TestRefusedTransportAnswersNothing(t *testing.T) {
	fake, _, _ := newFake(t)
	ch := fake.AddChannel("moderators", 0, "")
	body, _ := json.Marshal(map[string]any{"allowed_mentions": map[string]any{"parse": []string{}},
		"content": fmt.Sprintf("**workshopbot heartbeat** · instance `0ther` · host `h (pid 1)` · every 1m · running · <t:%d:R>", time.Now().Unix())})
	req, _ := http.NewRequest("POST", fake.URL()+"/api/v10/channels/"+ch+"/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bot "+discordtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post the other heartbeat: %v %v", err, resp)
	}
	var posted struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&posted)
	resp.Body.Close()
	user := fake.AddMember("carol")

	var handled atomic.Int32
	logs := &logBuffer{}
	tr, err := discord.New(discord.Config{Token: discordtest.Token, APIBase: fake.URL(), GuildID: fake.GuildID(), Names: names(),
		Commands:  bot.Specs(features.All()),
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
		Handle:    func(context.Context, bot.Command) bot.Reply { handled.Add(1); return bot.Reply{Content: "ok"} },
		Heartbeat: discord.HeartbeatConfig{Instance: "self", Host: "here"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = tr.Open(ctx)
	var other *discord.OtherInstanceError
	if !errors.As(err, &other) || other.Others[0].Instance != "0ther" || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Open: %v, want *OtherInstanceError naming 0ther and --force\n%s", err, logs)
	}
	if len(fake.Commands()) != 0 {
		t.Errorf("the refused transport registered %d commands", len(fake.Commands()))
	}
	ictx, icancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer icancel()
	// A button press (a command would need registering, which the refused
	// transport did not do).
	press := discordtest.Button("q:vote:1", posted.ID)
	press.ChannelID, press.UserID = ch, user
	if r, err := fake.Interact(ictx, press); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("the refused transport answered a button press: %+v %v", r, err)
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("the refused transport handed %d interactions to the bot", n)
	}
}
