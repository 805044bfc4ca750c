package discord_test

import (
	"workshopbot/bot"
	"workshopbot/bot/features"
)

// featuresFor is features.All() less those whose store ability st lacks: the
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
	for _, f := range features.All() {
		if ok, needs := has[f.Name]; needs && !ok {
			continue
		}
		out = append(out, f)
	}
	return out
}
