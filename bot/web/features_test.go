package web_test

import (
	"workshopbot/bot"
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
		bot.PostersFeature(),
		bot.EventsFeature(),
		bot.DelayFeature(),
		bot.HelpFeature(),
	}
}
