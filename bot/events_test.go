package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// eventsSchedule mirrors talks and posters (not breaks).
func eventsSchedule() *Schedule {
	s := testSchedule()
	s.Discord.Events = NewKindSet(KindInvited, KindPosters)
	return s
}

func opsLine(ops []EventOp) string {
	var out []string
	for _, op := range ops {
		out = append(out, fmt.Sprintf("%s %s %s", op.Kind, op.SessionID, op.EventID))
	}
	return strings.Join(out, "; ")
}

func TestPlanEvents(t *testing.T) {
	s := eventsSchedule()
	a, c := SessionEvent(s, s.Sessions[0]), SessionEvent(s, s.Sessions[2])
	with := func(e ScheduledEvent, id string, st EventStatus) ScheduledEvent { e.ID, e.Status = id, st; return e }
	moved := s.Sessions[2]
	moved.Start = at(8, 30)
	cMoved := SessionEvent(s, moved)
	tests := []struct {
		name     string
		now      time.Time
		existing []ScheduledEvent
		known    map[string]string
		want     string
		note     string
	}{
		{"first sync creates one per mirrored session", at(6, 0), nil, nil, "create a ; create c ", ""},
		{"in sync: nothing", at(6, 0), []ScheduledEvent{with(a, "1", EventScheduled), with(c, "2", EventScheduled)},
			map[string]string{"a": "1", "c": "2"}, "", ""},
		{"database lost: adopted by marker", at(6, 0), []ScheduledEvent{with(a, "1", EventScheduled), with(c, "2", EventScheduled)},
			nil, "adopt a 1; adopt c 2", ""},
		{"changed: edited in place", at(6, 0), []ScheduledEvent{with(a, "1", EventScheduled), with(cMoved, "2", EventScheduled)},
			map[string]string{"a": "1", "c": "2"}, "edit c 2", ""},
		{"duplicate: the recorded one kept, the other cancelled", at(6, 0),
			[]ScheduledEvent{with(a, "9", EventScheduled), with(a, "1", EventScheduled), with(c, "2", EventScheduled)},
			map[string]string{"a": "1", "c": "2"}, "cancel a 9", ""},
		{"removed session: cancelled and forgotten", at(6, 0),
			[]ScheduledEvent{with(a, "1", EventScheduled), with(c, "2", EventScheduled), with(SessionEvent(s, Session{ID: "gone", Title: "Gone", Start: at(10, 0), End: at(11, 0), Kind: KindInvited}), "3", EventScheduled)},
			map[string]string{"a": "1", "c": "2", "gone": "3"}, "cancel gone 3", ""},
		{"cancelled event of a removed session forgotten", at(6, 0),
			[]ScheduledEvent{with(a, "1", EventScheduled), with(c, "2", EventScheduled), {ID: "3", Status: EventCanceled}},
			map[string]string{"a": "1", "c": "2", "gone": "3"}, "forget gone 3", ""},
		{"started session: no event created", at(7, 30), nil, nil, "create c ", "session a started"},
		{"event under way: not edited", at(7, 30), []ScheduledEvent{with(SessionEvent(s, Session{ID: "a", Title: "Old", Start: at(7, 0), End: at(7, 45), Kind: KindInvited}), "1", EventActive), with(c, "2", EventScheduled)},
			map[string]string{"a": "1", "c": "2"}, "", "under way"},
		{"others' events are left alone", at(6, 0), []ScheduledEvent{{ID: "7", Name: "Social", Description: "drinks", Status: EventScheduled}},
			nil, "create a ; create c ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.known == nil {
				tt.known = map[string]string{}
			}
			ops, notes := PlanEvents(s, tt.existing, tt.known, tt.now)
			if got := opsLine(ops); got != tt.want {
				t.Errorf("ops = %q, want %q", got, tt.want)
			}
			if tt.note != "" && !strings.Contains(strings.Join(notes, "\n"), tt.note) {
				t.Errorf("notes = %q, want one saying %q", notes, tt.note)
			}
		})
	}
}

func TestPlanEventsLimit(t *testing.T) {
	s := eventsSchedule()
	var others []ScheduledEvent
	for i := range MaxEvents - 1 {
		others = append(others, ScheduledEvent{ID: fmt.Sprint(100 + i), Status: EventScheduled})
	}
	ops, notes := PlanEvents(s, others, map[string]string{}, at(6, 0))
	if got := opsLine(ops); got != "create a " {
		t.Errorf("ops = %q, want only one creation (room for one more event)", got)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "Discord's maximum") {
		t.Errorf("notes = %q", notes)
	}
}

func TestSessionEventLimits(t *testing.T) {
	s := eventsSchedule()
	long := s.Sessions[0]
	long.Title = strings.Repeat("Very long title ", 20)
	long.Speakers = []string{strings.Repeat("Speaker ", 200)}
	long.Links = []Link{{"livestream", "https://example.org/" + strings.Repeat("x", 120)}}
	e := SessionEvent(s, long)
	if n := len([]rune(e.Name)); n > MaxEventName {
		t.Errorf("name is %d characters", n)
	}
	if n := len([]rune(e.Description)); n > MaxEventDescription {
		t.Errorf("description is %d characters", n)
	}
	if !strings.HasSuffix(e.Description, "[workshopbot:a]") {
		t.Errorf("the marker is lost: %q", e.Description[len(e.Description)-40:])
	}
	if n := len([]rune(e.Location)); n > MaxEventLocation || e.Location != "https://example.org/zoom" {
		t.Errorf("location = %q: want the first link that fits in %d characters", e.Location, MaxEventLocation)
	}
}

func TestParseEventKinds(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		want string
		err  string
	}{
		{"", "opening invited spotlight posters panel closing other", ""},
		{"  events: [invited, panel]\n", "invited panel", ""},
		{"  events: []\n", "", ""},
		{"  events: [talks]\n", "", `discord.events[0]: "talks" is not a kind`},
		{"  events: [panel, panel]\n", "", "listed twice"},
	} {
		src := minimalSchedule + "  - {start: \"09:00\", kind: other, title: X}\ndiscord:\n" + tt.yaml
		s, err := ParseSchedule("s.yaml", []byte(src))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.yaml, err)
		}
		var got []string
		for _, k := range s.Discord.Events.Kinds() {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%q: kinds %q, want %q", tt.yaml, got, tt.want)
		}
	}
}
