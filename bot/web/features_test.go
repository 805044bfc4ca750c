package web_test

import "workshopbot/bot"

// allFeatures are the features main registers, in its order.
func allFeatures() []bot.Feature {
	return []bot.Feature{
		bot.NoticesFeature(),
		bot.ScheduleFeature(),
		bot.RemindMeFeature(),
		bot.GreenRoomFeature(),
		bot.QuestionsFeature(),
		bot.PostersFeature(),
		bot.EventsFeature(),
		bot.DelayFeature(),
		bot.HelpFeature(),
	}
}
