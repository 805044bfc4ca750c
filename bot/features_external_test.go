package bot_test

import (
	"strings"
	"testing"

	"workshopbot/bot"
	"workshopbot/bot/posters"
	"workshopbot/bot/questions"
)

// allFeatures are the features main registers, in its order.
func allFeatures() []bot.Feature {
	return []bot.Feature{
		bot.NoticesFeature(),
		bot.ScheduleFeature(),
		bot.RemindMeFeature(),
		bot.GreenRoomFeature(),
		questions.Feature(),
		posters.Feature(),
		bot.EventsFeature(),
		bot.DelayFeature(),
		bot.HelpFeature(),
	}
}

// TestCommandSpecsOrder: the features main registers give the commands in
// the order /help (and Discord's registration) always had.
func TestCommandSpecsOrder(t *testing.T) {
	var got []string
	for _, s := range bot.Specs(allFeatures()) {
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
