package bot

import (
	"strings"
	"testing"
)

// roomsSchedule has two rooms at once: Hall A with its own channel and
// stream, Hall B with neither, and a plenary with no room.
const roomsSchedule = `workshop:
  name: Two Rooms
  short_name: TR
  timezone: Europe/Berlin
  date: 2026-06-12
  links: {livestream: https://example.org/main}
discord:
  announcements: announcements
rooms:
  - name: Hall A
    announcements: hall-a
    links: {livestream: https://example.org/hall-a}
  - name: Hall B
sessions:
  - id: opening
    start: "09:00"
    end: "09:30"
    kind: opening
    title: Opening
  - id: a1
    start: "09:30"
    end: "10:00"
    kind: invited
    title: Talk in A
    room: Hall A
  - id: b1
    start: "09:30"
    end: "10:00"
    kind: invited
    title: Talk in B
    room: Hall B
`

// TestRoomReminders: a room's session is reminded in the room's own channel
// with the room's links; the other room's and the plenary's go to the
// workshop's channel with the workshop's; sessions at once in two rooms do not
// overlap, and their reminders, due together, are not bundled across channels.
func TestRoomReminders(t *testing.T) {
	sc, err := ParseSchedule("schedule.yaml", []byte(roomsSchedule))
	if err != nil {
		t.Fatal(err)
	}
	prog := &Program{Schedule: sc}
	want := map[string]struct{ channel, link string }{
		"opening": {ChannelAnnouncements, "https://example.org/main"},
		"a1":      {RoomChannel("hall-a"), "https://example.org/hall-a"},
		"b1":      {ChannelAnnouncements, "https://example.org/main"},
	}
	var parts []ReminderPart
	for _, r := range Plan(sc) {
		m := RenderReminder(prog, r, r.Due, false)
		w := want[r.Key.SessionID]
		if m.Channel != w.channel || !strings.Contains(m.Content, "<"+w.link+">") {
			t.Errorf("%s lead %v: channel %q, content %q; want channel %q with %s", r.Key.SessionID, r.Key.Lead, m.Channel, m.Content, w.channel, w.link)
		}
		if r.Key.SessionID != "opening" && r.Key.Lead == 0 {
			parts = append(parts, ReminderPart{Reminder: r, Message: m})
		}
	}
	if b := BundleReminders(parts); len(b) != 2 {
		t.Errorf("the two rooms' reminders due together made %d messages, want 2 (one per channel)", len(b))
	}
	a, _ := sc.Session("a1")
	b, _ := sc.Session("b1")
	o, _ := sc.Session("opening")
	o.End = a.End // a plenary is in every room
	if Overlap(a, b) || !Overlap(a, o) || !Overlap(b, o) {
		t.Errorf("Overlap: a/b %v, a/plenary %v, b/plenary %v; want false, true, true", Overlap(a, b), Overlap(a, o), Overlap(b, o))
	}

	// A room not in the list is an error with the session's line.
	_, err = ParseSchedule("schedule.yaml", []byte(strings.Replace(roomsSchedule, "room: Hall B", "room: Hall C", 1)))
	checkErrors(t, "schedule.yaml", err, []wantErr{{26, "room", `room "Hall C" is not in the rooms list (Hall A, Hall B)`}})
	// The workshop's own channel named again is the workshop's channel.
	sc, err = ParseSchedule("schedule.yaml", []byte(strings.Replace(roomsSchedule, "announcements: hall-a", "announcements: announcements", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.AnnouncementsFor(sc.Sessions[1]); got != ChannelAnnouncements {
		t.Errorf("a room naming the workshop's channel: %q, want %q", got, ChannelAnnouncements)
	}
}
