package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"workshopbot/bot"
)

// TestGreenRoundTrip: pings and check-ins survive a reopen, field for field,
// and a second check-in of the same person for the same session is not new.
func TestGreenRoundTrip(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) { greenRoundTrip(t, e) })
}

func greenRoundTrip(t *testing.T, e *engine) {
	ctx := context.Background()
	db := e.open(t, "green")
	due := time.Date(2021, 12, 14, 11, 30, 0, 0, time.UTC)
	recs := []bot.GreenRecord{ // in the order they are listed: due, session, kind, lead
		{Key: bot.GreenKey{SessionID: "a", Kind: bot.GreenCheckIn, Lead: 30 * time.Minute}, Due: due, Status: bot.StatusSent,
			At: due.Add(1500 * time.Millisecond), ChannelID: "111", MessageID: "222", Shown: "abcdef"},
		{Key: bot.GreenKey{SessionID: "a", Kind: bot.GreenBriefing, Lead: 5 * time.Minute}, Due: due.Add(25 * time.Minute), Status: bot.StatusFailed,
			At: due.Add(25 * time.Minute), Error: "@carol is not in the server"},
		{Key: bot.GreenKey{SessionID: "a", Kind: bot.GreenNudge, Lead: 5 * time.Minute}, Due: due.Add(25 * time.Minute), Status: bot.StatusPending},
	}
	for _, r := range recs {
		if err := db.PutGreenRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	in := bot.CheckIn{SessionID: "a", Entry: "weinan", UserID: "333", UserName: "weinan", At: due.Add(time.Minute)}
	for i, want := range []bool{true, false} {
		c := in
		c.At = c.At.Add(time.Duration(i) * time.Minute) // the second is later: the first counts
		if isNew, err := db.AddCheckIn(ctx, c); err != nil || isNew != want {
			t.Fatalf("AddCheckIn #%d = %v, %v; want %v", i+1, isNew, err, want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = e.open(t, "green")
	got, err := db.GreenRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Errorf("records after reopen:\n%+v\nwant\n%+v", got, recs)
	}
	ins, err := db.CheckIns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0] != in {
		t.Errorf("check-ins after reopen %+v, want [%+v]", ins, in)
	}
	if err := db.PutGreenRecord(ctx, bot.GreenRecord{Key: bot.GreenKey{SessionID: "a"}, Status: bot.StatusSent}); err == nil {
		t.Error("a record without a kind was stored")
	}
}
