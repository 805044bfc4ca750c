package bot

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Room is one entry of schedule.yaml's `rooms:` list: a place sessions happen
// in at the same time as others. A single-room program has none.
type Room struct {
	Name string
	// Announcements is the channel for the room's reminders; "" uses the
	// workshop's discord.announcements.
	Announcements string
	Links         []Link // used by the room's sessions ahead of the workshop's
	Line          int
}

var roomKeys = []string{"name", "announcements", "links"}

// Room returns the room named name.
func (s *Schedule) Room(name string) (Room, bool) {
	for _, r := range s.Rooms {
		if r.Name == name {
			return r, true
		}
	}
	return Room{}, false
}

// AnnouncementsFor is the logical channel for sess's reminders: its room's own
// announcements channel when the rooms list names one, else the workshop's.
func (s *Schedule) AnnouncementsFor(sess Session) string {
	if sess.Room == "" {
		return ChannelAnnouncements
	}
	r, ok := s.Room(sess.Room)
	if !ok || strings.TrimSpace(r.Announcements) == "" || r.Announcements == s.Discord.Announcements {
		return ChannelAnnouncements
	}
	return RoomChannel(strings.TrimSpace(r.Announcements))
}

// Overlap reports whether a and b take place at the same time in the same
// place. Sessions in different rooms never overlap; a session with no room is
// in every room (a plenary).
func Overlap(a, b Session) bool {
	if a.Room != "" && b.Room != "" && a.Room != b.Room {
		return false
	}
	return a.Start.Before(b.End) && b.Start.Before(a.End)
}

// rooms reads the rooms list.
func (d *yamlDecoder) rooms(n *yaml.Node) []Room {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "rooms", "want a list of rooms (lines starting with \"- name: \"), not %s", describe(n))
		return nil
	}
	var rooms []Room
	for i, c := range n.Content {
		path := fmt.Sprintf("rooms[%d]", i)
		m := d.fields(c, path, roomKeys)
		if m == nil {
			continue
		}
		r := Room{Line: deref(c).Line}
		r.Name, _ = d.required(m, c, path, "name", "Main Hall")
		if prev, dup := findRoom(rooms, r.Name); dup && r.Name != "" {
			d.errorf(m["name"].value, path+".name", "room %q is already listed at line %d; list each room once", r.Name, prev.Line)
			continue
		}
		if e, ok := m["announcements"]; ok {
			if v, ok := d.text(e.value, path+".announcements"); ok {
				r.Announcements = v // "" is the workshop's channel
			}
		}
		if e, ok := m["links"]; ok {
			r.Links = d.links(e.value, path+".links")
		}
		rooms = append(rooms, r)
	}
	return rooms
}

func findRoom(rooms []Room, name string) (Room, bool) {
	for _, r := range rooms {
		if r.Name == name {
			return r, true
		}
	}
	return Room{}, false
}

// checkRooms reports sessions in rooms the rooms list does not name (a typo
// would send their reminders to the wrong channel). Without a rooms list any
// room is fine: it is only shown.
func (d *yamlDecoder) checkRooms(rooms []Room, ss []Session) {
	if len(rooms) == 0 {
		return
	}
	names := make([]string, len(rooms))
	for i, r := range rooms {
		names[i] = r.Name
	}
	for _, s := range ss {
		if s.Room == "" {
			continue
		}
		if _, ok := findRoom(rooms, s.Room); !ok {
			d.errs = append(d.errs, FileError{File: d.file, Line: s.Line, Field: "room", Msg: fmt.Sprintf("room %q is not in the rooms list (%s)%s", s.Room, strings.Join(names, ", "), suggest(s.Room, names))})
		}
	}
}
