package main

import (
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
)

// TestTallyReminders: the soak's and the failover's count of reminders finds
// a bundle under the hashed nonce Discord got, accepts a lead superseded by a
// shorter one, and calls a reminder recorded posted but not on Discord lost.
func TestTallyReminders(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	r := func(id string, lead time.Duration) bot.Reminder {
		return bot.Reminder{Key: bot.ReminderKey{SessionID: id, Lead: lead}, Due: at.Add(-lead)}
	}
	a0, b2, b0, c0 := r("a", 0), r("b", 2*time.Second), r("b", 0), r("c", 0)
	plan := []bot.Reminder{a0, b2, b0, c0}
	bundle := a0.Nonce() + "+" + b0.Nonce() // longer than Discord's 25: sent hashed
	recs := []bot.ReminderRecord{
		{Key: a0.Key, Status: bot.StatusLate, Nonce: bundle},
		{Key: b0.Key, Status: bot.StatusLate, Nonce: bundle},
		{Key: b2.Key, Status: bot.StatusSuperseded, Nonce: b2.Nonce()},
		{Key: c0.Key, Status: bot.StatusSent, Nonce: c0.Nonce()},
	}
	msg := func(n string) discordtest.Message { return discordtest.Message{Nonce: discord.WireNonce(n)} }
	got := tallyReminders(plan, recs, []discordtest.Message{msg(bundle), msg(c0.Nonce())})
	if got.once != 3 || got.late != 2 || got.superseded != 1 || got.lost != 0 || got.dups != 0 {
		t.Errorf("tally %+v: want 3 once (2 late, in one bundle), 1 superseded", got)
	}
	if n := remindersUndecided(plan, recs, []discordtest.Message{msg(bundle), msg(c0.Nonce())}); n != 0 {
		t.Errorf("%d undecided, want 0", n)
	}
	got = tallyReminders(plan, recs, []discordtest.Message{msg(bundle)})
	if got.lost != 1 || len(got.problems) != 1 {
		t.Errorf("without c's message: %+v, want c lost", got)
	}
	if n := remindersUndecided(plan, recs, []discordtest.Message{msg(c0.Nonce())}); n != 2 {
		t.Errorf("without the bundle: %d undecided, want 2", n)
	}
}
