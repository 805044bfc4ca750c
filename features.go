package main

import (
	"workshopbot/bot"
	"workshopbot/bot/posters"
	"workshopbot/bot/questions"
)

// features are the bot's features, in the order /help lists their commands:
// adding a feature is one line here. Both wirings (console and Discord) take
// this list.
func features() []bot.Feature {
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
