package console

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"workshopbot/bot"
)

// The console holds poster channels in memory and says what it does with them,
// as Discord would show it: channels "created", cards pinned, rights granted.
var _ bot.PosterGuild = (*Console)(nil)

// The console's ids for @everyone and the bot.
const (
	everyoneID = "everyone"
	botID      = "bot"
)

// consoleGuild is the console's pretend guild. A channel's id is the name it
// was created with, so that `in #name` finds it in a rehearsal.
type consoleGuild struct {
	channels []bot.GuildChannel
	cards    map[string]bot.Message // message id -> card
	pinned   map[string]string      // channel id -> pinned card's message id
}

// GuildIdentity implements bot.PosterGuild.
func (c *Console) GuildIdentity() (everyone, self string) { return everyoneID, botID }

// GuildChannels implements bot.PosterGuild.
func (c *Console) GuildChannels(context.Context) ([]bot.GuildChannel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]bot.GuildChannel, len(c.guild.channels))
	for i, ch := range c.guild.channels {
		ch.Overwrites = slices.Clone(ch.Overwrites)
		out[i] = ch
	}
	return out, nil
}

// GuildMembers implements bot.PosterGuild. The console has no member list:
// presenters are known once they run a command (`as NAME /poster claim`).
func (c *Console) GuildMembers(context.Context) ([]bot.User, error) { return nil, nil }

// CreateChannel implements bot.PosterGuild.
func (c *Console) CreateChannel(_ context.Context, s bot.ChannelSpec) (bot.GuildChannel, error) {
	c.mu.Lock()
	ch := bot.GuildChannel{ID: s.Name, Name: s.Name, Topic: s.Topic, ParentID: s.ParentID, Category: s.Category, Overwrites: slices.Clone(s.Overwrites)}
	for n := 2; c.index(ch.ID) >= 0; n++ {
		ch.ID = fmt.Sprintf("%s~%d", s.Name, n)
	}
	c.guild.channels = append(c.guild.channels, ch)
	c.mu.Unlock()
	if s.Category {
		c.say("created category %q", s.Name)
		return ch, nil
	}
	c.say("created #%s in %q\n  topic: %s", s.Name, c.name(s.ParentID), s.Topic)
	for _, o := range s.Overwrites {
		c.say("#%s: %s", s.Name, rights(o))
	}
	return ch, nil
}

// EditChannel implements bot.PosterGuild.
func (c *Console) EditChannel(_ context.Context, id string, e bot.ChannelEdit) error {
	c.mu.Lock()
	i := c.index(id)
	if i < 0 {
		c.mu.Unlock()
		return fmt.Errorf("edit channel %s: %w", id, bot.ErrNotFound)
	}
	ch := &c.guild.channels[i]
	was := ch.Name
	var what []string
	if e.Name != nil {
		ch.Name = *e.Name
		what = append(what, "renamed to #"+*e.Name)
	}
	if e.Topic != nil {
		ch.Topic = *e.Topic
		what = append(what, "topic: "+*e.Topic)
	}
	if e.ParentID != nil {
		ch.ParentID = *e.ParentID
		what = append(what, "moved to "+fmt.Sprintf("%q", c.nameLocked(*e.ParentID)))
	}
	c.mu.Unlock()
	c.say("updated #%s: %s", was, strings.Join(what, "; "))
	return nil
}

// SetOverwrite implements bot.PosterGuild.
func (c *Console) SetOverwrite(_ context.Context, id string, o bot.Overwrite) error {
	c.mu.Lock()
	i := c.index(id)
	if i < 0 {
		c.mu.Unlock()
		return fmt.Errorf("set rights in %s: %w", id, bot.ErrNotFound)
	}
	ch := &c.guild.channels[i]
	ch.Overwrites = slices.DeleteFunc(ch.Overwrites, func(x bot.Overwrite) bool { return x.ID == o.ID })
	ch.Overwrites = append(ch.Overwrites, o)
	name := ch.Name
	c.mu.Unlock()
	c.say("#%s: %s", name, rights(o))
	return nil
}

// DeleteOverwrite implements bot.PosterGuild.
func (c *Console) DeleteOverwrite(_ context.Context, id, target string) error {
	c.mu.Lock()
	i := c.index(id)
	if i < 0 {
		c.mu.Unlock()
		return nil
	}
	ch := &c.guild.channels[i]
	ch.Overwrites = slices.DeleteFunc(ch.Overwrites, func(x bot.Overwrite) bool { return x.ID == target })
	name := ch.Name
	c.mu.Unlock()
	c.say("#%s: %s no longer has rights of its own here", name, who(target))
	return nil
}

// PostCard implements bot.PosterGuild.
func (c *Console) PostCard(_ context.Context, channelID string, m bot.Message) (string, error) {
	c.mu.Lock()
	c.nextID++
	id := fmt.Sprintf("console-%d", c.nextID)
	if c.guild.cards == nil {
		c.guild.cards = map[string]bot.Message{}
	}
	c.guild.cards[id] = m
	name := c.nameLocked(channelID)
	c.mu.Unlock()
	c.say("card in #%s:\n%s", name, indent(c.embedText(m.Embeds)))
	return id, nil
}

// EditCard implements bot.PosterGuild.
func (c *Console) EditCard(_ context.Context, channelID, messageID string, m bot.Message) error {
	c.mu.Lock()
	if _, ok := c.guild.cards[messageID]; !ok {
		c.mu.Unlock()
		return fmt.Errorf("edit card %s: %w", messageID, bot.ErrNotFound)
	}
	c.guild.cards[messageID] = m
	name := c.nameLocked(channelID)
	c.mu.Unlock()
	c.say("card in #%s edited:\n%s", name, indent(c.embedText(m.Embeds)))
	return nil
}

// Pin implements bot.PosterGuild.
func (c *Console) Pin(_ context.Context, channelID, messageID string) error {
	c.mu.Lock()
	if c.guild.pinned == nil {
		c.guild.pinned = map[string]string{}
	}
	c.guild.pinned[channelID] = messageID
	name := c.nameLocked(channelID)
	c.mu.Unlock()
	c.say("pinned the card in #%s", name)
	return nil
}

// PinnedCard implements bot.PosterGuild.
func (c *Console) PinnedCard(_ context.Context, channelID string) (string, []bot.Embed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.guild.pinned[channelID]
	if !ok {
		return "", nil, nil
	}
	return id, c.guild.cards[id].Embeds, nil
}

// say prints one line of what the pretend guild did, stamped with the time.
// It is not a post: the line does not start like one ("[time] #channel").
func (c *Console) say(format string, args ...any) {
	c.Printf("[%s] %s\n", c.clock.Now().In(c.loc).Format("15:04:05 -07:00"), fmt.Sprintf(format, args...))
}

func (c *Console) index(id string) int {
	return slices.IndexFunc(c.guild.channels, func(ch bot.GuildChannel) bool { return ch.ID == id })
}

func (c *Console) name(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nameLocked(id)
}

func (c *Console) nameLocked(id string) string {
	if i := c.index(id); i >= 0 {
		return c.guild.channels[i].Name
	}
	return id
}

// embedText shows a card as text, its timestamps in the workshop's time zone.
func (c *Console) embedText(es []bot.Embed) string {
	now := c.clock.Now()
	var b strings.Builder
	for _, e := range es {
		b.WriteString("**" + e.Title + "**")
		if e.URL != "" {
			b.WriteString(" <" + e.URL + ">")
		}
		if e.Description != "" {
			b.WriteString("\n" + e.Description)
		}
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + c.render(f.Value, c.loc, now))
		}
		if e.Footer != "" {
			b.WriteString("\n— " + e.Footer)
		}
	}
	return b.String()
}

// rights says in words what an overwrite allows.
func rights(o bot.Overwrite) string {
	switch {
	case o.Member && o.Allow == bot.PresenterRights:
		return who(o.ID) + " may now pin and manage messages (presenter)"
	case o.Member && o.Allow&bot.PermSendMessages == 0:
		return who(o.ID) + " may read only (archived)"
	case o.Member:
		return who(o.ID) + " may write (the bot, in the archive)"
	case o.ID == everyoneID && o.Deny&bot.PermSendMessages != 0:
		return "read-only for everyone (archived)"
	}
	return fmt.Sprintf("rights of %s set (allow %d, deny %d)", who(o.ID), o.Allow, o.Deny)
}

// who names a console user id ("console-alice" is alice).
func who(id string) string {
	if id == everyoneID {
		return "@everyone"
	}
	return "@" + strings.TrimPrefix(id, "console-")
}
