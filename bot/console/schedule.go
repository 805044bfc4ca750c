package console

import (
	"context"
	"fmt"
	"strings"

	"workshopbot/bot"
)

// The console plays a guild's scheduled events (kept in memory, printed as they
// change) and direct messages (printed), so a rehearsal shows what attendees would
// see when the program changes.
var (
	_ bot.EventSync       = (*Console)(nil)
	_ bot.DirectMessenger = (*Console)(nil)
)

// Events implements bot.EventSync.
func (c *Console) Events(context.Context) ([]bot.ScheduledEvent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bot.ScheduledEvent(nil), c.events...), nil
}

// CreateEvent implements bot.EventSync by printing one line.
func (c *Console) CreateEvent(_ context.Context, e bot.ScheduledEvent) (string, error) {
	c.mu.Lock()
	c.nextID++
	e.ID = fmt.Sprintf("console-event-%d", c.nextID)
	e.Status = bot.EventScheduled
	c.events = append(c.events, e)
	c.mu.Unlock()
	c.eventLine("created", e)
	return e.ID, nil
}

// EditEvent implements bot.EventSync by printing one line.
func (c *Console) EditEvent(_ context.Context, id string, e bot.ScheduledEvent) error {
	c.mu.Lock()
	i := c.eventIndex(id)
	if i < 0 {
		c.mu.Unlock()
		return fmt.Errorf("edit scheduled event %s: unknown event", id)
	}
	e.ID, e.Status = id, c.events[i].Status
	c.events[i] = e
	c.mu.Unlock()
	c.eventLine("updated", e)
	return nil
}

// CancelEvent implements bot.EventSync by printing one line.
func (c *Console) CancelEvent(_ context.Context, id string) error {
	c.mu.Lock()
	i := c.eventIndex(id)
	if i < 0 {
		c.mu.Unlock()
		return fmt.Errorf("cancel scheduled event %s: unknown event", id)
	}
	c.events[i].Status = bot.EventCanceled
	e := c.events[i]
	c.mu.Unlock()
	c.eventLine("cancelled", e)
	return nil
}

// eventIndex finds an event; c.mu must be held.
func (c *Console) eventIndex(id string) int {
	for i, e := range c.events {
		if e.ID == id {
			return i
		}
	}
	return -1
}

func (c *Console) eventLine(what string, e bot.ScheduledEvent) {
	now := c.clock.Now()
	c.Printf("[%s] (scheduled event %s: %s, %s–%s)\n", now.In(c.loc).Format("15:04:05 -07:00"), what, e.Name,
		e.Start.In(c.loc).Format("15:04"), e.End.In(c.loc).Format("15:04"))
}

// DM implements bot.DirectMessenger by printing the message under the user's name.
func (c *Console) DM(_ context.Context, userID string, m bot.Message) error {
	now := c.clock.Now()
	text := c.content(m.Content, now)
	c.Printf("[%s] DM to %s:\n%s\n\n", now.In(c.loc).Format("15:04:05 -07:00"), strings.TrimPrefix(userID, "console-"), indent(text))
	return nil
}
