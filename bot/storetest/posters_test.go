package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestPosterRecordsRoundTrip(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		path := "main"
		db, err := e.openErr(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		here := time.Date(2021, 12, 14, 15, 4, 5, 123e6, time.UTC)
		recs := []bot.PosterRecord{
			{PosterID: "grand", ChannelID: "111", CardMessageID: "222", CardHash: "abc", Topic: "Come by!",
				Links: []bot.Link{{Name: "Slides", URL: "https://example.org/s"}, {Name: "Code", URL: "https://example.org/c"}}, HereAt: here},
			{PosterID: "a1", ChannelID: "333"},
		}
		for _, r := range recs {
			if err := db.PutPosterRecord(ctx, r); err != nil {
				t.Fatalf("PutPosterRecord: %v", err)
			}
		}
		// Replacing keeps one row.
		recs[0].CardHash = "def"
		if err := db.PutPosterRecord(ctx, recs[0]); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPostersArchived(ctx, true); err != nil {
			t.Fatal(err)
		}
		db.Close()

		db = e.open(t, path) // survives a restart
		got, err := db.PosterRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.PosterRecord{recs[1], recs[0]} // by poster id
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PosterRecords:\n got %+v\nwant %+v", got, want)
		}
		if a, err := db.PostersArchived(ctx); err != nil || !a {
			t.Errorf("PostersArchived = %v, %v; want true", a, err)
		}
		if err := db.SetPostersArchived(ctx, false); err != nil {
			t.Fatal(err)
		}
		if a, _ := db.PostersArchived(ctx); a {
			t.Error("PostersArchived after undo = true")
		}
		if err := db.PutPosterRecord(ctx, bot.PosterRecord{}); err == nil {
			t.Error("PutPosterRecord with no id: no error")
		}
	})
}

func TestPostersArchivedDefaultsToFalse(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		if a, err := db.PostersArchived(context.Background()); err != nil || a {
			t.Errorf("PostersArchived on a new database = %v, %v; want false, nil", a, err)
		}
	})
}
