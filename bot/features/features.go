// Package features lists the bot's features, in the order /help lists their
// commands: the one list that main registers (wire.go and discord.go) and
// that the tests of the other packages run with. Adding a feature is its
// package and one line here.
package features

import (
	"workshopbot/bot"
	"workshopbot/bot/posters"
	"workshopbot/bot/questions"
)

// All are the bot's features, registered explicitly (no init()).
func All() []bot.Feature {
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
