package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"workshopbot/bot"
)

// TestLastGoodProgramSurvivesReopen: none at first; the last one put is read
// back byte for byte after a reopen, empty posters and a live source's copy
// included.
func TestLastGoodProgramSurvivesReopen(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		db := e.open(t, "main")
		if _, ok, err := db.LastGoodProgram(ctx); ok || err != nil {
			t.Fatalf("empty database: ok %v, err %v; want none", ok, err)
		}
		saved := time.Date(2021, 12, 14, 17, 3, 0, 0, time.UTC)
		first := bot.Files{SchedulePath: "s.yaml", PostersPath: "p.csv", Schedule: []byte("a: 1\n"), Posters: []byte("id\n"), Version: "v1", Saved: saved}
		second := bot.Files{SchedulePath: "s.yaml", Schedule: []byte("a: 2\n"), Posters: []byte{}, Version: "v2",
			Source: "https://pretalx.example/c/schedule/export/schedule.json", Upstream: []byte("sessions: []\n")}
		for _, f := range []bot.Files{first, second} {
			if err := db.PutLastGoodProgram(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.PutLastGoodProgram(ctx, bot.Files{}); err == nil {
			t.Error("a version without a hash was stored")
		}
		db.Close()

		db = e.open(t, "main")
		got, ok, err := db.LastGoodProgram(ctx)
		if err != nil || !ok || !reflect.DeepEqual(got, second) {
			t.Errorf("after reopen: %+v, %v, %v; want %+v", got, ok, err, second)
		}
		if err := db.PutLastGoodProgram(ctx, first); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := db.LastGoodProgram(ctx); !got.Saved.Equal(saved) || string(got.Schedule) != "a: 1\n" || got.Source != "" || got.Upstream != nil {
			t.Errorf("saved time: %+v, want %v", got, saved)
		}
	})
}
