package bot

import (
	"context"
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// A live source: schedule.yaml may say `source: {frab: URL}`. Its sessions then
// come from that URL on every reload, as schedule.yaml text made by bot/frab
// (the bot's core never fetches). The file keeps the header (workshop,
// discord, reminders, questions), its rooms if it lists them, and sessions of
// its own: one with the id of a source session replaces it (an override), any
// other is added. The bot keeps the last good copy of the source in its
// database (SourceStore) and runs on it while the source is down.

var sourceKeys = []string{"frab"}

// sourceLineOffset is added to the line numbers of the source's sessions
// while they are checked with the file's header, so that an error in one can
// be told apart and named after the source.
const sourceLineOffset = 1 << 24

// SourceStore keeps the last good copy of a live source, so that a bot whose
// source is down, even one that just restarted, runs on it. bot/sqlite
// implements it.
type SourceStore interface {
	// SourceCopy returns the copy last put, and the URL it came from; no copy
	// is "", nil, nil.
	SourceCopy(ctx context.Context) (url string, data []byte, err error)
	// PutSourceCopy replaces the copy; it is on disk when it returns.
	PutSourceCopy(ctx context.Context, url string, data []byte) error
}

// StaleSourceError is what a Source returns, together with a program, when
// the live source could not be read or was not valid: the program is made
// from the last good copy. The Reloader puts the program in force and tells
// the moderators once, until the source is good again.
type StaleSourceError struct {
	URL string
	Err error // why the source was not used
}

func (e *StaleSourceError) Error() string {
	return fmt.Sprintf("source %s: %v; running on the last good copy", e.URL, e.Err)
}

func (e *StaleSourceError) Unwrap() error { return e.Err }

// ScheduleSource returns the URL of the live source schedule.yaml names, or ""
// if it names none (or is not YAML: parsing it will say why).
func ScheduleSource(path string, data []byte) string {
	root, errs := readScheduleYAML(path, data)
	if len(errs) > 0 || deref(root).Kind != yaml.MappingNode {
		return ""
	}
	root = deref(root)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "source" {
			continue
		}
		src := deref(root.Content[i+1])
		if src.Kind != yaml.MappingNode {
			return ""
		}
		for j := 0; j+1 < len(src.Content); j += 2 {
			if src.Content[j].Value == "frab" && deref(src.Content[j+1]).Kind == yaml.ScalarNode {
				return deref(src.Content[j+1]).Value
			}
		}
	}
	return ""
}

// SourceOf returns the URL of the live source the schedule.yaml at path names,
// or "" if it names none or cannot be read (loading it will say why). Like
// LoadProgram, it reads only a regular file.
func SourceOf(path string) string {
	data, errs := readFile(path, MaxScheduleSize)
	if len(errs) > 0 {
		return ""
	}
	return ScheduleSource(path, data)
}

// source reads the source block; it returns the URL.
func (d *yamlDecoder) source(n *yaml.Node) string {
	before := len(d.errs)
	m := d.fields(n, "source", sourceKeys)
	if m == nil {
		return ""
	}
	e, ok := m["frab"]
	if !ok && len(d.errs) == before {
		d.errorf(n, "source", "want frab: and the URL of a frab schedule (pretalx: .../schedule/export/schedule.json)")
		return ""
	}
	if !ok {
		return ""
	}
	u := d.url(e.value, "source.frab")
	if u == "" && len(d.errs) == before {
		d.errorf(e.value, "source.frab", "want the http(s) URL of a frab schedule")
	}
	return u
}

// parseScheduleWithSource reads schedule.yaml (path, data) together with the
// sessions of its live source, given as schedule.yaml text (upstream, named
// srcName in errors), and checks them as one program: the file's header,
// the source's sessions with the file's overrides. Errors in the source's
// sessions name srcName and the line of upstream.
func parseScheduleWithSource(path string, data []byte, srcName string, upstream []byte) (*Schedule, Errors) {
	root, errs := readScheduleYAML(path, data)
	if len(errs) > 0 {
		return nil, errs
	}
	up, errs := readScheduleYAML(srcName, upstream)
	if len(errs) > 0 {
		return nil, errs
	}
	root, up = deref(root), deref(up)
	if root == nil || up == nil || root.Kind != yaml.MappingNode || up.Kind != yaml.MappingNode {
		return parseSchedule(path, data) // says what is wrong with the file
	}
	shiftLines(up, sourceLineOffset)

	merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line, Column: root.Column}
	var local, rooms *yaml.Node
	var sourceNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "source":
			sourceNode = root.Content[i+1]
			continue
		case "sessions":
			local = root.Content[i+1]
			continue
		case "rooms":
			rooms = root.Content[i+1]
		}
		merged.Content = append(merged.Content, root.Content[i], root.Content[i+1])
	}
	var upSessions *yaml.Node
	for i := 0; i+1 < len(up.Content); i += 2 {
		switch up.Content[i].Value {
		case "sessions":
			upSessions = deref(up.Content[i+1])
		case "rooms":
			if rooms == nil {
				merged.Content = append(merged.Content, up.Content[i], up.Content[i+1])
			}
		}
	}
	sessions := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: sourceLineOffset + 1}
	if upSessions != nil && upSessions.Kind == yaml.SequenceNode {
		sessions.Content = append(sessions.Content, upSessions.Content...)
	}
	if local != nil && deref(local).Kind == yaml.SequenceNode {
		local = deref(local)
		at := map[string]int{}
		for i, s := range sessions.Content {
			if id := mapValue(s, "id"); id != "" {
				at[id] = i
			}
		}
		for _, s := range local.Content {
			if i, ok := at[mapValue(s, "id")]; ok && mapValue(s, "id") != "" {
				sessions.Content[i] = s // the file's session overrides the source's
				continue
			}
			sessions.Content = append(sessions.Content, s)
		}
	}
	merged.Content = append(merged.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sessions", Line: sessions.Line}, sessions)

	d := &yamlDecoder{file: path}
	url := ""
	if sourceNode != nil {
		url = d.source(sourceNode)
	}
	s := d.schedule(merged)
	s.Path, s.Source = path, url
	for i, e := range d.errs {
		if e.Line > sourceLineOffset {
			d.errs[i].File, d.errs[i].Line = srcName, e.Line-sourceLineOffset
		}
	}
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	return s, d.errs
}

// shiftLines adds off to the line of n and of every node under it.
func shiftLines(n *yaml.Node, off int) {
	if n == nil {
		return
	}
	n.Line += off
	for _, c := range n.Content {
		shiftLines(c, off)
	}
}

// mapValue is the scalar value of key in the mapping n, or "".
func mapValue(n *yaml.Node, key string) string {
	if n == nil || deref(n).Kind != yaml.MappingNode {
		return ""
	}
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && deref(n.Content[i+1]).Kind == yaml.ScalarNode {
			return deref(n.Content[i+1]).Value
		}
	}
	return ""
}
