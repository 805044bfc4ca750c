package bot

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"workshopbot/bot/bottest"
)

// activityMem is a memStore that keeps activity counts as AddActivity is given
// them, and can fail.
type activityMem struct {
	*memStore
	mu   sync.Mutex
	adds []ActivityCounts
	fail error
}

func (s *activityMem) AddActivity(_ context.Context, c ActivityCounts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.adds = append(s.adds, c)
	return nil
}

func (s *activityMem) Activity(context.Context) (ActivityCounts, error) { return ActivityCounts{}, nil }

func TestRecordCountsPerWindowAndFlushes(t *testing.T) {
	clock := bottest.NewClock(at(9, 3))
	st := &activityMem{memStore: newMemStore()}
	b := newTestBot(t, clock, st, &recorder{})
	b.posters.places = map[string]PosterPlace{"P1": {ChannelID: "c-p1"}}
	ctx := context.Background()

	b.Record(Activity{Kind: ActivityMembers, Members: 100})
	b.Record(Activity{Kind: ActivityJoin})
	b.Record(Activity{Kind: ActivityJoin})
	for _, ch := range []string{ChannelAnnouncements, ChannelAnnouncements, "c-p1", ChannelModerators, "c-general", ""} {
		b.Record(Activity{Kind: ActivityMessage, Channel: ch})
	}
	clock.Set(at(9, 14))
	b.Record(Activity{Kind: ActivityLeave})
	b.Record(Activity{Kind: ActivityMessage, Channel: ChannelQuestions})

	// A failed write keeps the counts for the next one.
	st.fail = errors.New("disk full")
	if err := b.FlushActivity(ctx); err == nil {
		t.Fatal("FlushActivity: no error from a failing store")
	}
	st.fail = nil
	if err := b.FlushActivity(ctx); err != nil {
		t.Fatal(err)
	}
	w9, w10 := at(9, 0).UTC(), at(9, 10).UTC()
	want := []ActivityCounts{{
		Messages: []MessageCount{
			{Channel: ChannelAnnouncements, Bucket: w9, Messages: 2},
			{Channel: "c-p1", Bucket: w9, Messages: 1},
			{Channel: ChannelQuestions, Bucket: w10, Messages: 1},
		},
		Members: []MemberCount{
			{Bucket: w9, Joins: 2, Members: 102, Known: true},
			{Bucket: w10, Leaves: 1, Members: 101, Known: true},
		},
	}}
	if !reflect.DeepEqual(st.adds, want) {
		t.Errorf("written:\n got %+v\nwant %+v", st.adds, want)
	}
	// Nothing new: nothing written. The member count carries on.
	if err := b.FlushActivity(ctx); err != nil || len(st.adds) != 1 {
		t.Errorf("an empty flush wrote %d times (err %v)", len(st.adds)-1, err)
	}
	clock.Set(at(9, 21))
	b.Record(Activity{Kind: ActivityJoin})
	if err := b.FlushActivity(ctx); err != nil {
		t.Fatal(err)
	}
	if got := st.adds[len(st.adds)-1].Members; !reflect.DeepEqual(got, []MemberCount{{Bucket: at(9, 20).UTC(), Joins: 1, Members: 102, Known: true}}) {
		t.Errorf("after the flush: %+v", got)
	}
}

// TestRunFlushesActivityWhenItStops: counts recorded during Run are in the
// store once Run has returned, without waiting for the periodic flush.
func TestRunFlushesActivityWhenItStops(t *testing.T) {
	clock := bottest.NewClock(at(9, 3))
	st := &activityMem{memStore: newMemStore()}
	b := newTestBot(t, clock, st, &recorder{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, RunOptions{}) }()
	b.Record(Activity{Kind: ActivityMessage, Channel: ChannelQuestions})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.adds) != 1 || len(st.adds[0].Messages) != 1 || st.adds[0].Messages[0].Messages != 1 {
		t.Errorf("written at shutdown: %+v", st.adds)
	}
}
