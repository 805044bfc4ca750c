package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the schedule must resolve the same time zones on every machine, tzdata installed or not
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// MaxScheduleSize is the largest schedule.yaml accepted. A real program is a few
// kilobytes; anything near this is a mistake (a wrong file, a runaway paste).
const MaxScheduleSize = 1 << 20

// Defaults for what schedule.yaml may leave out.
const (
	DefaultAnnouncements  = "announcements"
	DefaultPanelQuestions = "panel-questions"
	DefaultModChannel     = "workshop-moderators"
	DefaultModerators     = "Moderators"
	DefaultPosterCategory = "Posters"
	DefaultReload         = "@every 30s"
	DefaultCatchUp        = 5 * time.Minute
	DefaultPerTenMinutes  = 5
	// DefaultSessionLength is the length of the last session when it gives no end.
	DefaultSessionLength = 30 * time.Minute
)

// DefaultEventKinds are the kinds of session mirrored as Discord scheduled events
// when schedule.yaml's discord.events is absent: everything but breaks.
var DefaultEventKinds = NewKindSet(KindOpening, KindInvited, KindSpotlight, KindPosters, KindPanel, KindClosing, KindOther)

// DefaultLeads are the reminder lead times used when schedule.yaml gives none.
var DefaultLeads = []time.Duration{15 * time.Minute, 0}

// The keys each block of schedule.yaml accepts, in the order error messages list them.
var (
	topKeys       = []string{"workshop", "discord", "reminders", "questions", "green_room", "source", "rooms", "sessions"}
	workshopKeys  = []string{"name", "short_name", "timezone", "date", "links"}
	discordKeys   = []string{"guild", "announcements", "panel_questions", "moderators_channel", "moderators_role", "reminder_role", "poster_category", "events"}
	reminderKeys  = []string{"leads", "reload", "catch_up"}
	questionsKeys = []string{"moderated", "per_ten_minutes"}
	sessionKeys   = []string{"id", "start", "end", "kind", "title", "speakers", "checkin", "chair", "links", "poster_session", "recording", "room"}
)

// LoadSchedule reads and parses the schedule file at path.
func LoadSchedule(path string) (*Schedule, error) {
	data, errs := readFile(path, MaxScheduleSize)
	if len(errs) > 0 {
		return nil, errs
	}
	return ParseSchedule(path, data)
}

// ParseSchedule parses and validates the contents of a schedule.yaml. path is
// only used in error messages. On failure the error is an Errors holding every
// problem found, each with its line.
func ParseSchedule(path string, data []byte) (*Schedule, error) {
	s, errs := parseSchedule(path, data)
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// Session returns the session with the given id.
func (s *Schedule) Session(id string) (Session, bool) {
	for _, sess := range s.Sessions {
		if sess.ID == id {
			return sess, true
		}
	}
	return Session{}, false
}

// Link returns the URL named name for sess: the session's own link if it has
// one, else its room's, else the workshop-wide one.
func (s *Schedule) Link(sess Session, name string) (string, bool) {
	if u, ok := findLink(sess.Links, name); ok {
		return u, true
	}
	if r, ok := s.Room(sess.Room); ok && sess.Room != "" {
		if u, ok := findLink(r.Links, name); ok {
			return u, true
		}
	}
	return findLink(s.Workshop.Links, name)
}

func findLink(links []Link, name string) (string, bool) {
	for _, l := range links {
		if l.Name == name {
			return l.URL, true
		}
	}
	return "", false
}

// parseSchedule is ParseSchedule that also returns what it could read when
// there are errors, so that LoadProgram can still check posters against the
// poster sessions. The schedule is nil only when the file is not YAML at all.
func parseSchedule(path string, data []byte) (*Schedule, Errors) {
	root, errs := readScheduleYAML(path, data)
	if len(errs) > 0 {
		return nil, errs
	}
	d := &yamlDecoder{file: path}
	s := d.schedule(root)
	s.Path = path
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	return s, d.errs
}

// readScheduleYAML is the node tree of a schedule file, once its size and text
// are found acceptable.
func readScheduleYAML(path string, data []byte) (*yaml.Node, Errors) {
	if len(data) > MaxScheduleSize {
		return nil, Errors{sizeError(path, len(data), MaxScheduleSize)}
	}
	if errs := checkText(path, data); len(errs) > 0 {
		return nil, errs
	}
	return decodeYAML(path, data)
}

// decodeYAML turns data into a node tree, with one error carrying a line when it
// is not a single YAML document.
func decodeYAML(path string, data []byte) (root *yaml.Node, errs Errors) {
	// yaml.v3 reports problems by panicking and recovering its own panics; should
	// an input ever escape that, the organizer still gets an error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			root, errs = nil, Errors{{File: path, Line: 1, Msg: fmt.Sprintf("not valid YAML: %v", p)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) || err == nil && len(doc.Content) == 0 {
		return nil, Errors{{File: path, Line: 1, Msg: "file is empty; want a mapping with at least workshop: and sessions:"}}
	}
	if err != nil {
		return nil, Errors{yamlError(path, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{yamlError(path, nil, err)}
	default:
		return nil, Errors{{File: path, Line: extra.Line, Msg: "a second YAML document starts here (after ---); put everything in one"}}
	}
	return doc.Content[0], nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// yamlError turns a yaml.v3 syntax error in the first document of data into a
// FileError. yaml.v3 gives the line of the enclosing block rather than of the
// problem (for some errors one too early, and none on the first line), so the
// line is found again by parsing ever longer prefixes of data; nil data keeps
// yaml.v3's line.
func yamlError(path string, data []byte, err error) FileError {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if data != nil {
		if l := failingLine(data, err.Error()); l > 0 {
			line = l
		}
	}
	return FileError{File: path, Line: line, Msg: "not valid YAML: " + msg + " (check the indentation, and quote values that contain \": \" or start with a special character)"}
}

// failingLine returns the smallest n such that the first n lines of data fail
// to parse with the error full, or 0 if none does. Once the parser meets an
// error, longer prefixes meet the same one, so a binary search finds it.
func failingLine(data []byte, full string) int {
	ends := []int{} // ends[i] is the offset just after line i+1
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.NewDecoder(bytes.NewReader(data[:ends[n-1]])).Decode(&doc)
		return err != nil && err.Error() == full
	}
	n := sort.Search(len(ends), func(i int) bool { return fails(i + 1) }) + 1
	if n > len(ends) {
		return 0
	}
	return n
}

// yamlDecoder walks a node tree, collecting every error it meets.
type yamlDecoder struct {
	file string
	errs Errors
}

func (d *yamlDecoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line := 1
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	d.errs = append(d.errs, FileError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// entry is one key: value pair of a mapping.
type entry struct {
	key, value *yaml.Node
}

// fields reads mapping n, reporting anything but a mapping, keys given twice and
// keys not in valid. The result maps each valid key present to its entry.
func (d *yamlDecoder) fields(n *yaml.Node, path string, valid []string) map[string]entry {
	n = deref(n)
	if isNull(n) {
		return map[string]entry{} // an empty block: every key takes its default
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping (key: value lines) with keys among %s, not %s", strings.Join(valid, ", "), describe(n))
		return nil
	}
	m := make(map[string]entry, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "a key must be a plain name, not %s", describe(k))
			continue
		}
		name := k.Value
		if !slices.Contains(valid, name) {
			d.errorf(k, path, "unknown key %q%s; valid keys: %s", name, suggest(name, valid), strings.Join(valid, ", "))
			continue
		}
		if prev, ok := m[name]; ok {
			d.errorf(k, join(path, name), "key given twice; it is first given at line %d", prev.key.Line)
			continue
		}
		m[name] = entry{k, v}
	}
	return m
}

// text reads a scalar as text. A null (`key:` with nothing after it) is "".
func (d *yamlDecoder) text(n *yaml.Node, field string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, field, "want text, not %s", describe(n))
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	// checkText has seen the file's raw bytes; a double-quoted scalar can still
	// spell control characters as escapes ("\x1b[31m", "\u0007").
	for _, r := range n.Value {
		if r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0) {
			d.errorf(n, field, "control character %U (written as an escape) is not allowed; delete it", r)
			return "", false
		}
	}
	return strings.TrimSpace(n.Value), true
}

// required reads the text at key of m, reporting it missing or empty.
func (d *yamlDecoder) required(m map[string]entry, parent *yaml.Node, path, key, example string) (string, *yaml.Node) {
	e, ok := m[key]
	if !ok {
		d.errorf(parent, join(path, key), "missing; add it, e.g. %s: %s", key, example)
		return "", parent
	}
	v, ok := d.text(e.value, join(path, key))
	if ok && v == "" {
		d.errorf(e.value, join(path, key), "is empty; give a value, e.g. %s: %s", key, example)
	}
	return v, e.value
}

// name reads an optional non-empty name into *dst, which holds the default.
func (d *yamlDecoder) name(m map[string]entry, path, key string, dst *string) {
	e, ok := m[key]
	if !ok {
		return
	}
	v, ok := d.text(e.value, join(path, key))
	switch {
	case !ok:
	case v == "":
		d.errorf(e.value, join(path, key), "is empty; remove the line to use the default %q", *dst)
	case utf8.RuneCountInString(v) > MaxChannelName:
		d.errorf(e.value, join(path, key), "is %d characters; Discord names have at most %d", utf8.RuneCountInString(v), MaxChannelName)
	default:
		*dst = v
	}
}

// integer reads an integer in [lo, hi].
func (d *yamlDecoder) integer(n *yaml.Node, field string, lo, hi int) (int, bool) {
	v, ok := d.text(n, field)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < lo || i > hi {
		d.errorf(n, field, "%q is not a whole number from %d to %d", v, lo, hi)
		return 0, false
	}
	return i, true
}

// duration reads a Go duration that is not negative, like 15m or 1h30m.
func (d *yamlDecoder) duration(n *yaml.Node, field string) (time.Duration, bool) {
	v, ok := d.text(n, field)
	if !ok {
		return 0, false
	}
	t, err := time.ParseDuration(v)
	if err != nil || t < 0 {
		d.errorf(n, field, "%q is not a duration; want a length of time like 15m, 1h30m or 0m", v)
		return 0, false
	}
	return t, true
}

// links reads a mapping of names to http(s) URLs, in file order.
func (d *yamlDecoder) links(n *yaml.Node, path string) []Link {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of names to URLs (like zoom: https://...), not %s", describe(n))
		return nil
	}
	var links []Link
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || strings.TrimSpace(k.Value) == "" {
			d.errorf(k, path, "a link name must be a plain name like zoom, not %s", describe(k))
			continue
		}
		name := strings.TrimSpace(k.Value)
		field := join(path, name)
		if _, dup := findLink(links, name); dup {
			d.errorf(k, field, "link given twice; keep one")
			continue
		}
		u, ok := d.text(v, field)
		if !ok {
			continue
		}
		if msg := checkURL(u); msg != "" {
			d.errorf(v, field, "%s", msg)
			continue
		}
		links = append(links, Link{Name: name, URL: u})
	}
	return links
}

// url reads an optional http(s) URL.
func (d *yamlDecoder) url(n *yaml.Node, field string) string {
	u, ok := d.text(n, field)
	if !ok || u == "" {
		return ""
	}
	if msg := checkURL(u); msg != "" {
		d.errorf(n, field, "%s", msg)
		return ""
	}
	return u
}

// texts reads a list of non-empty strings; a single string is a list of one.
func (d *yamlDecoder) texts(n *yaml.Node, field string) []string {
	return d.checkedTexts(n, field, "[Ada Lovelace, Alan Turing]", nil)
}

// checkedTexts is texts with each item passed through check, which reports
// what is wrong with it and returns "" to leave it out. example is a valid list.
func (d *yamlDecoder) checkedTexts(n *yaml.Node, field, example string, check func(n *yaml.Node, field, v string) string) []string {
	if check == nil {
		check = func(_ *yaml.Node, _, v string) string { return v }
	}
	n = deref(n)
	if n.Kind == yaml.ScalarNode {
		v, ok := d.text(n, field)
		if !ok || v == "" {
			return nil
		}
		if v = check(n, field, v); v == "" {
			return nil
		}
		return []string{v}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "want a list like %s, not %s", example, describe(n))
		return nil
	}
	var out []string
	for i, c := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		v, ok := d.text(c, f)
		if !ok {
			continue
		}
		if v == "" {
			d.errorf(c, f, "is empty; remove it or give a name")
			continue
		}
		if v = check(c, f, v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// schedule reads the whole file.
func (d *yamlDecoder) schedule(root *yaml.Node) *Schedule {
	s := &Schedule{
		Discord: DiscordConfig{
			Announcements:  DefaultAnnouncements,
			PanelQuestions: DefaultPanelQuestions,
			ModChannel:     DefaultModChannel,
			Moderators:     DefaultModerators,
			PosterCategory: DefaultPosterCategory,
			Events:         DefaultEventKinds,
		},
		Reminders: ReminderConfig{
			Leads:   append([]time.Duration(nil), DefaultLeads...),
			Reload:  DefaultReload,
			CatchUp: DefaultCatchUp,
		},
		Questions: QuestionsConfig{PerTenMinutes: DefaultPerTenMinutes},
		GreenRoom: DefaultGreenRoom(),
	}
	m := d.fields(root, "", topKeys)
	if m == nil {
		return s
	}
	day, dayOK := time.Time{}, false
	if e, ok := m["workshop"]; ok {
		s.Workshop, dayOK = d.workshop(e.value)
		day = s.Workshop.Date
	} else {
		d.errorf(root, "workshop", "missing; add a workshop: block with name, timezone and date")
	}
	if e, ok := m["discord"]; ok {
		d.discord(e.value, &s.Discord)
	}
	if e, ok := m["reminders"]; ok {
		d.reminders(e.value, &s.Reminders)
	}
	if e, ok := m["questions"]; ok {
		d.questions(e.value, &s.Questions)
	}
	if e, ok := m["green_room"]; ok {
		d.greenRoom(e.value, &s.GreenRoom)
	}
	if e, ok := m["source"]; ok {
		// Read with its source, the file has no source: key left (source.go).
		if s.Source = d.source(e.value); s.Source != "" {
			d.errorf(e.value, "source", "the sessions come from %s, which this command does not read; "+
				"the bot, check, ics and export frab read it", s.Source)
		}
		return s
	}
	if e, ok := m["rooms"]; ok {
		s.Rooms = d.rooms(e.value)
	}
	if e, ok := m["sessions"]; ok {
		s.Sessions = d.sessions(e.value, day, dayOK)
		d.checkRooms(s.Rooms, s.Sessions)
		if HasGreenRoom(s) {
			s.Discord.GreenRoom = s.GreenRoom.Channel
		}
	} else {
		d.errorf(root, "sessions", "missing; add a sessions: list with at least one session")
	}
	return s
}

// workshop reads the workshop block. ok reports whether Date (and its Location)
// are real, so that session times can be checked against each other.
func (d *yamlDecoder) workshop(n *yaml.Node) (w Workshop, ok bool) {
	w.Location, w.Date = time.UTC, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	m := d.fields(n, "workshop", workshopKeys)
	if m == nil {
		return w, false
	}
	w.Name, _ = d.required(m, n, "workshop", "name", "The Symbiosis of Deep Learning and Differential Equations")
	w.ShortName = w.Name
	if e, ok := m["short_name"]; ok {
		if v, ok := d.text(e.value, "workshop.short_name"); ok && v != "" {
			w.ShortName = v
		}
	}
	tz, tzNode := d.required(m, n, "workshop", "timezone", "America/New_York")
	locOK := false
	if tz != "" {
		if loc, msg := loadLocation(tz); msg != "" {
			d.errorf(tzNode, "workshop.timezone", "%s", msg)
		} else {
			w.Location, locOK = loc, true
		}
	}
	date, dateNode := d.required(m, n, "workshop", "date", "2021-12-14")
	dateOK := false
	if date != "" {
		t, err := time.ParseInLocation(time.DateOnly, date, w.Location)
		switch {
		case err != nil:
			d.errorf(dateNode, "workshop.date", "%q is not a date; want YYYY-MM-DD, like 2021-12-14", date)
		case t.Year() < minYear || t.Year() > maxYear:
			d.errorf(dateNode, "workshop.date", "%q is not a plausible workshop date; want a year from %d to %d", date, minYear, maxYear)
		default:
			w.Date, dateOK = t, true
		}
	}
	if e, ok := m["links"]; ok {
		w.Links = d.links(e.value, "workshop.links")
	}
	return w, locOK && dateOK
}

// loadLocation loads an IANA zone, or says why tz is not one.
func loadLocation(tz string) (*time.Location, string) {
	if tz == "Local" {
		return nil, `"Local" depends on the machine the bot runs on; name an IANA time zone (like America/New_York)`
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Sprintf("%q is not an IANA time zone (like America/New_York)", tz)
	}
	return loc, ""
}

func (d *yamlDecoder) discord(n *yaml.Node, c *DiscordConfig) {
	m := d.fields(n, "discord", discordKeys)
	if e, ok := m["guild"]; ok {
		if v, ok := d.text(e.value, "discord.guild"); ok {
			if v != "" && !snowflakeRE.MatchString(v) {
				d.errorf(e.value, "discord.guild", "%q is not a server id; want its 17-20 digit id (Copy Server ID in Discord), or \"\"", v)
			} else {
				c.GuildID = v
			}
		}
	}
	d.name(m, "discord", "announcements", &c.Announcements)
	d.name(m, "discord", "panel_questions", &c.PanelQuestions)
	d.name(m, "discord", "moderators_channel", &c.ModChannel)
	d.name(m, "discord", "moderators_role", &c.Moderators)
	d.name(m, "discord", "poster_category", &c.PosterCategory)
	if e, ok := m["reminder_role"]; ok {
		if v, ok := d.text(e.value, "discord.reminder_role"); ok {
			c.ReminderRole = v
		}
	}
	if e, ok := m["events"]; ok {
		c.Events = d.eventKinds(e.value)
	}
}

func (d *yamlDecoder) reminders(n *yaml.Node, c *ReminderConfig) {
	m := d.fields(n, "reminders", reminderKeys)
	if e, ok := m["leads"]; ok && !isNull(e.value) {
		c.Leads = d.leads(e.value)
	}
	if e, ok := m["reload"]; ok {
		if v, ok := d.text(e.value, "reminders.reload"); ok {
			if msg := checkCron(v); msg != "" {
				d.errorf(e.value, "reminders.reload", "%s", msg)
			} else {
				c.Reload = v
			}
		}
	}
	if e, ok := m["catch_up"]; ok {
		if t, ok := d.duration(e.value, "reminders.catch_up"); ok {
			c.CatchUp = t
		}
	}
}

func (d *yamlDecoder) leads(n *yaml.Node) []time.Duration {
	n = deref(n)
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	leads := []time.Duration{}
	for i, c := range items {
		field := "reminders.leads"
		if n.Kind == yaml.SequenceNode {
			field = fmt.Sprintf("reminders.leads[%d]", i)
		}
		t, ok := d.duration(c, field)
		if !ok {
			continue
		}
		if t > MaxLead {
			d.errorf(c, field, "%s is more than %s before a session; a lead is at most 7 days (168h)", formatDuration(t), formatDuration(MaxLead))
			continue
		}
		if slices.Contains(leads, t) {
			d.errorf(c, field, "%s is listed twice; list each lead once", formatDuration(t))
			continue
		}
		leads = append(leads, t)
	}
	return leads
}

// checkCron says what is wrong with a cron spec, or "" if nothing is.
func checkCron(spec string) (msg string) {
	bad := fmt.Sprintf("%q is not a cron spec; want 5 fields (like \"*/1 * * * *\") or a descriptor like \"@every 30s\"", spec)
	// cron v3.0.1 panics on some malformed "TZ=" prefixes instead of erring.
	defer func() {
		if recover() != nil {
			msg = bad
		}
	}()
	if spec == "" {
		return bad
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return bad
	}
	return ""
}

func (d *yamlDecoder) questions(n *yaml.Node, c *QuestionsConfig) {
	m := d.fields(n, "questions", questionsKeys)
	if e, ok := m["moderated"]; ok {
		if v, ok := d.text(e.value, "questions.moderated"); ok {
			switch v {
			case "true":
				c.Moderated = true
			case "false", "":
				c.Moderated = false
			default:
				d.errorf(e.value, "questions.moderated", "%q is not true or false", v)
			}
		}
	}
	if e, ok := m["per_ten_minutes"]; ok {
		if i, ok := d.integer(e.value, "questions.per_ten_minutes", 1, 100); ok {
			c.PerTenMinutes = i
		}
	}
}

// parsedSession is a session with what validation needs to know about how it
// was written.
type parsedSession struct {
	Session
	path     string
	node     *yaml.Node
	idNode   *yaml.Node // nil when the id was made from the title
	endGiven bool
	timesOK  bool
}

// sessions reads the sessions list, fills in defaults and returns the sessions
// sorted by start. day is the workshop date; when !dayOK, times are read for
// their format only.
func (d *yamlDecoder) sessions(n *yaml.Node, day time.Time, dayOK bool) []Session {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "sessions", "want a list of sessions (lines starting with \"- \"), not %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(n, "sessions", "is empty; add at least one session")
		return nil
	}
	ps := make([]parsedSession, 0, len(n.Content))
	for i, c := range n.Content {
		ps = append(ps, d.session(deref(c), fmt.Sprintf("sessions[%d]", i), day))
	}
	d.checkIDs(ps)
	d.checkPosterSessions(ps)
	if !dayOK {
		return plain(ps)
	}
	d.checkNearDay(ps, day)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Start.Before(ps[j].Start) })
	for i := range ps {
		p := &ps[i]
		if !p.timesOK || p.endGiven {
			continue
		}
		p.End = p.Start.Add(DefaultSessionLength)
		for _, q := range ps[i+1:] {
			if q.timesOK && q.Start.After(p.Start) {
				p.End = q.Start
				break
			}
		}
	}
	return plain(ps)
}

func plain(ps []parsedSession) []Session {
	out := make([]Session, len(ps))
	for i, p := range ps {
		out[i] = p.Session
	}
	return out
}

func (d *yamlDecoder) session(n *yaml.Node, path string, day time.Time) parsedSession {
	p := parsedSession{path: path, node: n}
	p.Line = n.Line
	m := d.fields(n, path, sessionKeys)
	if m == nil {
		return p
	}
	p.Title, _ = d.required(m, n, path, "title", "Invited Talk 1")
	kind, kindNode := d.required(m, n, path, "kind", "invited")
	if kind != "" {
		if slices.Contains(Kinds, Kind(kind)) {
			p.Kind = Kind(kind)
		} else {
			d.errorf(kindNode, path+".kind", "%q is not a kind; want one of %s", kind, kindList())
		}
	}
	if e, ok := m["id"]; ok {
		if v, ok := d.text(e.value, path+".id"); ok {
			if v == "" || Slug(v) != v {
				d.errorf(e.value, path+".id", "%q is not an id; use lower-case letters, digits and dashes, like %q", v, suggestID(v, p.Title))
			}
			p.ID, p.idNode = v, e.value
		}
	} else {
		p.ID = Slug(p.Title)
		if p.ID == "" && p.Title != "" {
			d.errorf(n, path+".id", "no id can be made from the title %q (it has no latin letters or digits); add an id", p.Title)
		}
	}
	start, startNode := d.required(m, n, path, "start", `"09:00"`)
	startOK := false
	if start != "" {
		p.Start, startOK = d.instant(startNode, path+".start", start, day)
	}
	endOK := true
	if e, ok := m["end"]; ok && !isNull(e.value) {
		p.endGiven = true
		if v, ok := d.text(e.value, path+".end"); ok {
			p.End, endOK = d.instant(e.value, path+".end", v, day)
		} else {
			endOK = false
		}
		if startOK && endOK && !p.End.After(p.Start) {
			d.errorf(e.value, path+".end", "%s is not after the start %s; a session must end after it starts", clock(p.End, day), clock(p.Start, day))
		}
	}
	p.timesOK = startOK && endOK
	if e, ok := m["speakers"]; ok {
		p.Speakers = d.texts(e.value, path+".speakers")
	}
	if e, ok := m["checkin"]; ok {
		p.CheckIn = d.accounts(e.value, path+".checkin")
	}
	if e, ok := m["chair"]; ok {
		if v, ok := d.text(e.value, path+".chair"); ok && v != "" {
			p.Chair = d.account(e.value, path+".chair", v)
		}
	}
	if e, ok := m["links"]; ok {
		p.Links = d.links(e.value, path+".links")
	}
	if e, ok := m["recording"]; ok {
		p.Recording = d.url(e.value, path+".recording")
	}
	if e, ok := m["room"]; ok {
		p.Room, _ = d.text(e.value, path+".room")
	}
	e, given := m["poster_session"]
	switch {
	case given && p.Kind != KindPosters && p.Kind != "":
		d.errorf(e.key, path+".poster_session", "only a session of kind posters has a poster_session; remove it or set kind: posters")
	case given:
		p.PosterSession, _ = d.integer(e.value, path+".poster_session", 1, 1000)
	case p.Kind == KindPosters:
		d.errorf(n, path+".poster_session", "missing; a posters session needs its number, e.g. poster_session: 1 (posters.csv refers to it)")
	}
	return p
}

var clockRE = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)

// instant reads a start or end: "HH:MM" on the workshop date, or an RFC 3339
// date-time.
func (d *yamlDecoder) instant(n *yaml.Node, field, v string, day time.Time) (time.Time, bool) {
	if m := clockRE.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[1])
		mm, _ := strconv.Atoi(m[2])
		if h < 24 && mm < 60 || h == 24 && mm == 0 {
			// time.Date normalizes 24:00 to midnight at the end of the day.
			return time.Date(day.Year(), day.Month(), day.Day(), h, mm, 0, 0, day.Location()), true
		}
	} else if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.In(day.Location()), true
	}
	d.errorf(n, field, "%q is not a time; want \"HH:MM\" (00:00-24:00) or a date-time like 2021-12-14T06:45:00-05:00", v)
	return time.Time{}, false
}

// Bounds on dates: every encoder of time the bot uses (JSON wants years 0 to
// 9999, Discord's timestamps and scheduled events, iCalendar) works well
// inside them, and a date outside is a typo, not a workshop.
const (
	minYear = 2000
	maxYear = 2999
	// MaxFromDay is how far from the workshop date a session may start or end.
	MaxFromDay = 366 * 24 * time.Hour
	// MaxLead is the longest reminder lead: a week before a session.
	MaxLead = 7 * 24 * time.Hour
)

// checkNearDay reports sessions that start or end more than MaxFromDay from
// the workshop date (a date-time with a wrong year).
func (d *yamlDecoder) checkNearDay(ps []parsedSession, day time.Time) {
	far := func(t time.Time) bool { return t.Sub(day) > MaxFromDay || day.Sub(t) > MaxFromDay }
	for i := range ps {
		p := &ps[i]
		if !p.timesOK {
			continue
		}
		for _, c := range []struct {
			field string
			t     time.Time
			given bool
		}{{"start", p.Start, true}, {"end", p.End, p.endGiven}} {
			if c.given && far(c.t) {
				d.errorf(p.node, p.path+"."+c.field, "%s is more than a year from the workshop date %s; check the year", c.t.Format(time.RFC3339), day.Format(time.DateOnly))
				p.timesOK = false
				break
			}
		}
	}
}

// checkIDs reports ids used twice, in file order.
func (d *yamlDecoder) checkIDs(ps []parsedSession) {
	first := map[string]*parsedSession{}
	for i := range ps {
		p := &ps[i]
		if p.ID == "" {
			continue
		}
		prev, dup := first[p.ID]
		if !dup {
			first[p.ID] = p
			continue
		}
		switch {
		case p.idNode != nil:
			d.errorf(p.idNode, p.path+".id", "id %q is already used by %s (line %d); ids must be unique", p.ID, prev.path, prev.Line)
		default:
			d.errorf(p.node, p.path+".id", "the id made from the title, %q, is already used by %s (line %d); add an id: line to tell them apart", p.ID, prev.path, prev.Line)
		}
	}
}

// checkPosterSessions reports poster session numbers used twice.
func (d *yamlDecoder) checkPosterSessions(ps []parsedSession) {
	first := map[int]*parsedSession{}
	for i := range ps {
		p := &ps[i]
		if p.PosterSession == 0 {
			continue
		}
		if prev, dup := first[p.PosterSession]; dup {
			d.errorf(p.node, p.path+".poster_session", "poster session %d is already %s (line %d); number each poster session once", p.PosterSession, prev.path, prev.Line)
			continue
		}
		first[p.PosterSession] = p
	}
}

// Slug turns s into a name fit for an id or a Discord channel: lower-case ASCII
// letters and digits separated by single dashes, at most 100 bytes. Common
// accented latin letters lose their accent; apostrophes and other letters are
// dropped; anything else separates words.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		case foldAccents[r] != "":
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString(foldAccents[r])
			dash = false
		case r == '\'' || r == '’' || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			// "it's" is one word; letters we cannot spell in ASCII are dropped.
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > MaxChannelName {
		out = strings.TrimRight(out[:MaxChannelName], "-")
	}
	return out
}

// foldAccents maps lower-case latin letters with diacritics to ASCII.
var foldAccents = func() map[rune]string {
	m := map[rune]string{'æ': "ae", 'œ': "oe", 'ß': "ss", 'þ': "th", 'ð': "d", 'đ': "d", 'ł': "l", 'ı': "i", 'ø': "o", 'ħ': "h", 'ŧ': "t"}
	for ascii, accented := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥ",
		"i": "ìíîïĩīĭį", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņň", "o": "òóôõöōŏő",
		"r": "ŕŗř", "s": "śŝşšș", "t": "ţťț", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range accented {
			m[r] = ascii
		}
	}
	return m
}()

// suggestID proposes a valid id for an invalid one.
func suggestID(id, title string) string {
	if s := Slug(id); s != "" {
		return s
	}
	if s := Slug(title); s != "" {
		return s
	}
	return "coffee-break-1"
}

// readFile reads path, refusing files larger than limit.
func readFile(path string, limit int) ([]byte, Errors) {
	// A FIFO or a device would block the open or the read, or never end:
	// only a regular file (through any symlinks) is read.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("is not a regular file (%s); give the path of a file", fileKind(fi.Mode()))}}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot open: " + pathErr(err)}}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("is not a regular file (%s); give the path of a file", fileKind(fi.Mode()))}}
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read: " + pathErr(err)}}
	}
	if len(data) > limit {
		size := len(data)
		if fi, err := f.Stat(); err == nil {
			size = int(fi.Size())
		}
		return nil, Errors{sizeError(path, size, limit)}
	}
	return data, nil
}

// fileKind names what a non-regular file is, for errors.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// pathErr is an os error without the path, which the FileError already gives.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func sizeError(path string, size, limit int) FileError {
	return FileError{File: path, Msg: fmt.Sprintf("file is %.1f MiB (%d bytes), more than the %d MiB limit; is it the right file?", float64(size)/(1<<20), size, limit>>20)}
}

// checkText reports invalid UTF-8 and control characters, once per line, with
// their line: YAML and CSV parsers reject them without saying where.
func checkText(path string, data []byte) Errors {
	var errs Errors
	line, lastBad := 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size == 1:
			msg = fmt.Sprintf("invalid UTF-8 (byte 0x%02x); save the file as UTF-8", data[i])
		case r == '\n' || r == '\t' || r == '\r' || r == 0x85:
		case r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0xfffe || r == 0xffff:
			msg = fmt.Sprintf("control character %U is not allowed; delete it", r)
		}
		if msg != "" && lastBad != line {
			errs = append(errs, FileError{File: path, Line: line, Msg: msg})
			lastBad = line
			if len(errs) == 10 {
				break
			}
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return errs
}

// checkURL says what is wrong with a link, or "" if nothing is.
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not a web address; want a full http:// or https:// URL", s)
	}
	return ""
}

var snowflakeRE = regexp.MustCompile(`^[0-9]{17,20}$`)

// deref follows YAML aliases (*name) to the node they stand for. The bound
// guards against cycles.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 16 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node is, for "want X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// suggest returns ` (did you mean "x"?)` for the valid key closest to a typo.
func suggest(key string, valid []string) string {
	best, bestDist := "", 3
	for _, v := range valid {
		if dist := editDistance(strings.ToLower(key), v); dist < bestDist {
			best, bestDist = v, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// clock shows t as "HH:MM", with its date when it is not on day.
func clock(t, day time.Time) string {
	y, m, dd := t.Date()
	if y == day.Year() && m == day.Month() && dd == day.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// formatDuration shows 15m0s as 15m and 0s as 0m.
func formatDuration(t time.Duration) string {
	s := t.String()
	if s == "0s" {
		return "0m"
	}
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
