package bot_test

import (
	"strings"
	"testing"

	"workshopbot/bot"
	"workshopbot/bot/features"
)

// TestCommandSpecsOrder: the features main registers give the commands in
// the order /help (and Discord's registration) always had.
func TestCommandSpecsOrder(t *testing.T) {
	var got []string
	for _, s := range bot.Specs(features.All()) {
		got = append(got, s.Name)
	}
	want := []string{"schedule", "next", "remindme", "checkin", "ask",
		"questions next", "questions list", "questions answered", "questions dismiss", "questions reopen", "questions export",
		"posters", "poster topic", "poster link", "poster here", "poster claim", "workshop sync", "workshop archive",
		"workshop delay", "help"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("specs:\n got %v\nwant %v", got, want)
	}
}
