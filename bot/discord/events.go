package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

var _ bot.EventSync = (*Transport)(nil)

// Scheduled events the bot creates: external (a place given as text), visible to
// guild members only (the one privacy level Discord has).
const (
	eventEntityExternal = 3
	eventPrivacyGuild   = 2
)

// eventJSON is a scheduled event as sent and as received.
type eventJSON struct {
	ID                 string         `json:"id,omitempty"`
	Name               string         `json:"name,omitempty"`
	Description        string         `json:"description,omitempty"`
	PrivacyLevel       int            `json:"privacy_level,omitempty"`
	EntityType         int            `json:"entity_type,omitempty"`
	Status             int            `json:"status,omitempty"`
	ScheduledStartTime *time.Time     `json:"scheduled_start_time,omitempty"`
	ScheduledEndTime   *time.Time     `json:"scheduled_end_time,omitempty"`
	EntityMetadata     *eventMetaJSON `json:"entity_metadata,omitempty"`
}

type eventMetaJSON struct {
	Location string `json:"location"`
}

// eventBody is what create and edit send for e, cut to Discord's limits.
func eventBody(e bot.ScheduledEvent) eventJSON {
	start, end := e.Start.UTC(), e.End.UTC()
	return eventJSON{
		Name:               bot.Truncate(e.Name, bot.MaxEventName),
		Description:        bot.Truncate(e.Description, bot.MaxEventDescription),
		PrivacyLevel:       eventPrivacyGuild,
		EntityType:         eventEntityExternal,
		ScheduledStartTime: &start,
		ScheduledEndTime:   &end,
		EntityMetadata:     &eventMetaJSON{Location: bot.Truncate(e.Location, bot.MaxEventLocation)},
	}
}

// Events implements bot.EventSync: the guild's scheduled events, all of them.
func (t *Transport) Events(ctx context.Context) ([]bot.ScheduledEvent, error) {
	u := discordgo.EndpointGuildScheduledEvents(t.guildID)
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return nil, fmt.Errorf("list scheduled events: %w", eventHint(err))
	}
	var list []eventJSON
	if err := json.Unmarshal(resp, &list); err != nil {
		return nil, fmt.Errorf("list scheduled events: decode: %w", err)
	}
	out := make([]bot.ScheduledEvent, 0, len(list))
	for _, e := range list {
		ev := bot.ScheduledEvent{ID: e.ID, Name: e.Name, Description: e.Description, Status: bot.EventStatus(e.Status)}
		if e.ScheduledStartTime != nil {
			ev.Start = *e.ScheduledStartTime
		}
		if e.ScheduledEndTime != nil {
			ev.End = *e.ScheduledEndTime
		}
		if e.EntityMetadata != nil {
			ev.Location = e.EntityMetadata.Location
		}
		out = append(out, ev)
	}
	return out, nil
}

// CreateEvent implements bot.EventSync. Not retried after a 5xx or a timeout
// (Discord may have created it); the next sync finds it by its marker.
func (t *Transport) CreateEvent(ctx context.Context, e bot.ScheduledEvent) (string, error) {
	done, ok := t.track()
	if !ok {
		return "", errors.New("create scheduled event: transport closed")
	}
	defer done()
	u := discordgo.EndpointGuildScheduledEvents(t.guildID)
	resp, err := t.call(ctx, "POST", u, u, eventBody(e), false)
	if err != nil {
		return "", fmt.Errorf("create scheduled event %q: %w", e.Name, eventHint(err))
	}
	var got eventJSON
	if err := json.Unmarshal(resp, &got); err != nil || got.ID == "" {
		return "", fmt.Errorf("create scheduled event %q: decode the answer: %v (body %.200q)", e.Name, err, resp)
	}
	t.log.Info("scheduled event created", "event", got.ID, "name", e.Name, "start", e.Start)
	return got.ID, nil
}

// EditEvent implements bot.EventSync.
func (t *Transport) EditEvent(ctx context.Context, id string, e bot.ScheduledEvent) error {
	return t.patchEvent(ctx, id, eventBody(e), "edit")
}

// CancelEvent implements bot.EventSync.
func (t *Transport) CancelEvent(ctx context.Context, id string) error {
	return t.patchEvent(ctx, id, eventJSON{Status: int(discordgo.GuildScheduledEventStatusCanceled)}, "cancel")
}

func (t *Transport) patchEvent(ctx context.Context, id string, body eventJSON, what string) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("%s scheduled event %s: transport closed", what, id)
	}
	defer done()
	u := discordgo.EndpointGuildScheduledEvent(t.guildID, id)
	if _, err := t.call(ctx, "PATCH", u, discordgo.EndpointGuildScheduledEvents(t.guildID), body, true); err != nil {
		return fmt.Errorf("%s scheduled event %s: %w", what, id, eventHint(err))
	}
	t.log.Info("scheduled event "+what+"ed", "event", id)
	return nil
}

// eventHint names the permission a refused event request lacks.
func eventHint(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
		return fmt.Errorf("%w: the bot needs MANAGE_EVENTS (or CREATE_EVENTS) in the guild", err)
	}
	return err
}
