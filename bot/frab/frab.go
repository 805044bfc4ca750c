// Package frab reads and writes conference programs in the frab schedule
// format, the one pretalx, frab and Pentabarf export (schedule.xml and
// schedule.json) and conference apps such as Giggity read. It turns them into
// the bot's sessions and writes the bot's program back as frab JSON. It never
// imports the chat transports.
package frab

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Conference is a frab schedule, as read from either format.
type Conference struct {
	Title    string
	Acronym  string
	TimeZone string // time_zone_name; "" when the file has none
	Start    string // the conference's first date, YYYY-MM-DD; may be ""
	BaseURL  string
	Events   []Event
}

// Event is one event of a frab schedule. Its instant is resolved later, once
// the time zone is known (FOSDEM-style XML gives only a clock time).
type Event struct {
	ID       int
	GUID     string
	Slug     string
	Date     string // the full start, RFC 3339, when the file gives one
	DayDate  string // the date of the <day> it is listed under
	DayStart string // that day's start, RFC 3339, when given
	Start    string // "HH:MM", the local clock time
	Duration string // "HH:MM" or "HH:MM:SS"
	Room     string
	Title    string
	Subtitle string
	Track    string
	Type     string
	Abstract string
	URL      string
	Persons  []string
	Links    []Link
}

// Link is one of an event's links.
type Link struct {
	Title string
	URL   string
}

// Parse reads a frab schedule in XML or JSON, telling them apart by the first
// character.
func Parse(data []byte) (*Conference, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("empty file; want a frab schedule.json or schedule.xml")
	case trimmed[0] == '{' || trimmed[0] == '[':
		return parseJSON(trimmed)
	case trimmed[0] == '<':
		return parseXML(trimmed)
	}
	return nil, errors.New("neither JSON nor XML; want a frab schedule.json or schedule.xml (pretalx: /schedule/export/schedule.json)")
}

// jsonSchedule is schedule.json as pretalx and frab write it.
type jsonSchedule struct {
	Schedule *struct {
		Version    string `json:"version"`
		BaseURL    string `json:"base_url"`
		Conference struct {
			Acronym      string `json:"acronym"`
			Title        string `json:"title"`
			Start        string `json:"start"`
			TimeZoneName string `json:"time_zone_name"`
			Days         []struct {
				Date     string                 `json:"date"`
				DayStart string                 `json:"day_start"`
				Rooms    map[string][]jsonEvent `json:"rooms"`
			} `json:"days"`
		} `json:"conference"`
	} `json:"schedule"`
}

type jsonEvent struct {
	ID       json.Number       `json:"id"`
	GUID     string            `json:"guid"`
	Date     string            `json:"date"`
	Start    string            `json:"start"`
	Duration string            `json:"duration"`
	Room     string            `json:"room"`
	Slug     string            `json:"slug"`
	URL      string            `json:"url"`
	Title    string            `json:"title"`
	Subtitle *string           `json:"subtitle"`
	Track    *string           `json:"track"`
	Type     string            `json:"type"`
	Abstract *string           `json:"abstract"`
	Persons  []json.RawMessage `json:"persons"`
	Links    []json.RawMessage `json:"links"`
}

func parseJSON(data []byte) (*Conference, error) {
	var s jsonSchedule
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("not frab JSON: %w", err)
	}
	if s.Schedule == nil {
		return nil, errors.New(`no "schedule" object; want frab JSON ({"schedule": {"conference": ...}})`)
	}
	c := s.Schedule.Conference
	conf := &Conference{Title: c.Title, Acronym: c.Acronym, TimeZone: c.TimeZoneName, Start: c.Start, BaseURL: s.Schedule.BaseURL}
	for _, day := range c.Days {
		for room, events := range day.Rooms {
			for _, e := range events {
				ev := Event{GUID: e.GUID, Slug: e.Slug, Date: e.Date, DayDate: day.Date, DayStart: day.DayStart, Start: e.Start,
					Duration: e.Duration, Room: e.Room, Title: e.Title, Subtitle: deref(e.Subtitle), Track: deref(e.Track),
					Type: e.Type, Abstract: deref(e.Abstract), URL: e.URL}
				ev.ID, _ = strconv.Atoi(e.ID.String())
				if ev.Room == "" {
					ev.Room = room
				}
				for _, p := range e.Persons {
					if name := personName(p); name != "" {
						ev.Persons = append(ev.Persons, name)
					}
				}
				for _, l := range e.Links {
					if link, ok := jsonLink(l); ok {
						ev.Links = append(ev.Links, link)
					}
				}
				conf.Events = append(conf.Events, ev)
			}
		}
	}
	return conf, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// personName reads a person: frab's public_name, pretalx's name (or
// public_name), or a bare string.
func personName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var p struct {
		Name       string `json:"name"`
		PublicName string `json:"public_name"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return ""
	}
	if p.PublicName != "" {
		return strings.TrimSpace(p.PublicName)
	}
	return strings.TrimSpace(p.Name)
}

// jsonLink reads a link: {"title", "url"} or a bare URL.
func jsonLink(raw json.RawMessage) (Link, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return Link{URL: s}, s != ""
	}
	var l struct {
		Title string `json:"title"`
		URL   string `json:"url"`
		Href  string `json:"href"`
	}
	if json.Unmarshal(raw, &l) != nil {
		return Link{}, false
	}
	if l.URL == "" {
		l.URL = l.Href
	}
	return Link{Title: l.Title, URL: l.URL}, l.URL != ""
}

// xmlSchedule is schedule.xml as frab, pretalx, Pentabarf and wafer write it.
type xmlSchedule struct {
	XMLName    xml.Name `xml:"schedule"`
	Conference struct {
		Title        string `xml:"title"`
		Acronym      string `xml:"acronym"`
		Start        string `xml:"start"`
		TimeZoneName string `xml:"time_zone_name"`
		BaseURL      string `xml:"base_url"`
	} `xml:"conference"`
	Days []struct {
		Date  string `xml:"date,attr"`
		Start string `xml:"start,attr"`
		Rooms []struct {
			Name   string `xml:"name,attr"`
			Events []struct {
				ID       string `xml:"id,attr"`
				GUID     string `xml:"guid,attr"`
				Date     string `xml:"date"`
				Start    string `xml:"start"`
				Duration string `xml:"duration"`
				Room     string `xml:"room"`
				Slug     string `xml:"slug"`
				URL      string `xml:"url"`
				Title    string `xml:"title"`
				Subtitle string `xml:"subtitle"`
				Track    string `xml:"track"`
				Type     string `xml:"type"`
				Abstract string `xml:"abstract"`
				Persons  []struct {
					Name string `xml:",chardata"`
				} `xml:"persons>person"`
				Links []struct {
					Href  string `xml:"href,attr"`
					Title string `xml:",chardata"`
				} `xml:"links>link"`
			} `xml:"event"`
		} `xml:"room"`
	} `xml:"day"`
}

func parseXML(data []byte) (*Conference, error) {
	var s xmlSchedule
	if err := xml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("not frab XML: %w", err)
	}
	c := s.Conference
	conf := &Conference{Title: strings.TrimSpace(c.Title), Acronym: strings.TrimSpace(c.Acronym),
		TimeZone: strings.TrimSpace(c.TimeZoneName), Start: strings.TrimSpace(c.Start), BaseURL: strings.TrimSpace(c.BaseURL)}
	for _, day := range s.Days {
		for _, room := range day.Rooms {
			for _, e := range room.Events {
				ev := Event{GUID: e.GUID, Slug: strings.TrimSpace(e.Slug), Date: strings.TrimSpace(e.Date), DayDate: day.Date, DayStart: day.Start,
					Start: strings.TrimSpace(e.Start), Duration: strings.TrimSpace(e.Duration), Room: strings.TrimSpace(e.Room),
					Title: strings.TrimSpace(e.Title), Subtitle: strings.TrimSpace(e.Subtitle), Track: strings.TrimSpace(e.Track),
					Type: strings.TrimSpace(e.Type), Abstract: strings.TrimSpace(e.Abstract), URL: strings.TrimSpace(e.URL)}
				ev.ID, _ = strconv.Atoi(e.ID)
				if ev.Room == "" {
					ev.Room = room.Name
				}
				for _, p := range e.Persons {
					if name := strings.TrimSpace(p.Name); name != "" {
						ev.Persons = append(ev.Persons, name)
					}
				}
				for _, l := range e.Links {
					if href := strings.TrimSpace(l.Href); href != "" {
						ev.Links = append(ev.Links, Link{Title: strings.TrimSpace(l.Title), URL: href})
					}
				}
				conf.Events = append(conf.Events, ev)
			}
		}
	}
	return conf, nil
}

var clockRE = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})(:[0-9]{2})?$`)

// Instant is when e starts: its full date when the file gives one, else its
// clock time on its day's date in loc, on the next date when that is before
// the day's start (a day that runs past midnight).
func (e Event) Instant(loc *time.Location) (time.Time, error) {
	if e.Date != "" {
		t, err := time.Parse(time.RFC3339, e.Date)
		if err != nil {
			return time.Time{}, fmt.Errorf("event %s: date %q is not a date-time like 2022-09-06T10:00:00+02:00", e.name(), e.Date)
		}
		return t.In(loc), nil
	}
	if t, err := time.Parse(time.RFC3339, e.Start); err == nil {
		return t.In(loc), nil // the c3voc schema's start, a date-time
	}
	m := clockRE.FindStringSubmatch(e.Start)
	day, err := time.ParseInLocation("2006-01-02", e.DayDate, loc)
	if m == nil || err != nil {
		return time.Time{}, fmt.Errorf("event %s: start %q on day %q is not a time on a date", e.name(), e.Start, e.DayDate)
	}
	h, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	t := time.Date(day.Year(), day.Month(), day.Day(), h, mm, 0, 0, loc)
	if ds, err := time.Parse(time.RFC3339, e.DayStart); err == nil && t.Before(ds) {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// Length is e's duration.
func (e Event) Length() (time.Duration, error) {
	m := clockRE.FindStringSubmatch(e.Duration)
	if m == nil {
		return 0, fmt.Errorf("event %s: duration %q is not hours and minutes like 00:30", e.name(), e.Duration)
	}
	h, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	return time.Duration(h)*time.Hour + time.Duration(mm)*time.Minute, nil
}

func (e Event) name() string {
	switch {
	case e.Slug != "":
		return e.Slug
	case e.GUID != "":
		return e.GUID
	}
	return fmt.Sprintf("%d (%q)", e.ID, e.Title)
}
