package main

import "workshopbot/bot"

// features are the bot's features, in the order /help lists their commands:
// adding a feature is one line here. Both wirings (console and Discord) take
// this list.
func features() []bot.Feature {
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
