package discord_test

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

// featuresFor is allFeatures less those whose store ability st lacks: the
// tests' partial stores ran with those features off before New refused them.
func featuresFor(st bot.Store) []bot.Feature {
	has := map[string]bool{}
	_, has["notices"] = st.(bot.AnnouncedStore)
	_, dms := st.(bot.DMStore)
	_, roles := st.(bot.RoleStore)
	has["remindme"] = dms && roles
	_, has["greenroom"] = st.(bot.GreenStore)
	_, has["events"] = st.(bot.EventStore)
	var out []bot.Feature
	for _, f := range allFeatures() {
		if ok, needs := has[f.Name]; needs && !ok {
			continue
		}
		out = append(out, f)
	}
	return out
}
