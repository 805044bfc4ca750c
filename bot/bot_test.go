package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// memStore is an in-memory Store.
type memStore struct {
	mu   sync.Mutex
	recs map[ReminderKey]ReminderRecord
}

func newMemStore() *memStore { return &memStore{recs: map[ReminderKey]ReminderRecord{}} }

func (s *memStore) Reminders(context.Context) ([]ReminderRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ReminderRecord
	for _, r := range s.recs {
		out = append(out, r)
	}
	return out, nil
}

func (s *memStore) PutReminder(_ context.Context, r ReminderRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[r.Key] = r
	return nil
}

// recorder is a Transport that keeps what was posted and can fail on demand.
type recorder struct {
	mu     sync.Mutex
	posts  []Message
	fail   func(Message) error
	dedupe bool
}

func (r *recorder) Post(_ context.Context, m Message) (Posted, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return Posted{}, err
		}
	}
	r.posts = append(r.posts, m)
	return Posted{ChannelID: m.Channel, MessageID: "m"}, nil
}

func (r *recorder) Deduplicates() bool { return r.dedupe }

func (r *recorder) channel(name string) []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Message
	for _, m := range r.posts {
		if m.Channel == name {
			out = append(out, m)
		}
	}
	return out
}

func newTestBot(t *testing.T, clock Clock, st Store, tr Transport) *Bot {
	t.Helper()
	b, err := New(Config{Program: &Program{Schedule: testSchedule()}, Clock: clock, Store: st, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	b.upSince = clock.Now()
	return b
}

func TestStepPostsEachReminderOnce(t *testing.T) {
	clock := bottest.NewClock(at(6, 40))
	st, tr := newMemStore(), &recorder{}
	b := newTestBot(t, clock, st, tr)
	ctx := context.Background()
	for tm := at(6, 40); !tm.After(at(9, 30)); tm = tm.Add(time.Minute) {
		clock.Set(tm)
		// Twice at each instant: a second look must not post again.
		for range 2 {
			if _, err := b.Step(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := tr.channel(ChannelAnnouncements)
	if len(got) != 6 {
		t.Fatalf("posted %d reminders, want 6: %v", len(got), got)
	}
	sum, err := b.Summarize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[StatusSent] != 6 || sum.Pending != 0 {
		t.Errorf("summary = %s", sum)
	}
	if !b.Done() {
		t.Error("Done() = false after every reminder")
	}
	if !strings.Contains(got[0].Content, "Talk A") || !strings.Contains(got[0].Content, "https://example.org/live") {
		t.Errorf("first reminder lacks title or livestream link: %q", got[0].Content)
	}
}

func TestFailedPostIsRecordedAndReported(t *testing.T) {
	clock := bottest.NewClock(at(6, 45))
	st := newMemStore()
	tr := &recorder{fail: func(m Message) error {
		if m.Channel == ChannelAnnouncements {
			return errors.New("503 after 5 attempts")
		}
		return nil
	}}
	b := newTestBot(t, clock, st, tr)
	if _, err := b.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := st.recs[ReminderKey{"a", 15 * time.Minute}]
	if rec.Status != StatusFailed || !strings.Contains(rec.Error, "503") {
		t.Errorf("record = %+v, want failed with the error", rec)
	}
	mods := tr.channel(ChannelModerators)
	if len(mods) != 1 || !strings.Contains(mods[0].Content, "Talk A") {
		t.Errorf("moderators were told %v, want one notice naming the session", mods)
	}
}

func TestRecoverPending(t *testing.T) {
	for _, dedupe := range []bool{false, true} {
		clock := bottest.NewClock(at(6, 46))
		st := newMemStore()
		key := ReminderKey{"a", 15 * time.Minute}
		st.recs[key] = ReminderRecord{Key: key, Due: at(6, 45), Status: StatusPending}
		tr := &recorder{dedupe: dedupe}
		b := newTestBot(t, clock, st, tr)
		if err := b.recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		posts := len(tr.channel(ChannelAnnouncements))
		want, status := 0, StatusUnknown
		if dedupe {
			want, status = 1, StatusLate
		}
		if posts != want || st.recs[key].Status != status {
			t.Errorf("dedupe=%v: %d posts, status %s; want %d, %s", dedupe, posts, st.recs[key].Status, want, status)
		}
	}
}

func TestScaledClock(t *testing.T) {
	real := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return real }
	c := NewScaledClock(now, at(6, 40), 120)
	mu.Lock()
	real = real.Add(30 * time.Second)
	mu.Unlock()
	if got, want := c.Now(), at(7, 40); !got.Equal(want) {
		t.Errorf("after 30 s at 120x: %v, want %v", got, want)
	}
	if got := c.RealDuration(time.Hour); got != 30*time.Second {
		t.Errorf("RealDuration(1h) = %v, want 30s", got)
	}
}
