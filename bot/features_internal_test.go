package bot

// allFeatures are the features main registers, in its order.
func allFeatures() []Feature {
	return []Feature{
		ScheduleFeature(),
		RemindMeFeature(),
		GreenRoomFeature(),
		QuestionsFeature(),
		PostersFeature(),
		EventsFeature(),
		DelayFeature(),
		HelpFeature(),
	}
}
