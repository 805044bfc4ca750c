package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestRemindersRoundTrip(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		paris := time.FixedZone("CEST", 2*60*60)
		posted := Rec("invited-1", 15*time.Minute, 45, bot.StatusSent)
		posted.PostedAt = time.Date(2026, 6, 12, 9, 45, 1, 250_000_000, time.UTC)
		posted.ChannelID, posted.MessageID = "111", "222"

		failed := Rec("panel", 0, 120, bot.StatusFailed)
		failed.Error = "discord: 403 Missing Access\nsecond line, 'quotes' and ünïcode"

		tests := []struct {
			name string
			put  []bot.ReminderRecord
			want []bot.ReminderRecord // nil: same as put
		}{
			{name: "empty"},
			{name: "one pending", put: []bot.ReminderRecord{Rec("opening", 5*time.Minute, 0, bot.StatusPending)}},
			{name: "every field", put: []bot.ReminderRecord{posted, failed}},
			{
				name: "sorted by due, session, lead",
				put: []bot.ReminderRecord{
					Rec("b", 0, 30, bot.StatusSent),
					Rec("a", time.Hour, 30, bot.StatusSent),
					Rec("a", 0, 30, bot.StatusSent),
					Rec("c", 0, 10, bot.StatusSkipped),
				},
				want: []bot.ReminderRecord{
					Rec("c", 0, 10, bot.StatusSkipped),
					Rec("a", 0, 30, bot.StatusSent),
					Rec("a", time.Hour, 30, bot.StatusSent),
					Rec("b", 0, 30, bot.StatusSent),
				},
			},
			{
				name: "times in another zone come back in UTC, truncated to the millisecond",
				put: []bot.ReminderRecord{{
					Key:      bot.ReminderKey{SessionID: "s", Lead: 90 * time.Second},
					Due:      time.Date(2026, 6, 12, 11, 0, 0, 123_456_789, paris),
					Status:   bot.StatusLate,
					PostedAt: time.Date(2026, 6, 12, 11, 2, 0, 999_999_999, paris),
				}},
				want: []bot.ReminderRecord{{
					Key:      bot.ReminderKey{SessionID: "s", Lead: 90 * time.Second},
					Due:      time.Date(2026, 6, 12, 9, 0, 0, 123_000_000, time.UTC),
					Status:   bot.StatusLate,
					PostedAt: time.Date(2026, 6, 12, 9, 2, 0, 999_000_000, time.UTC),
				}},
			},
			{
				name: "zero PostedAt stays zero",
				put:  []bot.ReminderRecord{Rec("x", time.Minute, 1, bot.StatusUnknown)},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := e.open(t, "")
				Put(t, db, tt.put...)
				want := tt.want
				if want == nil {
					want = tt.put
				}
				got := Reminders(t, db)
				if d := DiffRecords(got, want); d != "" {
					t.Error(d)
				}
				for _, r := range got {
					if r.Due.Location() != time.UTC || (!r.PostedAt.IsZero() && r.PostedAt.Location() != time.UTC) {
						t.Errorf("%s: times not in UTC: due %v, posted %v", Line(r), r.Due.Location(), r.PostedAt.Location())
					}
				}
			})
		}
	})
}

func TestPutReminderReplaces(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		first := Rec("invited-1", 15*time.Minute, 45, bot.StatusPending)
		first.Error = "old error"
		first.PostedAt = time.Date(2026, 6, 12, 9, 45, 0, 0, time.UTC)
		other := Rec("invited-1", 0, 60, bot.StatusPending) // same session, other lead: a separate row
		Put(t, db, first, other)

		second := Rec("invited-1", 15*time.Minute, 46, bot.StatusSent)
		second.Nonce = "new-nonce"
		second.ChannelID, second.MessageID = "c", "m"
		// second has no Error and no PostedAt: they must be cleared, not kept.
		Put(t, db, second)

		if d := DiffRecords(Reminders(t, db), []bot.ReminderRecord{second, other}); d != "" {
			t.Error(d)
		}
	})
}

func TestPutReminderRefusesInvalid(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		tests := []struct {
			name string
			r    bot.ReminderRecord
			want string
		}{
			{"no session", Rec("", 15*time.Minute, 0, bot.StatusSent), "put reminder /15m: empty session id"},
			{"no status", Rec("invited-1", 15*time.Minute, 0, ""), "put reminder invited-1/15m: empty status"},
			{"lead in hours", Rec("x", time.Hour, 0, ""), "put reminder x/1h: empty status"},
			{"lead mixed", Rec("x", 90*time.Minute, 0, ""), "put reminder x/1h30m: empty status"},
			{"lead zero", Rec("x", 0, 0, ""), "put reminder x/0s: empty status"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.PutReminder(context.Background(), tt.r)
				if err == nil || err.Error() != tt.want {
					t.Errorf("PutReminder error = %v, want %q", err, tt.want)
				}
			})
		}
		if got := Reminders(t, db); len(got) != 0 {
			t.Errorf("refused records were stored: %v", got)
		}
	})
}

func TestPutReminderErrorNamesOperation(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := db.PutReminder(ctx, Rec("invited-1", 15*time.Minute, 0, bot.StatusSent))
		if err == nil || !strings.HasPrefix(err.Error(), "put reminder invited-1/15m: ") {
			t.Errorf("PutReminder with a cancelled context: error = %v, want it to start with %q", err, "put reminder invited-1/15m: ")
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each*2)
		for w := range writers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range each {
					r := Rec(fmt.Sprintf("w%d", w), time.Duration(i)*time.Minute, i, bot.StatusSent)
					if err := db.PutReminder(context.Background(), r); err != nil {
						errs <- err
					}
				}
			}()
			go func() {
				defer wg.Done()
				for range each {
					if _, err := db.Reminders(context.Background()); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := len(Reminders(t, db)); got != writers*each {
			t.Errorf("stored %d records, want %d", got, writers*each)
		}
	})
}
