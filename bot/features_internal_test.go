package bot

// allFeatures are the features main registers, in its order.
func allFeatures() []Feature {
	return []Feature{
		NoticesFeature(),
		ScheduleFeature(),
		RemindMeFeature(),
		GreenRoomFeature(),
		EventsFeature(),
		DelayFeature(),
		HelpFeature(),
	}
}

// featuresFor is allFeatures less those whose Init st cannot serve: the
// tests' partial stores ran with those features off before New refused them.
func featuresFor(st Store) []Feature {
	var out []Feature
	for _, f := range allFeatures() {
		if f.Init != nil && f.Init(&Bot{store: st}) != nil {
			continue
		}
		out = append(out, f)
	}
	return out
}
