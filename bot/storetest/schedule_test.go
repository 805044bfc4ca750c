package storetest

import (
	"context"
	"testing"
	"time"

	"workshopbot/bot"
)

// TestScheduleStoresSurviveReopen: the announced program, the event ids, the
// subscriptions and the DM records are on disk.
func TestScheduleStoresSurviveReopen(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		path := "main"
		db := e.open(t, path)
		if snap, err := db.AnnouncedProgram(ctx); err != nil || snap != nil {
			t.Fatalf("empty database: snapshot %q, %v; want nil", snap, err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.PutAnnouncedProgram(ctx, []byte(`{"v":1}`)))
		must(db.PutAnnouncedProgram(ctx, []byte(`{"v":2}`)))
		must(db.PutEventID(ctx, "panel", "111"))
		must(db.PutEventID(ctx, "panel", "222"))
		must(db.PutEventID(ctx, "gone", "333"))
		must(db.PutEventID(ctx, "gone", ""))
		must(db.PutSubscription(ctx, bot.Subscription{UserID: "u1", UserName: "alice", SessionID: "panel", Before: 10 * time.Minute}))
		must(db.PutSubscription(ctx, bot.Subscription{UserID: "u1", UserName: "alice", SessionID: "panel", Before: 5 * time.Minute}))
		must(db.PutSubscription(ctx, bot.Subscription{UserID: "u2", SessionID: "talk", Before: 0}))
		must(db.DeleteSubscription(ctx, "u2", "talk"))
		must(db.DeleteSubscription(ctx, "u9", "none"))
		due := time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)
		must(db.PutDMRecord(ctx, bot.DMRecord{Key: bot.DMKey{UserID: "u1", SessionID: "panel"}, Due: due, Status: bot.StatusPending}))
		must(db.PutDMRecord(ctx, bot.DMRecord{Key: bot.DMKey{UserID: "u1", SessionID: "panel"}, Due: due, Status: bot.StatusFailed, At: due.Add(time.Second), Error: "50007"}))
		if err := db.PutSubscription(ctx, bot.Subscription{SessionID: "x"}); err == nil {
			t.Error("a subscription without a user was stored")
		}
		db.Close()

		db = e.open(t, path)
		if snap, err := db.AnnouncedProgram(ctx); err != nil || string(snap) != `{"v":2}` {
			t.Errorf("snapshot = %q, %v", snap, err)
		}
		ids, err := db.EventIDs(ctx)
		if err != nil || len(ids) != 1 || ids["panel"] != "222" {
			t.Errorf("event ids = %v, %v; want panel -> 222 only", ids, err)
		}
		subs, err := db.Subscriptions(ctx)
		if err != nil || len(subs) != 1 || subs[0] != (bot.Subscription{UserID: "u1", UserName: "alice", SessionID: "panel", Before: 5 * time.Minute}) {
			t.Errorf("subscriptions = %+v, %v", subs, err)
		}
		recs, err := db.DMRecords(ctx)
		if err != nil || len(recs) != 1 || recs[0].Status != bot.StatusFailed || !recs[0].Due.Equal(due) || !recs[0].At.Equal(due.Add(time.Second)) || recs[0].Error != "50007" {
			t.Errorf("DM records = %+v, %v", recs, err)
		}
	})
}

// TestRemindRolesSurviveReopen: /remindme's reminder roles and the
// subscriptions' choice of a direct message (and its channel) are on disk, and
// a role's record changes in place.
func TestRemindRolesSurviveReopen(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		db := e.open(t, "main")
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		if roles, err := db.RemindRoles(ctx); err != nil || len(roles) != 0 {
			t.Fatalf("empty database: roles %+v, %v", roles, err)
		}
		due := time.Date(2026, 6, 12, 9, 50, 0, 0, time.UTC)
		must(db.PutSubscription(ctx, bot.Subscription{UserID: "u1", SessionID: "panel", Before: 10 * time.Minute}))
		must(db.PutSubscription(ctx, bot.Subscription{UserID: "u2", SessionID: "panel", Before: 10 * time.Minute, DM: true, DMChannel: "777"}))
		must(db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel", Before: 10 * time.Minute, RoleID: "555"}))
		must(db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel", Before: 30 * time.Minute, RoleID: "556"}))
		must(db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel", Before: 10 * time.Minute, RoleID: "555", Due: due, Status: bot.StatusSent, At: due.Add(time.Second)}))
		must(db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel", Before: 30 * time.Minute, RoleID: "556", Status: bot.StatusSkipped, Removed: true}))
		if err := db.PutRemindRole(ctx, bot.RemindRole{SessionID: "panel"}); err == nil {
			t.Error("a reminder role without a role id was stored")
		}
		db.Close()

		db = e.open(t, "main")
		subs, err := db.Subscriptions(ctx)
		want := []bot.Subscription{
			{UserID: "u1", SessionID: "panel", Before: 10 * time.Minute},
			{UserID: "u2", SessionID: "panel", Before: 10 * time.Minute, DM: true, DMChannel: "777"},
		}
		if err != nil || len(subs) != 2 || subs[0] != want[0] || subs[1] != want[1] {
			t.Errorf("subscriptions = %+v, %v; want %+v", subs, err, want)
		}
		roles, err := db.RemindRoles(ctx)
		if err != nil || len(roles) != 2 {
			t.Fatalf("roles = %+v, %v; want 2", roles, err)
		}
		if r := roles[0]; r.Before != 10*time.Minute || r.RoleID != "555" || r.Status != bot.StatusSent || !r.Due.Equal(due) || !r.At.Equal(due.Add(time.Second)) || r.Removed {
			t.Errorf("role of the 10-minute ping = %+v", r)
		}
		if r := roles[1]; r.Before != 30*time.Minute || r.RoleID != "556" || r.Status != bot.StatusSkipped || !r.Due.IsZero() || !r.At.IsZero() || !r.Removed {
			t.Errorf("role of the 30-minute ping = %+v", r)
		}
	})
}
