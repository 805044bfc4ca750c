package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// A heartbeat is one message per instance (per database: its id, bot/sqlite
// and bot/postgres) in the moderators channel, pinned, that the bot edits
// every HeartbeatConfig.Every with the wall clock. At start, before it
// creates a channel, registers a command or posts anything else, the bot
// reads the channel's pins and its last 100 messages: a running heartbeat of
// another instance edited within 2.5 of its intervals is another live bot on
// this guild, and this one refuses to act (OtherInstanceError) unless told to
// force. Its own heartbeat (a restart, or the other bot of a PostgreSQL pair,
// which shares the database and so the id) is edited again, never posted twice.
// On Close the heartbeat says "stopped", so a bot stopped cleanly never holds
// up the next; one killed holds it up for 2.5 intervals at most.
//
// What it cannot see: two bots started within the same second (neither has a
// heartbeat yet); a bot of another Discord application, whose messages'
// content Discord hides from this one without the privileged MESSAGE_CONTENT
// intent, which the bot does not ask for
// (https://discord.com/developers/docs/topics/gateway#message-content-intent);
// and two copies of one database (a restored backup), which share the id.

// DefaultHeartbeat is how often the heartbeat is edited when
// HeartbeatConfig.Every is 0. Discord limits message edits per route and
// per channel (the top-level resource), announces the bucket in its
// X-RateLimit headers, which call honours, and asks apps not to hard-code
// the numbers (https://discord.com/developers/docs/topics/rate-limits); in
// practice it is 5 edits per 5 s per channel, as the fake in discordtest
// enforces. One edit every 30 s leaves nearly all of it to the bot's other
// edits in the channel; the shortest interval, 1 s, still leaves 4 in 5 s.
const DefaultHeartbeat = 30 * time.Second

// minHeartbeat is the shortest interval accepted, well inside the edit bucket.
const minHeartbeat = time.Second

// warningRepeat is how long a refused bot's warning in the moderators channel
// stands for its restarts: under systemd's Restart=always a refused bot would
// otherwise post one every few seconds.
const warningRepeat = time.Hour

// HeartbeatConfig turns on the heartbeat and the check for another instance.
type HeartbeatConfig struct {
	Instance string        // the database's id; "" turns the heartbeat and the check off
	Host     string        // who runs it, for people: "host (pid 123)"
	Every    time.Duration // how often the heartbeat is edited; DefaultHeartbeat if 0
	Force    bool          // act despite another live instance, saying so loudly
}

// every is the interval, defaulted and bounded.
func (c HeartbeatConfig) every() time.Duration {
	if c.Every == 0 {
		return DefaultHeartbeat
	}
	return max(c.Every, minHeartbeat)
}

// liveWindow is how long after its last edit a heartbeat edited every d still
// counts as live: two missed edits, and half an interval for slow requests.
func liveWindow(d time.Duration) time.Duration { return 2*d + d/2 }

// Beat is a heartbeat as read from the moderators channel.
type Beat struct {
	MessageID string
	Instance  string
	Host      string
	Running   bool          // false: the bot said "stopped" as it closed
	Every     time.Duration // its interval, as it wrote it
	At        time.Time     // Discord's time of the last edit (or of the post)
}

// OtherInstanceError is returned by Open when another instance's heartbeat is
// live and HeartbeatConfig.Force is not set.
type OtherInstanceError struct {
	Own    string          // this bot's instance
	Others []Beat          // the live ones
	Age    []time.Duration // how old each of Others' last edit is
}

// Error says what was found and what to do.
func (e *OtherInstanceError) Error() string {
	var b strings.Builder
	b.WriteString("discord: another workshopbot is live on this guild: ")
	for i, o := range e.Others {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "instance %s on %s (its heartbeat in the moderators channel is %s old)", o.Instance, o.Host, e.Age[i].Round(time.Second))
	}
	fmt.Fprintf(&b, "; this one is instance %s and refuses to act, since two bots post every reminder twice and create poster channels twice. "+
		"Stop the other one (a bot that was killed stops counting %s after its last heartbeat), or start this one with --force (or WORKSHOPBOT_FORCE=1) to act anyway",
		e.Own, liveWindow(e.Others[0].Every).Round(time.Second))
	return b.String()
}

// heartbeatHead starts every heartbeat; the rest of its first line is parsed.
const heartbeatHead = "**workshopbot heartbeat**"

var heartbeatRE = regexp.MustCompile("^\\*\\*workshopbot heartbeat\\*\\* · instance `([0-9A-Za-z_-]{1,64})` · host `([^`\\n]{0,100})` · every ([0-9a-z.]{1,12}) · (running|stopped)")

// refusedRE finds a refused bot's warning, for warningRepeat.
var refusedRE = regexp.MustCompile("^⚠️ \\*\\*A second workshopbot refused to act\\.\\*\\* Instance `([0-9A-Za-z_-]{1,64})`")

// heartbeatText is the heartbeat's content at now.
func heartbeatText(c HeartbeatConfig, running bool, now time.Time) string {
	state, note := "running", "A second workshopbot that starts on this guild reads this message and refuses to act while this one runs. Leave it pinned here: the bot edits it."
	if !running {
		state, note = "stopped", "This workshopbot stopped; another may start."
	}
	return fmt.Sprintf("%s · instance `%s` · host `%s` · every %s · %s · <t:%d:R>\n%s",
		heartbeatHead, c.Instance, cleanHost(c.Host), c.every(), state, now.Unix(), note)
}

// cleanHost keeps the host to one line without backticks, at most 100 characters.
func cleanHost(h string) string {
	h = strings.Map(func(r rune) rune {
		if r == '`' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, h)
	if r := []rune(h); len(r) > 100 {
		h = string(r[:100])
	}
	if h == "" {
		h = "unknown host"
	}
	return h
}

// parseBeat reads a heartbeat from a message: only a bot's own message (not a
// webhook's, not a member's, who could otherwise stop the bot from starting
// by typing one) whose first line is a heartbeat's.
func parseBeat(m *discordgo.Message) (Beat, bool) {
	if m == nil || m.Author == nil || !m.Author.Bot || m.WebhookID != "" {
		return Beat{}, false
	}
	g := heartbeatRE.FindStringSubmatch(m.Content)
	if g == nil {
		return Beat{}, false
	}
	every, err := time.ParseDuration(g[3])
	if err != nil || every <= 0 {
		return Beat{}, false
	}
	at := m.Timestamp
	if m.EditedTimestamp != nil && m.EditedTimestamp.After(at) {
		at = *m.EditedTimestamp
	}
	return Beat{MessageID: m.ID, Instance: g[1], Host: g[2], Every: every, Running: g[4] == "running", At: at}, true
}

// liveOthers returns the heartbeats of instances other than own that are
// running and were edited within their live window before now, and how old
// each is. A heartbeat from the future (clocks apart) counts as live.
func liveOthers(beats []Beat, own string, now time.Time) ([]Beat, []time.Duration) {
	var out []Beat
	var ages []time.Duration
	for _, b := range beats {
		age := now.Sub(b.At)
		if b.Instance == own || !b.Running || age >= liveWindow(b.Every) {
			continue
		}
		out = append(out, b)
		ages = append(ages, max(age, 0))
	}
	return out, ages
}

// ownBeat is the newest heartbeat of own, or false.
func ownBeat(beats []Beat, own string) (Beat, bool) {
	var best Beat
	found := false
	for _, b := range beats {
		if b.Instance == own && (!found || b.At.After(best.At)) {
			best, found = b, true
		}
	}
	return best, found
}

// heartbeat is the running heartbeat: its channel and message, and the
// goroutine that edits it.
type heartbeat struct {
	mu      sync.Mutex
	channel string
	message string
	cancel  context.CancelFunc
	done    chan struct{}
}

// checkInstances reads the moderators channel before the bot acts, and
// returns the channel and the recent messages it read. With another live
// instance it posts a warning there (once per warningRepeat) and returns
// *OtherInstanceError, or, with Force, logs and posts that it acts anyway.
// What it cannot read it logs, and lets the bot start: a bot kept from
// starting by a missing permission would be worse than two bots.
func (t *Transport) checkInstances(ctx context.Context) (channel string, beats []Beat, err error) {
	c := t.cfg.Heartbeat
	t.state.RLock()
	g := t.guild
	t.state.RUnlock()
	want := strings.TrimSpace(t.cfg.Names.ModChannel)
	if want == "" {
		want = "moderators"
	}
	ch := findChannel(g.Channels, want)
	if ch == nil {
		t.log.Info("no moderators channel yet: no other instance to look for", "channel", want)
		return "", nil, nil
	}
	msgs, err := t.recentMessages(ctx, ch.ID)
	if err != nil {
		t.log.Error(fmt.Sprintf("cannot read #%s: another workshopbot on this guild would go unnoticed", ch.Name),
			"channel_id", ch.ID, "error", err)
		return ch.ID, nil, nil
	}
	for _, m := range msgs {
		if b, ok := parseBeat(m); ok {
			beats = append(beats, b)
		}
	}
	now := time.Now() // the wall clock, as Discord's timestamps are: not the workshop's clock
	others, ages := liveOthers(beats, c.Instance, now)
	if len(others) == 0 {
		return ch.ID, beats, nil
	}
	o := others[0]
	if c.Force {
		t.log.Error("another workshopbot is live on this guild; acting anyway, as told by --force: reminders will be posted twice and poster channels created twice until one of them stops",
			"instance", c.Instance, "other_instance", o.Instance, "other_host", o.Host, "heartbeat_age", ages[0].Round(time.Second))
		t.postNotice(ctx, ch.ID, fmt.Sprintf("⚠️ **workshopbot instance `%s` on `%s` started with --force** while instance `%s` on `%s` is live here (heartbeat <t:%d:R>). "+
			"Both act on this guild: every reminder is posted twice and poster channels are created twice. Stop one of them.",
			c.Instance, cleanHost(c.Host), o.Instance, o.Host, o.At.Unix()))
		return ch.ID, beats, nil
	}
	if warnedRecently(msgs, c.Instance, now) {
		t.log.Info("a warning of this instance is already in the moderators channel; not posting another", "channel_id", ch.ID)
	} else {
		t.postNotice(ctx, ch.ID, fmt.Sprintf("⚠️ **A second workshopbot refused to act.** Instance `%s` on `%s` found instance `%s` on `%s` live here (heartbeat <t:%d:R>). "+
			"Two bots on one guild post every reminder twice and create poster channels twice. Stop one of them; to run both anyway, start the second with `--force`.",
			c.Instance, cleanHost(c.Host), o.Instance, o.Host, o.At.Unix()))
	}
	return ch.ID, beats, &OtherInstanceError{Own: c.Instance, Others: others, Age: ages}
}

// warnedRecently reports whether msgs hold a refusal warning of instance
// posted within warningRepeat before now.
func warnedRecently(msgs []*discordgo.Message, instance string, now time.Time) bool {
	return slices.ContainsFunc(msgs, func(m *discordgo.Message) bool {
		g := refusedRE.FindStringSubmatch(m.Content)
		return g != nil && m.Author != nil && m.Author.Bot && g[1] == instance && now.Sub(m.Timestamp) < warningRepeat
	})
}

// recentMessages returns the channel's pinned messages and its last 100 (a
// heartbeat is pinned, so that moderators' chatter never pushes it out of
// reach; the last 100 find it when the pin failed).
func (t *Transport) recentMessages(ctx context.Context, channelID string) ([]*discordgo.Message, error) {
	u := pinsURL(channelID, "")
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return nil, fmt.Errorf("list pins of channel %s: %w%s", channelID, err, forbidden(err, "VIEW_CHANNEL and READ_MESSAGE_HISTORY"))
	}
	var pins struct {
		Items []struct {
			Message *discordgo.Message `json:"message"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp, &pins); err != nil {
		return nil, fmt.Errorf("list pins of channel %s: decode: %w", channelID, err)
	}
	var out []*discordgo.Message
	seen := map[string]bool{}
	for _, it := range pins.Items {
		if it.Message != nil && !seen[it.Message.ID] {
			seen[it.Message.ID] = true
			out = append(out, it.Message)
		}
	}
	u = discordgo.EndpointChannelMessages(channelID)
	resp, err = t.call(ctx, "GET", u+"?limit=100", u, nil, true)
	if err != nil {
		return nil, fmt.Errorf("read messages of channel %s: %w%s", channelID, err, forbidden(err, "VIEW_CHANNEL and READ_MESSAGE_HISTORY"))
	}
	var recent []*discordgo.Message
	if err := json.Unmarshal(resp, &recent); err != nil {
		return nil, fmt.Errorf("read messages of channel %s: decode: %w", channelID, err)
	}
	for _, m := range recent {
		if m != nil && !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// postNotice posts content to channel, pinging no one; a failure is logged.
func (t *Transport) postNotice(ctx context.Context, channel, content string) {
	u := discordgo.EndpointChannelMessages(channel)
	body := messageCreate{Content: bot.Truncate(content, bot.MaxContent), AllowedMentions: noMentions()}
	if _, err := t.call(ctx, "POST", u, u, body, false); err != nil {
		t.log.Error("cannot post the warning in the moderators channel", "channel_id", channel, "error", err)
	}
}

// startHeartbeat edits this instance's heartbeat now (posting and pinning it
// if it has none), then every interval until ctx ends or Close, when it says
// "stopped". channel is the moderators channel as checkInstances found it;
// "" means it was created since, by setUp.
func (t *Transport) startHeartbeat(ctx context.Context, channel string, beats []Beat) {
	c := t.cfg.Heartbeat
	if channel == "" {
		channel = t.ChannelID(bot.ChannelModerators)
	}
	if channel == "" {
		t.log.Warn("no moderators channel: no heartbeat, and a second workshopbot on this guild would not notice this one")
		return
	}
	hb := &heartbeat{channel: channel, done: make(chan struct{})}
	if own, ok := ownBeat(beats, c.Instance); ok {
		hb.message = own.MessageID
	}
	ctx, hb.cancel = context.WithCancel(ctx)
	t.mu.Lock()
	t.hb = hb
	t.mu.Unlock()
	t.beat(ctx, hb, true)
	go func() { // owned by ctx: cancelled by Close or by the caller's end
		defer close(hb.done)
		tick := time.NewTicker(c.every())
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
				t.beat(sctx, hb, false)
				cancel()
				return
			case <-tick.C:
				t.beat(ctx, hb, true)
			}
		}
	}()
}

// stopHeartbeat ends the heartbeat's goroutine, which says "stopped" first.
func (t *Transport) stopHeartbeat() {
	t.mu.Lock()
	hb := t.hb
	t.mu.Unlock()
	if hb == nil {
		return
	}
	hb.cancel()
	<-hb.done
}

// beat edits the heartbeat, or posts and pins it when there is none yet or a
// moderator deleted it. Failures are logged: the next beat tries again.
func (t *Transport) beat(ctx context.Context, hb *heartbeat, running bool) {
	c := t.cfg.Heartbeat
	content := heartbeatText(c, running, time.Now())
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.message != "" {
		u := discordgo.EndpointChannelMessage(hb.channel, hb.message)
		_, err := t.call(ctx, "PATCH", u, discordgo.EndpointChannelMessage(hb.channel, ""), map[string]any{"content": content, "allowed_mentions": noMentions()}, true)
		var ae *APIError
		switch {
		case err == nil:
			return
		case errors.As(err, &ae) && ae.Status == http.StatusNotFound && running:
			t.log.Warn("the heartbeat message is gone; posting a new one", "channel_id", hb.channel, "message_id", hb.message)
			hb.message = ""
		default:
			t.log.Warn("heartbeat not updated", "channel_id", hb.channel, "message_id", hb.message, "error", err)
			return
		}
	}
	if !running {
		return
	}
	u := discordgo.EndpointChannelMessages(hb.channel)
	body := messageCreate{Content: content, AllowedMentions: noMentions(),
		Nonce: "hb" + strconv.FormatInt(time.Now().UnixMilli(), 36) + c.Instance, EnforceNonce: true}
	body.Nonce = body.Nonce[:min(len(body.Nonce), bot.MaxNonce)]
	resp, err := t.call(ctx, "POST", u, u, body, true)
	if err != nil {
		t.log.Error("heartbeat not posted: a second workshopbot on this guild would not notice this one", "channel_id", hb.channel, "error", err)
		return
	}
	var m discordgo.Message
	if err := json.Unmarshal(resp, &m); err != nil || m.ID == "" {
		t.log.Error("heartbeat posted, but its answer does not decode", "channel_id", hb.channel, "error", err)
		return
	}
	hb.message = m.ID
	t.log.Info("heartbeat posted", "channel_id", hb.channel, "message_id", m.ID, "instance", c.Instance)
	if err := t.Pin(ctx, hb.channel, m.ID); err != nil {
		t.log.Warn("heartbeat not pinned; it is found among the channel's last 100 messages", "error", err)
	}
}
