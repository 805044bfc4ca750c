package questions

import (
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

// The feature's behaviour is tested through a whole bot in package bot's
// external tests (questions_test.go, badinput_test.go, dashboard_test.go),
// which share their harness; these check the package's own pieces.

// TestFeatureSpecsHaveHandlers: every command the feature declares has its
// handler, so New accepts it alone, and its buttons answer the cards' IDs.
func TestFeatureSpecsHaveHandlers(t *testing.T) {
	f := Feature()
	for _, s := range f.Specs {
		if f.Commands[s.Name] == nil {
			t.Errorf("command %q has no handler", s.Name)
		}
	}
	if len(f.Commands) != len(f.Specs) {
		t.Errorf("%d handlers for %d commands", len(f.Commands), len(f.Specs))
	}
	if f.Presses["q"] == nil {
		t.Errorf("no handler for the cards' buttons (q:...)")
	}
}

// TestButtonIDRoundTrip: what bot.QuestionButton writes, parseButtonID reads;
// anything else is refused.
func TestButtonIDRoundTrip(t *testing.T) {
	for _, action := range []string{bot.QuestionVote, bot.QuestionApprove, bot.QuestionDismiss} {
		got, id, ok := parseButtonID(bot.QuestionButton(action, 42))
		if !ok || got != action || id != 42 {
			t.Errorf("parseButtonID(QuestionButton(%q, 42)) = %q, %d, %v", action, got, id, ok)
		}
	}
	for _, bad := range []string{"", "q", "q:vote", "q:vote:x", "q:vote:0", "q:vote:-1", "x:vote:1", "q:vote:1:2", "checkin:s1"} {
		if _, _, ok := parseButtonID(bad); ok {
			t.Errorf("parseButtonID(%q) accepted", bad)
		}
	}
}

// TestCleanQuestion: direction overrides and controls go, a tab becomes a
// space, line breaks and zero-width joiners stay.
func TestCleanQuestion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Why?  ", "Why?"},
		{"a\tb", "a b"},
		{"line one\nline two", "line one\nline two"},
		{"abc\u202Edef\u202C", "abcdef"},
		{"x\u2066y\u2069z", "xyz"},
		{"left\u200Eright\u200F", "leftright"},
		{"bell\a", "bell"},
		{"👩\u200D💻", "👩\u200D💻"},
	} {
		if got := cleanQuestion(tc.in); got != tc.want {
			t.Errorf("cleanQuestion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVisibleRunes: invisible characters do not count, spaces do, and only
// a character that shows is ink.
func TestVisibleRunes(t *testing.T) {
	for _, tc := range []struct {
		in  string
		n   int
		ink bool
	}{
		{"hello", 5, true},
		{"a b", 3, true},
		{"   ", 3, false},
		{"\u200B\u200B\u200B", 0, false},
		{"\u2800\u3164", 0, false},
		{"x\u200By", 2, true},
	} {
		if n, ink := visibleRunes(tc.in); n != tc.n || ink != tc.ink {
			t.Errorf("visibleRunes(%q) = %d, %v; want %d, %v", tc.in, n, ink, tc.n, tc.ink)
		}
	}
}

// TestExportCSVDefusesFormulas: a question that a spreadsheet would run as
// a formula is written with a leading quote.
func TestExportCSVDefusesFormulas(t *testing.T) {
	s := &bot.Schedule{}
	s.Workshop.Location = time.UTC
	data, err := ExportCSV(s, []bot.Question{{ID: 1, SessionID: "panel", Text: "=HYPERLINK(\"x\")", Status: bot.QuestionOpen, AskerName: "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `'=HYPERLINK`) {
		t.Errorf("export:\n%s\nwant the formula defused with a quote", data)
	}
}
