package bot

import (
	"context"
	"errors"
	"slices"
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
	b, err := New(Config{Features: featuresFor(st), Program: &Program{Schedule: testSchedule()}, Clock: clock, Store: st, Transport: tr})
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
	// Six reminders in five messages: the coffee break's start and the poster
	// session's 15-minute reminder fall due together and share one.
	if len(got) != 5 || !strings.Contains(got[3].Content, "Coffee") || !strings.Contains(got[3].Content, "Posters 1") {
		t.Fatalf("posted %d messages, want 5, the fourth naming Coffee and Posters 1: %v", len(got), got)
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
	// Held while the bot starts: the start-up's real time is not virtual time.
	c.Hold()
	mu.Lock()
	real = real.Add(10 * time.Second)
	mu.Unlock()
	if got, want := c.Now(), at(7, 40); !got.Equal(want) {
		t.Errorf("held for 10 s: %v, want %v", got, want)
	}
	c.Release()
	c.Release() // a second release changes nothing
	mu.Lock()
	real = real.Add(time.Second)
	mu.Unlock()
	if got, want := c.Now(), at(7, 42); !got.Equal(want) {
		t.Errorf("released, then 1 s at 120x: %v, want %v", got, want)
	}
}

// TestRemindersDueTogether: of one session's reminders due at once (the bot
// was busy), only the shortest lead is posted and the others are recorded as
// superseded; reminders of different sessions due within a few seconds are
// one message, each session on its own lines, with one nonce for the set.
func TestRemindersDueTogether(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(s *Schedule)
		steps []time.Time // the instants the bot looks, from a fresh start at 06:40
		want  []string    // the announcements' nonces, in order
		sup   []ReminderKey
	}{
		{"busy: a session's 15m and 0m due together", nil, []time.Time{at(7, 0).Add(30 * time.Second)},
			[]string{"r:a:0:1639483200"}, []ReminderKey{{"a", 15 * time.Minute}}},
		{"two sessions due at the same instant", nil, []time.Time{at(6, 45), at(7, 0), at(7, 30), at(7, 45)},
			[]string{"r:a:900:1639482300", "r:a:0:1639483200", "r:b:900:1639485000", "r:b:0:1639485900+r:c:900:1639485900"}, nil},
		{"fell due three seconds apart while the bot was busy", func(s *Schedule) { s.Sessions[2].Start = s.Sessions[2].Start.Add(3 * time.Second) },
			[]time.Time{at(6, 45), at(7, 0), at(7, 30), at(7, 45).Add(4 * time.Second)},
			[]string{"r:a:900:1639482300", "r:a:0:1639483200", "r:b:900:1639485000", "r:b:0:1639485900+r:c:900:1639485903"}, nil},
		{"a minute apart: two messages", func(s *Schedule) { s.Sessions[2].Start = s.Sessions[2].Start.Add(time.Minute) },
			[]time.Time{at(6, 45), at(7, 0), at(7, 30), at(7, 45), at(7, 46)},
			[]string{"r:a:900:1639482300", "r:a:0:1639483200", "r:b:900:1639485000", "r:b:0:1639485900", "r:c:900:1639485960"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := bottest.NewClock(at(6, 40))
			st, tr := newMemStore(), &recorder{}
			b := newTestBot(t, clock, st, tr)
			b.SetProgram(program(tt.edit))
			for _, now := range tt.steps {
				clock.Set(now)
				if _, err := b.Step(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := tr.channel(ChannelAnnouncements)
			var nonces []string
			for _, m := range got {
				nonces = append(nonces, m.Nonce)
			}
			if !slices.Equal(nonces, tt.want) {
				t.Fatalf("posted %v, want %v", nonces, tt.want)
			}
			for _, k := range tt.sup {
				if rec := st.recs[k]; rec.Status != StatusSuperseded {
					t.Errorf("%s: %s, want superseded", keyString(k), rec.Status)
				}
			}
			last := got[len(got)-1]
			if strings.Contains(last.Nonce, "+") {
				first, second, _ := strings.Cut(last.Content, "\n\n")
				if !strings.Contains(first, "**Coffee** starts now") || !strings.Contains(second, "**Posters 1** starts") {
					t.Errorf("bundle:\n%s\nwant the coffee's start, then the posters' 15-minute reminder", last.Content)
				}
				for _, k := range []ReminderKey{{"b", 0}, {"c", 15 * time.Minute}} {
					if rec := st.recs[k]; rec.Status != StatusSent || rec.Nonce != last.Nonce {
						t.Errorf("%s: %+v, want sent with the bundle's nonce", keyString(k), rec)
					}
				}
			}
			if len(tt.sup) > 0 {
				if !strings.Contains(last.Content, "starts now") || !last.PingRole {
					t.Errorf("kept reminder %+v, want 'starts now' pinging the role its superseded one would have", last)
				}
			}
		})
	}
}

// cancelledStore answers like a database driver whose context has ended.
type cancelledStore struct{ *memStore }

func (s cancelledStore) Reminders(ctx context.Context) ([]ReminderRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.memStore.Reminders(ctx)
}

// TestRunStoppedWhileSettling: a stop that arrives while Run still settles
// the reminders of the last run is a clean stop, not a failure (CI saw a bot
// stopped a second after "ready" exit 1 with "read reminders: context
// canceled").
func TestRunStoppedWhileSettling(t *testing.T) {
	b := newTestBot(t, bottest.NewClock(at(9, 3)), cancelledStore{newMemStore()}, &recorder{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Run(ctx, RunOptions{}); err != nil {
		t.Errorf("Run stopped before it began: %v, want nil", err)
	}
}
