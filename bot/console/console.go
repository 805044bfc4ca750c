// Package console is the bot's local transport: posts are printed with the channel
// they would go to, and lines typed on stdin are commands as a chat user would send
// them. With a virtual clock it rehearses a whole workshop day in seconds.
//
// It must never import bot/discord or bot/sqlite: it is one edge among others.
package console

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"workshopbot/bot"
)

// Console prints what the bot posts and feeds it commands.
type Console struct {
	out          io.Writer
	clock        bot.Clock
	loc          *time.Location
	reminderRole string

	mu     sync.Mutex
	nextID int
	posts  map[string]int       // channel -> messages posted
	events []bot.ScheduledEvent // the guild's scheduled events, as the console plays them (schedule.go)

	guild    consoleGuild       // poster channels, in memory (posters.go)
	activity func(bot.Activity) // told of played messages, joins and leaves (repl.go)
	commands []bot.CommandSpec  // the bot's commands, which Serve parses (repl.go)
}

var (
	_ bot.Transport = (*Console)(nil)
	_ bot.Editor    = (*Console)(nil)
)

// New returns a console that writes to out, stamping lines with clock's time in loc
// (the workshop's time zone). reminderRole is shown where Discord would ping it.
func New(out io.Writer, clock bot.Clock, loc *time.Location, reminderRole string) *Console {
	return &Console{out: out, clock: clock, loc: loc, reminderRole: reminderRole, posts: map[string]int{}}
}

// Post implements bot.Transport by printing the message under its channel.
func (c *Console) Post(_ context.Context, m bot.Message) (bot.Posted, error) {
	now := c.clock.Now()
	text := c.content(m.Content, now)
	if m.PingRole && c.reminderRole != "" {
		text = "@" + c.reminderRole + " " + text
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	ch := channelLabel(m.Channel)
	c.posts[ch]++
	fmt.Fprintf(c.out, "[%s] #%s\n%s%s\n\n", now.In(c.loc).Format("15:04:05 -07:00"), ch, indent(text), buttons(m.Buttons))
	return bot.Posted{ChannelID: ch, MessageID: fmt.Sprintf("console-%d", c.nextID)}, nil
}

// channelLabel is how the console names a logical channel: a room's own
// announcements channel by its name ("hall-a" for "room:#hall-a").
func channelLabel(logical string) string {
	if name, ok := bot.RoomChannelName(logical); ok {
		return strings.TrimPrefix(name, "#")
	}
	return logical
}

// Edit implements bot.Editor by printing the message's new text.
func (c *Console) Edit(_ context.Context, channelID, messageID string, m bot.Message) error {
	now := c.clock.Now()
	text := c.content(m.Content, now)
	c.Printf("[%s] #%s (%s edited)\n%s%s\n\n", now.In(c.loc).Format("15:04:05 -07:00"), channelID, messageID, indent(text), buttons(m.Buttons))
	return nil
}

// buttons shows a message's buttons with what to type to press them.
func buttons(bs []bot.Button) string {
	var b strings.Builder
	for _, btn := range bs {
		if btn.Disabled {
			fmt.Fprintf(&b, "\n  [%s] (closed)", btn.Label)
			continue
		}
		fmt.Fprintf(&b, "\n  [%s] type: press %s", btn.Label, btn.ID)
	}
	return b.String()
}

// Posted is how many messages went to channel.
func (c *Console) Posted(channel string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.posts[channel]
}

// Posts returns how many messages went to each channel, as "#name: n" sorted by name.
func (c *Console) Posts() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.posts))
	for n := range c.posts {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("#%s: %d", n, c.posts[n])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Printf writes a line of the console's own (not a post).
func (c *Console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, args...)
}

// mentionRE finds the user and channel mentions a Discord client would draw as names.
var mentionRE = regexp.MustCompile(`<@(?:console-)?([^>&]+)>|<#([^>]+)>`)

// render writes text as a reader at the console's clock would see it: timestamps in
// the workshop's time zone, and mentions as @name and #channel (the console's user
// ids are "console-" plus the name, and its channel ids are their names).
func (c *Console) render(text string, loc *time.Location, now time.Time) string {
	text = bot.RenderTimestamps(text, loc, now)
	return mentionRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := mentionRE.FindStringSubmatch(m)
		if sub[1] != "" {
			return "@" + sub[1]
		}
		return "#" + sub[2]
	})
}

// content is a message's content as a Discord reader would see it: cut to
// Discord's limit by the same function the discord edge cuts with, then
// rendered.
func (c *Console) content(text string, now time.Time) string {
	return c.render(bot.Truncate(text, bot.MaxContent), c.loc, now)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
