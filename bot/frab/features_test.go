package frab

import (
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
