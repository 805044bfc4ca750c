package frab

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"workshopbot/bot"
)

// The c3voc schedule schema's patterns (bot/frab/testdata/c3voc/schema.json)
// that the exporter must meet by construction.
var (
	acronymRE  = regexp.MustCompile(`^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$`)
	timeZoneRE = regexp.MustCompile(`^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$`)
)

type exportSchedule struct {
	Schedule  exportBody `json:"schedule"`
	Generator struct {
		Name string `json:"name"`
	} `json:"generator"`
}

type exportBody struct {
	Version    string           `json:"version"`
	BaseURL    string           `json:"base_url"`
	Conference exportConference `json:"conference"`
}

type exportConference struct {
	Acronym          string       `json:"acronym"`
	Title            string       `json:"title"`
	Start            string       `json:"start"`
	End              string       `json:"end"`
	DaysCount        int          `json:"daysCount"`
	TimeslotDuration string       `json:"timeslot_duration"`
	TimeZoneName     string       `json:"time_zone_name,omitempty"`
	URL              string       `json:"url"`
	Rooms            []exportRoom `json:"rooms"`
	Days             []exportDay  `json:"days"`
}

type exportRoom struct {
	Name string `json:"name"`
	GUID string `json:"guid"`
}

type exportDay struct {
	Index    int                      `json:"index"`
	Date     string                   `json:"date"`
	DayStart string                   `json:"day_start"`
	DayEnd   string                   `json:"day_end"`
	Rooms    map[string][]exportEvent `json:"rooms"`
}

type exportEvent struct {
	ID       int            `json:"id"`
	GUID     string         `json:"guid"`
	Date     string         `json:"date"`
	Start    string         `json:"start"`
	Duration string         `json:"duration"`
	Room     string         `json:"room"`
	Slug     string         `json:"slug"`
	URL      string         `json:"url"`
	Title    string         `json:"title"`
	Subtitle string         `json:"subtitle"`
	Track    *string        `json:"track"`
	Type     string         `json:"type"`
	Language string         `json:"language"`
	Abstract string         `json:"abstract"`
	Persons  []exportPerson `json:"persons"`
	Links    []exportLink   `json:"links"`
}

// exportPerson is pretalx's person shape, which the schema tells from frab's
// by the absence of an integer id.
type exportPerson struct {
	Name       string `json:"name"`
	PublicName string `json:"public_name"`
}

type exportLink struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Export writes s as frab schedule JSON, for attendees' schedule apps. Each
// event's url is its session's "event" link, or base#id (base is the program's
// page; Import leaves such URLs out again). Event ids, guids (UUID v5 of the
// acronym and the session id) and the order are stable from one export to the
// next. A program without rooms is in one room named after the workshop.
func Export(s *bot.Schedule, base string) ([]byte, error) {
	if !webURL(base) {
		return nil, fmt.Errorf("base URL %q is not a web address; give the program's page (--base-url)", base)
	}
	ws := s.Workshop
	loc := ws.Location
	acronym := exportAcronym(ws.ShortName, ws.Name)
	defaultRoom := ws.ShortName
	if defaultRoom == "" {
		defaultRoom = ws.Name
	}
	var out exportSchedule
	out.Generator.Name = "workshopbot"
	out.Schedule.Version = "1.0"
	out.Schedule.BaseURL = base
	c := &out.Schedule.Conference
	c.Acronym, c.Title, c.TimeslotDuration, c.URL = acronym, ws.Name, "00:05", base
	if timeZoneRE.MatchString(loc.String()) {
		c.TimeZoneName = loc.String()
	}
	roomOf := func(sess bot.Session) string {
		if sess.Room != "" {
			return sess.Room
		}
		return defaultRoom
	}
	rooms := exportRooms(s, roomOf)
	for _, r := range rooms {
		c.Rooms = append(c.Rooms, exportRoom{Name: r, GUID: uuid5(acronym + "/room/" + r)})
	}
	first := ws.Date
	if len(s.Sessions) > 0 && s.Sessions[0].Start.Before(first) {
		first = s.Sessions[0].Start
	}
	var days []*exportDay
	dayOf := map[string]*exportDay{}
	for i, sess := range s.Sessions {
		start := sess.Start.In(loc)
		date := start.Format(time.DateOnly)
		d := dayOf[date]
		if d == nil {
			midnight := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
			d = &exportDay{Index: len(days) + 1, Date: date, DayStart: midnight.Format(time.RFC3339),
				DayEnd: midnight.AddDate(0, 0, 1).Add(-time.Minute).Format(time.RFC3339), Rooms: map[string][]exportEvent{}}
			for _, r := range rooms {
				d.Rooms[r] = []exportEvent{}
			}
			dayOf[date] = d
			days = append(days, d)
		}
		e := exportEventOf(i, sess, loc, acronym, base, roomOf(sess))
		d.Rooms[e.Room] = append(d.Rooms[e.Room], e)
	}
	last := first
	if n := len(s.Sessions); n > 0 {
		last = s.Sessions[n-1].Start
	}
	c.Start = first.In(loc).Format(time.DateOnly)
	c.End = last.In(loc).Format(time.DateOnly)
	c.DaysCount = len(days)
	for _, d := range days {
		c.Days = append(c.Days, *d)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("export frab: %w", err)
	}
	return b.Bytes(), nil
}

// exportRooms lists the schedule's rooms, then the rooms its sessions are
// in (roomOf) that it does not list, in order.
func exportRooms(s *bot.Schedule, roomOf func(bot.Session) string) []string {
	var rooms []string
	for _, r := range s.Rooms {
		rooms = append(rooms, r.Name)
	}
	for _, sess := range s.Sessions {
		if r := roomOf(sess); !slices.Contains(rooms, r) {
			rooms = append(rooms, r)
		}
	}
	return rooms
}

// exportEventOf is session sess, the i-th of the schedule, as a frab event
// in room.
func exportEventOf(i int, sess bot.Session, loc *time.Location, acronym, base, room string) exportEvent {
	start := sess.Start.In(loc)
	length := sess.End.Sub(sess.Start)
	e := exportEvent{ID: i + 1, GUID: uuid5(acronym + "/session/" + sess.ID), Date: start.Format(time.RFC3339),
		// The schema wants a date-time here too, not frab's older "HH:MM".
		Start:    start.Format(time.RFC3339),
		Duration: fmt.Sprintf("%02d:%02d", int(length.Hours()), int(length.Minutes())%60),
		Room:     room, Slug: sess.ID, Title: sess.Title, Type: string(sess.Kind), Language: "en",
		Persons: []exportPerson{}, Links: []exportLink{}}
	e.URL = ownURL(base, sess.ID)
	for _, l := range sess.Links {
		if l.Name == "event" {
			e.URL = l.URL
			continue
		}
		e.Links = append(e.Links, exportLink{Title: l.Name, URL: l.URL})
	}
	for _, sp := range sess.Speakers {
		e.Persons = append(e.Persons, exportPerson{Name: sp, PublicName: sp})
	}
	return e
}

// exportAcronym makes the schema's acronym (lower-case letters, digits and
// "_", at least four) from the short name, else the name.
func exportAcronym(names ...string) string {
	for _, n := range names {
		a := strings.ReplaceAll(bot.Slug(n), "-", "_")
		if acronymRE.MatchString(a) {
			return a
		}
	}
	a := strings.ReplaceAll(bot.Slug(names[0]), "-", "_")
	for len(a) < 4 {
		a += "_"
	}
	return a
}

// uuid5 is the RFC 9562 version-5 UUID of name in the URL namespace, so that
// an event keeps its guid from one export to the next.
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte("workshopbot:" + name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
