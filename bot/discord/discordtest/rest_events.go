package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// eventRoutes lists the routes for guild scheduled events.
func eventRoutes() map[string]handler {
	return map[string]handler{
		"GET /guilds/{guild_id}/scheduled-events":                               listEvents,
		"POST /guilds/{guild_id}/scheduled-events":                              createEvent,
		"GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":    getEvent,
		"PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}":  editEvent,
		"DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}": deleteEvent,
	}
}

// eventBody is a scheduled event create or edit request.
type eventBody struct {
	ChannelID          *string    `json:"channel_id"`
	Name               *string    `json:"name"`
	Description        *string    `json:"description"`
	PrivacyLevel       *int       `json:"privacy_level"`
	EntityType         *int       `json:"entity_type"`
	Status             *int       `json:"status"`
	ScheduledStartTime *time.Time `json:"scheduled_start_time"`
	ScheduledEndTime   *time.Time `json:"scheduled_end_time"`
	EntityMetadata     *struct {
		Location string `json:"location"`
	} `json:"entity_metadata"`
}

// eventPermsLocked checks CREATE_EVENTS or MANAGE_EVENTS, in the event's
// channel for voice and stage events, guild-wide for external ones.
func (s *Server) eventPermsLocked(channelID string) error {
	var ch *discordgo.Channel
	if channelID != "" {
		ch = s.channelLocked(channelID)
		if ch == nil {
			return errUnknownChannel
		}
	}
	if s.botNeedsLocked(ch, discordgo.PermissionManageEvents) == nil {
		return nil
	}
	return s.botNeedsLocked(ch, discordgo.PermissionCreateEvents)
}

func (s *Server) eventLocked(rc *reqCtx) (int, *discordgo.GuildScheduledEvent, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	for i, e := range s.events {
		if e.ID == rc.param("guild_scheduled_event_id") {
			return i, e, nil
		}
	}
	return 0, nil, errUnknownEvent
}

func listEvents(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	out := s.events
	if out == nil {
		out = []*discordgo.GuildScheduledEvent{}
	}
	return http.StatusOK, out, nil
}

func createEvent(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.guildLocked(rc); err != nil {
		return 0, nil, err
	}
	var b eventBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	if b.Name == nil || b.EntityType == nil || b.ScheduledStartTime == nil || b.PrivacyLevel == nil {
		s.violateLocked(RuleSemantics, rc, "name, privacy_level, scheduled_start_time and entity_type are required")
		return 0, nil, invalidForm(RuleSemantics, "missing required field")
	}
	chID := ""
	if b.ChannelID != nil {
		chID = *b.ChannelID
	}
	if err := s.eventPermsLocked(chID); err != nil {
		return 0, nil, err
	}
	active := 0
	for _, e := range s.events {
		if e.Status == discordgo.GuildScheduledEventStatusScheduled || e.Status == discordgo.GuildScheduledEventStatusActive {
			active++
		}
	}
	if active >= maxEvents {
		s.violateLocked("limit/events", rc, fmt.Sprintf("guild already has %d scheduled events, max %d", active, maxEvents))
		return 0, nil, errMaxEvents
	}
	e := &discordgo.GuildScheduledEvent{
		ID: s.newID(), GuildID: s.guildID, ChannelID: chID, CreatorID: s.botUser.ID, Creator: s.botUser,
		Name: *b.Name, ScheduledStartTime: b.ScheduledStartTime.UTC(), ScheduledEndTime: b.ScheduledEndTime,
		PrivacyLevel: discordgo.GuildScheduledEventPrivacyLevel(*b.PrivacyLevel),
		Status:       discordgo.GuildScheduledEventStatusScheduled,
		EntityType:   discordgo.GuildScheduledEventEntityType(*b.EntityType),
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	if b.EntityMetadata != nil {
		e.EntityMetadata.Location = b.EntityMetadata.Location
	}
	s.events = append(s.events, e)
	s.dispatchLocked("GUILD_SCHEDULED_EVENT_CREATE", e, discordgo.IntentGuildScheduledEvents)
	return http.StatusOK, e, nil
}

func getEvent(s *Server, rc *reqCtx) (int, any, error) {
	_, e, err := s.eventLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e, nil
}

// validTransition is Discord's event status machine: scheduled → active or
// canceled, active → completed.
func validTransition(from, to discordgo.GuildScheduledEventStatus) bool {
	switch {
	case from == to:
		return true
	case from == discordgo.GuildScheduledEventStatusScheduled:
		return to == discordgo.GuildScheduledEventStatusActive || to == discordgo.GuildScheduledEventStatusCanceled
	case from == discordgo.GuildScheduledEventStatusActive:
		return to == discordgo.GuildScheduledEventStatusCompleted
	}
	return false
}

func editEvent(s *Server, rc *reqCtx) (int, any, error) {
	i, old, err := s.eventLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	var b eventBody
	if err := rc.decode(&b); err != nil {
		return 0, nil, err
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(rc.body, &raw)
	e := *old
	if b.ChannelID != nil {
		e.ChannelID = *b.ChannelID
	} else if string(raw["channel_id"]) == "null" {
		e.ChannelID = ""
	}
	if err := s.eventPermsLocked(e.ChannelID); err != nil {
		return 0, nil, err
	}
	if b.Name != nil {
		e.Name = *b.Name
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	if b.PrivacyLevel != nil {
		e.PrivacyLevel = discordgo.GuildScheduledEventPrivacyLevel(*b.PrivacyLevel)
	}
	if b.EntityType != nil {
		e.EntityType = discordgo.GuildScheduledEventEntityType(*b.EntityType)
	}
	if b.ScheduledStartTime != nil {
		e.ScheduledStartTime = b.ScheduledStartTime.UTC()
	}
	if b.ScheduledEndTime != nil {
		e.ScheduledEndTime = b.ScheduledEndTime
	}
	if b.EntityMetadata != nil {
		e.EntityMetadata.Location = b.EntityMetadata.Location
	}
	if b.Status != nil {
		to := discordgo.GuildScheduledEventStatus(*b.Status)
		if !validTransition(old.Status, to) {
			detail := fmt.Sprintf("status %d -> %d is not allowed", old.Status, to)
			s.violateLocked(RuleSemantics, rc, detail)
			return 0, nil, invalidForm(RuleSemantics, detail)
		}
		e.Status = to
	}
	if e.EntityType == discordgo.GuildScheduledEventEntityTypeExternal && (e.EntityMetadata.Location == "" || e.ScheduledEndTime == nil) {
		detail := "external events need entity_metadata.location and scheduled_end_time"
		s.violateLocked(RuleSemantics, rc, detail)
		return 0, nil, invalidForm(RuleSemantics, detail)
	}
	s.events[i] = &e
	s.dispatchLocked("GUILD_SCHEDULED_EVENT_UPDATE", &e, discordgo.IntentGuildScheduledEvents)
	return http.StatusOK, &e, nil
}

func deleteEvent(s *Server, rc *reqCtx) (int, any, error) {
	i, e, err := s.eventLocked(rc)
	if err != nil {
		return 0, nil, err
	}
	if err := s.eventPermsLocked(e.ChannelID); err != nil {
		return 0, nil, err
	}
	s.events = append(s.events[:i:i], s.events[i+1:]...)
	s.dispatchLocked("GUILD_SCHEDULED_EVENT_DELETE", e, discordgo.IntentGuildScheduledEvents)
	return http.StatusNoContent, nil, nil
}
