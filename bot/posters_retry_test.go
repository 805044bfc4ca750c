package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// cardGuild is a PosterGuild in memory whose card posts fail while failCards
// is above zero.
type cardGuild struct {
	recorder
	gmu       sync.Mutex
	channels  []GuildChannel
	cards     map[string]string // channel -> card message id
	failCards int
}

func (g *cardGuild) GuildIdentity() (string, string) { return "everyone", "bot" }
func (g *cardGuild) GuildChannels(context.Context) ([]GuildChannel, error) {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	return append([]GuildChannel(nil), g.channels...), nil
}
func (g *cardGuild) GuildMembers(context.Context) ([]User, error) { return nil, nil }
func (g *cardGuild) CreateChannel(_ context.Context, c ChannelSpec) (GuildChannel, error) {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	ch := GuildChannel{ID: fmt.Sprintf("c%d", len(g.channels)+1), Name: c.Name, Topic: c.Topic, ParentID: c.ParentID, Category: c.Category, Overwrites: c.Overwrites}
	g.channels = append(g.channels, ch)
	return ch, nil
}
func (g *cardGuild) EditChannel(context.Context, string, ChannelEdit) error { return nil }
func (g *cardGuild) SetOverwrite(context.Context, string, Overwrite) error  { return nil }
func (g *cardGuild) DeleteOverwrite(context.Context, string, string) error  { return nil }
func (g *cardGuild) PostCard(_ context.Context, ch string, _ Message) (string, error) {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	if g.failCards > 0 {
		g.failCards--
		return "", errors.New("502 Bad Gateway, after 5 attempts")
	}
	if g.cards == nil {
		g.cards = map[string]string{}
	}
	g.cards[ch] = "card-" + ch
	return g.cards[ch], nil
}
func (g *cardGuild) EditCard(context.Context, string, string, Message) error { return nil }
func (g *cardGuild) Pin(context.Context, string, string) error               { return nil }
func (g *cardGuild) PinnedCard(context.Context, string) (string, []Embed, error) {
	return "", nil, nil
}
func (g *cardGuild) carded() int {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	return len(g.cards)
}

// posterRecs is a PosterStore in memory.
type posterRecs struct {
	*memStore
	pmu  sync.Mutex
	recs map[string]PosterRecord
}

func (s *posterRecs) PosterRecords(context.Context) ([]PosterRecord, error) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	var out []PosterRecord
	for _, r := range s.recs {
		out = append(out, r)
	}
	return out, nil
}
func (s *posterRecs) PutPosterRecord(_ context.Context, r PosterRecord) error {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	s.recs[r.PosterID] = r
	return nil
}
func (s *posterRecs) PostersArchived(context.Context) (bool, error)  { return false, nil }
func (s *posterRecs) SetPostersArchived(context.Context, bool) error { return nil }

// TestPosterSyncRetriedAfterFailure: a card that Discord failed to take is
// posted by a sync the loop tries again by itself, 30 s later, then 60 s
// after a second failure; it does not wait for the next edit of posters.csv
// (the soak saw a poster left without its card to the end).
func TestPosterSyncRetriedAfterFailure(t *testing.T) {
	posters := testPosters(2, 0)
	for i := range posters {
		posters[i].Presenters = nil
	}
	prog := &Program{Schedule: testPosterSchedule(), Posters: posters}
	g := &cardGuild{failCards: 2} // the first sync's two cards
	st := &posterRecs{memStore: newMemStore(), recs: map[string]PosterRecord{}}
	clock := bottest.NewClock(time.Date(2021, 12, 14, 15, 0, 0, 0, time.UTC))
	b, err := New(Config{Program: prog, Clock: clock, Store: st, Posters: st, Transport: g})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.runPosters(ctx) }()
	defer func() { cancel(); <-done }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d cards, retry at %v", what, g.carded(), b.PosterRetryAt())
			}
		}
	}
	retryIn := func() time.Duration {
		at := b.PosterRetryAt()
		if at.IsZero() {
			return 0
		}
		return at.Sub(clock.Now())
	}
	waitFor("the first sync fails and asks for a retry in 30 s", func() bool { return retryIn() == 30*time.Second })
	if n := g.carded(); n != 0 {
		t.Fatalf("%d cards after the failed sync, want 0", n)
	}
	g.gmu.Lock()
	g.failCards = 1 // the retry posts one card of two
	g.gmu.Unlock()
	clock.Advance(30 * time.Second)
	waitFor("the second failure asks for a retry in 60 s", func() bool { return g.carded() == 1 && retryIn() == time.Minute })
	clock.Advance(time.Minute)
	waitFor("the third sync posts the last card", func() bool { return g.carded() == 2 && b.PosterRetryAt().IsZero() })
	recs, _ := st.PosterRecords(ctx)
	for _, r := range recs {
		if r.ChannelID == "" || r.CardMessageID == "" {
			t.Errorf("record %+v, want its channel and card", r)
		}
	}
}
