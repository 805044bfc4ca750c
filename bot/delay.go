package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

var delaySpecs = []CommandSpec{
	{Name: "workshop delay", Moderator: true,
		Description: "Shift a session (and those after it that day) by N minutes; edits schedule.yaml",
		Options: []OptionSpec{
			{Name: "session", Description: "The session to shift", Type: OptionString, Required: true, Autocomplete: true},
			{Name: "minutes", Description: "Minutes later (negative: earlier)", Type: OptionInteger, Required: true},
			{Name: "following", Description: "Shift every session after it that day too", Type: OptionBoolean},
		}},
}

// MaxDelay bounds one /workshop delay: more is surely a typo (hours for minutes).
const MaxDelay = 12 * time.Hour

// DelayFeature is /workshop delay.
func DelayFeature() Feature {
	return Feature{Name: "delay", Specs: delaySpecs, Commands: map[string]Handler{"workshop delay": handleDelay}}
}

// handleDelay rewrites schedule.yaml and applies it at once, through the same
// reload as a hand edit: validation, change notice, re-armed reminders, events.
func handleDelay(b *Bot, ctx context.Context, prog *Program, c Command, _ time.Time) Reply {
	sess, ok := findSession(prog.Schedule, c.Options["session"])
	if !ok {
		return ephemeral(fmt.Sprintf("No session %q. Pick one from the list, or see `/schedule`.", c.Options["session"]))
	}
	n, err := strconv.Atoi(strings.TrimSpace(c.Options["minutes"]))
	shift := time.Duration(n) * time.Minute
	if err != nil || n == 0 || shift > MaxDelay || shift < -MaxDelay {
		return ephemeral(fmt.Sprintf("minutes: %q: want a whole number of minutes, not 0, from -%d to %d (negative moves earlier).",
			c.Options["minutes"], int(MaxDelay.Minutes()), int(MaxDelay.Minutes())))
	}
	following := parseBool(c.Options["following"])
	b.mu.Lock()
	r := b.reloader
	b.mu.Unlock()
	path := prog.Schedule.Path
	if r == nil || path == "" {
		return ephemeral("This bot does not watch its schedule file, so it cannot edit it. Edit schedule.yaml and restart.")
	}
	data, errs := readFile(path, MaxScheduleSize)
	if len(errs) > 0 {
		return b.internal(errs, "/workshop delay: read schedule")
	}
	out, moved, err := ShiftSessions(path, data, sess.ID, shift, following)
	if err != nil {
		return ephemeral("Not changed: " + err.Error())
	}
	// A rehearsal edits its copy, never the organizer's file (Reloader.EditCopy).
	dest := r.editTarget(path)
	if err := writeFileAtomic(dest, out); err != nil {
		return b.internal(err, "/workshop delay: write schedule", "path", dest)
	}
	if dest != path {
		r.followCopy()
	}
	b.log.Info("schedule edited by /workshop delay", "user", c.User.ID, "session", sess.ID, "minutes", n, "following", following, "moved", len(moved), "path", dest)
	applied := r.Check(ctx)
	text := fmt.Sprintf("Moved **%s** %s: it now starts %s.", sess.Title, shiftText(shift), stamp(sess.Start.Add(shift), 't'))
	if len(moved) > 1 {
		text += fmt.Sprintf(" %s after it moved with it.", plural(len(moved)-1, "session"))
	}
	updated := filepath.Base(dest) + " is updated"
	if r.editTarget("") != "" {
		updated = fmt.Sprintf("This is a rehearsal, so your program files are not edited: the change is in %s, which the rehearsal runs on from now", dest)
	}
	if !applied {
		return ephemeral(text + " " + updated + ", but the files were not applied: see the moderators channel for what to fix.")
	}
	text += " " + updated + "; attendees see the change in the announcements."
	if ws := newWarnings(prog.Schedule, b.Program().Schedule); len(ws) > 0 {
		text += "\n⚠️ The move created " + plural(len(ws), "warning") + ":\n" + strings.Join(ws, "\n")
	}
	return ephemeral(Truncate(text, MaxContent))
}

// newWarnings are the warnings of after that before did not have, as
// "warning: file:line: ..." lines. A warning is the same whatever line it is on.
func newWarnings(before, after *Schedule) []string {
	had := map[string]bool{}
	for _, w := range Warnings(before) {
		had[w.Field+"\x00"+w.Msg] = true
	}
	var out []string
	for _, w := range Warnings(after) {
		if !had[w.Field+"\x00"+w.Msg] {
			out = append(out, "warning: "+w.Error())
		}
	}
	return out
}

// writeFileAtomic replaces path with data: a reader (the reload, an editor) sees the
// old file or the new one, never half of it. A symlink is followed, and the file
// it points to is replaced: renaming onto the link itself would turn it into a
// copy, and leave the file the organizers keep (in a repository, say) unchanged.
func writeFileAtomic(path string, data []byte) error {
	// A file not there yet (a rehearsal's first copy) is created as it is.
	if _, err := os.Lstat(path); err == nil {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		path = real
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ShiftSessions returns schedule.yaml's data with session id, and with following
// every session starting at or after it on the same day, moved by shift; it also
// returns the ids moved. Only the start and end values change, in place: comments,
// order, blank lines, quoting and layout stay as they were. yaml.v3's node tree
// says where each value is; a time written "HH:MM" stays so when it can (else it
// becomes a full date-time). The result is validated before it is returned.
func ShiftSessions(path string, data []byte, id string, shift time.Duration, following bool) ([]byte, []string, error) {
	if url := ScheduleSource(path, data); url != "" {
		return nil, nil, fmt.Errorf("the sessions come from %s: move them there (the bot follows at its next reload), or override the session in %s", url, filepath.Base(path))
	}
	s, err := ParseSchedule(path, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s has errors now; fix them first:\n%w", filepath.Base(path), err)
	}
	target, ok := s.Session(id)
	if !ok {
		return nil, nil, fmt.Errorf("no session %q in %s", id, filepath.Base(path))
	}
	loc, day := s.Workshop.Location, s.Workshop.Date
	move := map[string]time.Time{} // id -> new start
	var moved []string
	// "That day" ends at its midnight, included: "24:00" is the workshop day's.
	ty, tm, td := target.Start.In(loc).Date()
	midnight := time.Date(ty, tm, td+1, 0, 0, 0, 0, loc)
	for _, sess := range s.Sessions {
		if sess.ID == id || following && !sess.Start.Before(target.Start) && !sess.Start.After(midnight) {
			move[sess.ID] = sess.Start.Add(shift)
			moved = append(moved, sess.ID)
		}
	}

	root, errs := decodeYAML(path, data)
	if len(errs) > 0 {
		return nil, nil, errs
	}
	var seq *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "sessions" {
			seq = deref(root.Content[i+1])
		}
	}
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, nil, errors.New("no sessions list found")
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	var edits []edit
	for _, item := range seq.Content {
		item = deref(item)
		sid, start, end := sessionNodes(item)
		if _, ok := move[sid]; !ok {
			continue
		}
		for _, n := range []*yaml.Node{start, end} {
			if n == nil || isNull(n) {
				continue
			}
			e, err := shiftValue(lines, n, day, loc, shift)
			if err != nil {
				return nil, nil, fmt.Errorf("session %s: %w", sid, err)
			}
			edits = append(edits, e)
		}
	}
	out := applyEdits(lines, edits)
	s2, err := ParseSchedule(path, out)
	if err != nil {
		return nil, nil, fmt.Errorf("the shifted program would not be valid:\n%w", err)
	}
	for sid, want := range move {
		if got, ok := s2.Session(sid); !ok || !got.Start.Equal(want) {
			return nil, nil, fmt.Errorf("session %s: could not rewrite its start in place", sid)
		}
	}
	return out, moved, nil
}

// sessionNodes finds a session item's id (given, or made from its title) and the
// nodes of its start and end.
func sessionNodes(item *yaml.Node) (id string, start, end *yaml.Node) {
	if item.Kind != yaml.MappingNode {
		return "", nil, nil
	}
	var title string
	for i := 0; i+1 < len(item.Content); i += 2 {
		v := deref(item.Content[i+1])
		switch item.Content[i].Value {
		case "id":
			id = strings.TrimSpace(v.Value)
		case "title":
			title = strings.TrimSpace(v.Value)
		case "start":
			start = v
		case "end":
			end = v
		}
	}
	if id == "" {
		id = Slug(title)
	}
	return id, start, end
}

// edit replaces bytes [from, to) of line (0-based) with text.
type edit struct {
	line, from, to int
	text           string
}

// shiftValue is the edit that moves the time in scalar n by shift, in n's own
// quoting, and as "HH:MM" if it was and still can be.
func shiftValue(lines [][]byte, n *yaml.Node, day time.Time, loc *time.Location, shift time.Duration) (edit, error) {
	v := strings.TrimSpace(n.Value)
	var t time.Time
	hhmm := clockRE.MatchString(v)
	if hhmm {
		h, _ := strconv.Atoi(v[:strings.Index(v, ":")])
		m, _ := strconv.Atoi(v[strings.Index(v, ":")+1:])
		t = time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
	} else {
		var err error
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return edit{}, fmt.Errorf("line %d: %q is not a time", n.Line, v)
		}
	}
	t = t.Add(shift).In(loc)
	nv := t.Format(time.RFC3339)
	if hhmm {
		if y, m, d := t.Date(); y == day.Year() && m == day.Month() && d == day.Day() {
			nv = t.Format("15:04")
		} else if next := day.AddDate(0, 0, 1); t.Equal(time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc)) {
			nv = "24:00"
		}
	}
	if n.Line < 1 || n.Line > len(lines) {
		return edit{}, fmt.Errorf("line %d: out of the file", n.Line)
	}
	line := lines[n.Line-1]
	from := byteOffset(line, n.Column-1)
	var raw, text string
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := line[from]
		end := bytes.IndexByte(line[from+1:], q)
		if end < 0 {
			return edit{}, fmt.Errorf("line %d: cannot find the end of %s", n.Line, v)
		}
		raw = string(line[from : from+end+2])
		text = string(q) + nv + string(q)
	case 0:
		raw = string(line[from:min(len(line), from+len(n.Value))])
		text = nv
	default:
		return edit{}, fmt.Errorf("line %d: write the time on one line, like start: \"09:00\"", n.Line)
	}
	if strings.Trim(raw, `"'`) != n.Value {
		return edit{}, fmt.Errorf("line %d: %q is not written as a plain time; write it like start: \"09:00\"", n.Line, raw)
	}
	return edit{line: n.Line - 1, from: from, to: from + len(raw), text: text}, nil
}

// byteOffset converts a column counted in characters to a byte offset in line.
func byteOffset(line []byte, col int) int {
	off := 0
	for i := 0; i < col && off < len(line); i++ {
		_, size := utf8.DecodeRune(line[off:])
		off += size
	}
	return off
}

// applyEdits applies edits to lines (each edit on its own range) and joins them.
func applyEdits(lines [][]byte, edits []edit) []byte {
	sort.Slice(edits, func(i, j int) bool {
		if edits[i].line != edits[j].line {
			return edits[i].line > edits[j].line
		}
		return edits[i].from > edits[j].from
	})
	out := make([][]byte, len(lines))
	copy(out, lines)
	for _, e := range edits {
		l := out[e.line]
		nl := make([]byte, 0, len(l)+len(e.text))
		nl = append(nl, l[:e.from]...)
		nl = append(nl, e.text...)
		nl = append(nl, l[e.to:]...)
		out[e.line] = nl
	}
	return bytes.Join(out, nil)
}

// plural is "1 session" or "n sessions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Plural is plural for the commands outside the package.
func Plural(n int, noun string) string { return plural(n, noun) }
