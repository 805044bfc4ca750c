package frab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"workshopbot/bot"
)

// Options steer Import.
type Options struct {
	// TimeZone overrides the file's time zone (an IANA name).
	TimeZone string
	// Kinds maps an event type or track (case-insensitive) to a session kind,
	// ahead of the guesses from type and title.
	Kinds map[string]bot.Kind
}

// Program is a frab schedule as the bot's program: the workshop header, the
// rooms and the sessions.
type Program struct {
	Name, ShortName string
	Location        *time.Location
	Date            time.Time // midnight of the first date, in Location
	Rooms           []string  // in order of first use; empty for a single-room program
	Sessions        []bot.Session
	// Warnings are what the organizer should check (a guessed time zone).
	Warnings []string
}

// Import turns a frab schedule into the bot's program.
func Import(c *Conference, o Options) (*Program, error) {
	p := &Program{Name: strings.TrimSpace(c.Title), ShortName: strings.TrimSpace(c.Acronym)}
	if p.Name == "" {
		p.Name = p.ShortName
	}
	if p.Name == "" {
		return nil, fmt.Errorf("the conference has no title or acronym")
	}
	if len(c.Events) == 0 {
		return nil, fmt.Errorf("the schedule has no events")
	}
	loc, warn, err := location(c, o.TimeZone)
	if err != nil {
		return nil, err
	}
	p.Location = loc
	if warn != "" {
		p.Warnings = append(p.Warnings, warn)
	}
	events, err := timedEvents(c, loc)
	if err != nil {
		return nil, err
	}
	rooms := []string{}
	for _, e := range events {
		if e.Room != "" && !slices.Contains(rooms, e.Room) {
			rooms = append(rooms, e.Room)
		}
	}
	if len(rooms) > 1 {
		p.Rooms = rooms
	}
	first := events[0].start
	p.Date = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	if d, err := time.ParseInLocation("2006-01-02", c.Start, loc); err == nil && d.Before(p.Date) {
		p.Date = d
	}
	ids := map[string]int{}
	posters := 0
	for _, e := range events {
		s := bot.Session{Start: e.start, Title: cleanText(e.Title)}
		if e.dur > 0 {
			s.End = e.start.Add(e.dur)
		}
		if s.Title == "" {
			s.Title = e.name()
		}
		s.ID = uniqueID(ids, eventID(e.Event))
		s.Kind = kind(e.Event, o.Kinds)
		if s.Kind == bot.KindPosters {
			posters++
			s.PosterSession = posters
		}
		for _, name := range e.Persons {
			if name = cleanText(name); name != "" {
				s.Speakers = append(s.Speakers, name)
			}
		}
		s.Links = links(e.Event, c.BaseURL)
		if len(p.Rooms) > 0 {
			s.Room = e.Room
		}
		p.Sessions = append(p.Sessions, s)
	}
	return p, nil
}

// timedEvent is an event with its start and length read.
type timedEvent struct {
	Event
	start time.Time
	dur   time.Duration
}

// timedEvents reads the events' starts and lengths in loc, in a stable order.
func timedEvents(c *Conference, loc *time.Location) ([]timedEvent, error) {
	events := make([]timedEvent, 0, len(c.Events))
	for _, e := range c.Events {
		t, err := e.Instant(loc)
		if err != nil {
			return nil, err
		}
		d, err := e.Length()
		if err != nil {
			return nil, err
		}
		events = append(events, timedEvent{e, t, d})
	}
	// JSON keeps rooms in a map: order by time, then room, then id, so that an
	// import is the same every time.
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		if a.Room != b.Room {
			return a.Room < b.Room
		}
		return a.ID < b.ID
	})
	return events, nil
}

var etcRE = regexp.MustCompile(`^Etc/GMT([+-][0-9]+)$`)

// location is the program's time zone: the override, the file's
// time_zone_name, or (with a warning) a fixed offset read from the events'
// dates, or UTC when the file gives none.
func location(c *Conference, override string) (*time.Location, string, error) {
	name := override
	if name == "" {
		name = c.TimeZone
	}
	if name != "" {
		loc, err := time.LoadLocation(name)
		if err != nil || name == "Local" {
			return nil, "", fmt.Errorf("time zone %q is not an IANA time zone (like Europe/Berlin)", name)
		}
		return loc, "", nil
	}
	var dates []string
	for _, e := range c.Events {
		dates = append(dates, e.Date, e.DayStart)
	}
	for _, d := range dates {
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			continue
		}
		_, off := t.Zone()
		if off%3600 != 0 {
			return nil, "", fmt.Errorf("the file names no time zone and its dates are at UTC%s; pass --timezone with the conference's IANA zone", t.Format("-07:00"))
		}
		if off == 0 {
			return time.UTC, "the file names no time zone; its dates are in UTC, so the program is too (pass --timezone to choose the conference's)", nil
		}
		// Etc/GMT's sign is inverted: Etc/GMT-1 is UTC+1.
		zone := fmt.Sprintf("Etc/GMT%+d", -off/3600)
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return nil, "", fmt.Errorf("time zone %s: %w", zone, err)
		}
		return loc, fmt.Sprintf("the file names no time zone; its dates are at UTC%s, so the program uses %s, which knows no summer time (pass --timezone, e.g. Europe/Berlin, to name the conference's)", t.Format("-07:00"), zone), nil
	}
	return time.UTC, "the file names no time zone and gives only clock times; they are read as UTC (pass --timezone, e.g. Europe/Brussels, to name the conference's)", nil
}

// eventID is the session id for e: from its slug, else its guid, else its id.
func eventID(e Event) string {
	for _, s := range []string{e.Slug, e.GUID} {
		if id := bot.Slug(s); id != "" {
			return id
		}
	}
	if e.ID > 0 {
		return "event-" + strconv.Itoa(e.ID)
	}
	if id := bot.Slug(e.Title); id != "" {
		return id
	}
	return "event"
}

func uniqueID(seen map[string]int, id string) string {
	seen[id]++
	if n := seen[id]; n > 1 {
		id = fmt.Sprintf("%s-%d", strings.TrimRight(id[:min(len(id), 95)], "-"), n)
		seen[id]++
	}
	return id
}

// kind maps an event to a session kind: the --kinds mapping by type, then by
// track; a type that is a kind's name (as `export frab` writes); then guesses
// from the type and the title.
func kind(e Event, kinds map[string]bot.Kind) bot.Kind {
	for _, key := range []string{e.Type, e.Track} {
		for k, v := range kinds {
			if key != "" && strings.EqualFold(k, key) {
				return v
			}
		}
	}
	if slices.Contains(bot.Kinds, bot.Kind(strings.ToLower(e.Type))) {
		return bot.Kind(strings.ToLower(e.Type))
	}
	text := strings.ToLower(e.Type + " " + e.Title)
	for _, g := range guesses {
		for _, w := range g.words {
			if strings.Contains(text, w) {
				return g.kind
			}
		}
	}
	return bot.KindOther
}

// guesses are tried in order; the first word found in the type or title wins.
var guesses = []struct {
	kind  bot.Kind
	words []string
}{
	{bot.KindBreak, []string{"coffee", "lunch", "break", "dinner", "breakfast"}},
	{bot.KindClosing, []string{"closing", "farewell"}},
	{bot.KindOpening, []string{"opening", "welcome"}},
	{bot.KindPosters, []string{"poster"}},
	{bot.KindPanel, []string{"panel"}},
	{bot.KindInvited, []string{"keynote", "invited"}},
	{bot.KindSpotlight, []string{"spotlight", "lightning"}},
}

// links are e's URL (named "event") and links (named from their titles). An
// event URL that only points into the schedule (base_url#slug, as `export
// frab` writes for a session with no page) is left out.
func links(e Event, base string) []bot.Link {
	var out []bot.Link
	add := func(name, u string) {
		u = strings.TrimSpace(u)
		if u == "" || !webURL(u) {
			return
		}
		name = bot.Slug(name)
		if name == "" {
			name = "link"
		}
		for n, try := 2, name; ; n++ {
			dup := slices.ContainsFunc(out, func(l bot.Link) bool { return l.Name == try })
			if !dup {
				out = append(out, bot.Link{Name: try, URL: u})
				return
			}
			try = fmt.Sprintf("%s-%d", name, n)
		}
	}
	if e.URL != "" && !(base != "" && e.URL == ownURL(base, e.Slug)) {
		add("event", e.URL)
	}
	for _, l := range e.Links {
		add(l.Title, l.URL)
	}
	return out
}

func ownURL(base, slug string) string { return strings.TrimRight(base, "#") + "#" + slug }

func webURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && len(s) > len("https://")
}

// cleanText makes s one line of printable text.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// ParseKinds reads a --kinds file: a YAML mapping of event types or tracks to
// session kinds, like `Keynote: invited`.
func ParseKinds(path string, data []byte) (map[string]bot.Kind, error) {
	var m map[string]string
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: want a mapping of event types to kinds, like \"Keynote: invited\": %v", path, err)
	}
	out := map[string]bot.Kind{}
	for k, v := range m {
		if !slices.Contains(bot.Kinds, bot.Kind(v)) {
			names := make([]string, len(bot.Kinds))
			for i, k := range bot.Kinds {
				names[i] = string(k)
			}
			return nil, fmt.Errorf("%s: %s: %q is not a kind; want one of %s", path, k, v, strings.Join(names, ", "))
		}
		out[k] = bot.Kind(v)
	}
	return out, nil
}

// WriteYAML writes p as a schedule.yaml. source says where it came from, for
// the comment at the top; liveURL, when set, makes the file read its sessions
// from that URL on every reload (`source: {frab: URL}`).
func (p *Program) WriteYAML(source string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Imported by `workshopbot import frab %s`.\n", source)
	b.WriteString("# Check it with `workshopbot check`; docs/FORMATS.md has the full reference.\n\n")
	b.WriteString("workshop:\n")
	fmt.Fprintf(&b, "  name: %s\n", q(p.Name))
	if p.ShortName != "" && p.ShortName != p.Name {
		fmt.Fprintf(&b, "  short_name: %s\n", q(p.ShortName))
	}
	fmt.Fprintf(&b, "  timezone: %s\n", q(p.Location.String()))
	fmt.Fprintf(&b, "  date: %s\n", p.Date.Format("2006-01-02"))
	if len(p.Rooms) > 0 {
		b.WriteString("\n# Each room may name its own announcements channel and links, e.g.\n")
		b.WriteString("#   - name: Main Hall\n#     announcements: main-hall\n#     links: {stream: https://...}\nrooms:\n")
		for _, r := range p.Rooms {
			fmt.Fprintf(&b, "  - name: %s\n", q(r))
		}
	}
	b.WriteString("\nsessions:\n")
	for i, s := range p.Sessions {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  - id: %s\n", s.ID)
		fmt.Fprintf(&b, "    start: %q\n", s.Start.Format(time.RFC3339))
		if !s.End.IsZero() {
			fmt.Fprintf(&b, "    end: %q\n", s.End.Format(time.RFC3339))
		}
		fmt.Fprintf(&b, "    kind: %s\n", s.Kind)
		if s.PosterSession > 0 {
			fmt.Fprintf(&b, "    poster_session: %d\n", s.PosterSession)
		}
		if s.Room != "" {
			fmt.Fprintf(&b, "    room: %s\n", q(s.Room))
		}
		fmt.Fprintf(&b, "    title: %s\n", q(s.Title))
		if len(s.Speakers) > 0 {
			b.WriteString("    speakers:\n")
			for _, sp := range s.Speakers {
				fmt.Fprintf(&b, "      - %s\n", q(sp))
			}
		}
		if len(s.Links) > 0 {
			b.WriteString("    links:\n")
			for _, l := range s.Links {
				fmt.Fprintf(&b, "      %s: %s\n", l.Name, q(l.URL))
			}
		}
	}
	return b.Bytes()
}

var plainRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ._/()&,+'-]*[A-Za-z0-9.)]$`)

// q writes s as a YAML scalar: plain when that reads back as the same text,
// else double-quoted (a JSON string is a valid YAML double-quoted scalar).
func q(s string) string {
	if plainRE.MatchString(s) && !strings.Contains(s, " #") {
		switch strings.ToLower(s) {
		case "yes", "no", "true", "false", "on", "off", "null", "y", "n":
		default:
			return s
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
