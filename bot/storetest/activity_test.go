package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestActivitySumsAcrossFlushesAndRestarts(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		path := "main"
		w := func(m int) time.Time { return time.Date(2026, 6, 12, 9, m, 0, 0, time.UTC) }
		db := e.open(t, path)
		add := func(db store, c bot.ActivityCounts) {
			t.Helper()
			if err := db.AddActivity(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		add(db, bot.ActivityCounts{
			Messages: []bot.MessageCount{{Channel: "announcements", Bucket: w(0), Messages: 2}, {Channel: "123", Bucket: w(0), Messages: 1}},
			Members:  []bot.MemberCount{{Bucket: w(0), Joins: 2, Members: 102, Known: true}},
		})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = e.open(t, path) // a restart
		add(db, bot.ActivityCounts{
			Messages: []bot.MessageCount{{Channel: "announcements", Bucket: w(0), Messages: 3}, {Channel: "announcements", Bucket: w(10), Messages: 1}},
			// The same window again, after a restart, before the count is known.
			Members: []bot.MemberCount{{Bucket: w(0), Joins: 1}, {Bucket: w(10), Leaves: 1, Members: 101, Known: true}},
		})
		got, err := db.Activity(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := bot.ActivityCounts{
			Messages: []bot.MessageCount{
				{Channel: "123", Bucket: w(0), Messages: 1},
				{Channel: "announcements", Bucket: w(0), Messages: 5},
				{Channel: "announcements", Bucket: w(10), Messages: 1},
			},
			Members: []bot.MemberCount{{Bucket: w(0), Joins: 3, Members: 102, Known: true}, {Bucket: w(10), Leaves: 1, Members: 101, Known: true}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Activity:\n got %+v\nwant %+v", got, want)
		}
	})
}

// TestOpenReadOnlyBesideTheBot: the report reads a database a bot has open
// (and locked), sees its last commit, and cannot write.

// TestActivityOfAnOlderDatabase: a database from before the counts (a backup
// of an earlier version) reads as having none.

func containsActivity(sql string) bool {
	return strings.Contains(sql, "CREATE TABLE activity_messages")
}
