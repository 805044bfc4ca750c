package bot

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestWarnings (issue 12 item 7): overlapping sessions, sessions out of time
// order in the file, a session off the workshop date and one longer than 6 hours
// are warned about, each with its line; the fixture, with a closing at "24:00",
// has none.
func TestWarnings(t *testing.T) {
	data, err := os.ReadFile("testdata/delay/schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := string(data)
	for _, tc := range []struct {
		name, old, new string
		want           []string // substrings, one per warning, in line order
	}{
		{"none", "", "", nil},
		{"overlap", "    start: \"07:45\"\n", "    start: \"07:45\"\n    end: \"08:10\"\n",
			[]string{"schedule.yaml:67: session spotlight-2: starts at 08:00 -05:00, before spotlight-1 ends (08:10 -05:00): they overlap"}},
		{"out of order", "    start: \"08:00\"\n", "    start: \"07:30\"\n",
			[]string{"schedule.yaml:66: session spotlight-2: starts at 07:30 -05:00, before spotlight-1 above it (07:45 -05:00): out of time order"}},
		{"off the date", "    start: \"24:00\"", "    start: \"2021-12-15T01:00:00-05:00\"",
			[]string{"session closing: starts at 01:00 -05:00 +1d, off the workshop date 2021-12-14"}},
		{"longer than 6 hours", "    start: \"24:00\"", "    start: \"24:00\"\n    end: \"2021-12-15T07:00:00-05:00\"",
			[]string{"session closing: lasts 7h (00:00 -05:00 +1d to 07:00 -05:00 +1d), longer than 6h"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(good, tc.old, tc.new, 1)
			if tc.old != "" && text == good {
				t.Fatalf("fixture has no %q", tc.old)
			}
			s, err := ParseSchedule("schedule.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			got := Warnings(s)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d warnings %v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i].Error(), w) || got[i].Line == 0 {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i].Error(), w)
				}
			}
		})
	}
}

// TestWorkshopDelayWarns: a /workshop delay whose move makes two sessions
// overlap says so in its reply, with the warning check prints; one that creates
// none says nothing of warnings.
func TestWorkshopDelayWarns(t *testing.T) {
	f := newReloadFixture(t)
	ctx := context.Background()
	mod := User{ID: "u1", Name: "carol", Roles: []string{"Moderators"}}
	delay := func(session, minutes string) Reply {
		return f.bot.Handle(ctx, Command{Name: "workshop delay", User: mod, Options: map[string]string{"session": session, "minutes": minutes}})
	}
	if r := delay("panel", "10"); strings.Contains(r.Content, "warning") {
		t.Errorf("a harmless move warned: %q", r.Content)
	}
	// spotlight-8 ends at 16:30 (written): 15 minutes earlier it starts at 16:00
	// with spotlight-7, which then ends at its next session's start, the panel.
	r := delay("spotlight-8", "-15")
	if !strings.Contains(r.Content, "The move created") || !strings.Contains(r.Content, "warning: ") || !strings.Contains(r.Content, "overlap") {
		t.Errorf("reply to an overlapping move: %q", r.Content)
	}
}
