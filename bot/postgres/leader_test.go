package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"workshopbot/bot/postgres/pgtest"
)

// pair runs two Leaders on one database; acting counts how many act at once
// and fails the test if it is ever two.
type pair struct {
	t      *testing.T
	acting atomic.Int32
	starts chan int // the leader (0 or 1) that started a term
}

func (p *pair) act(i int) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if n := p.acting.Add(1); n > 1 {
			p.t.Errorf("%d leaders act at once", n)
		}
		defer p.acting.Add(-1)
		p.starts <- i
		<-ctx.Done()
		return nil
	}
}

// fast makes l try the lock often. Its ping stays at half a second: a ping is
// also its own timeout, and a shorter one fails on a machine busy with the
// race detector, which a leader takes for a lost lock (and acts again).
func fast(l *Leader) *Leader {
	l.Try, l.Check = 50*time.Millisecond, 500*time.Millisecond
	return l
}

func standbyIdle(ctx context.Context) error { <-ctx.Done(); return nil }

func TestOneLeaderAtATimeAndTakeover(t *testing.T) {
	u := pgtest.Shared(t).NewDatabase(t)
	p := &pair{t: t, starts: make(chan int, 10)}
	ctxs := make([]context.CancelFunc, 2)
	var wg sync.WaitGroup
	leaders := []*Leader{fast(NewLeader(u, nil)), fast(NewLeader(u, nil))}
	for i, l := range leaders {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		wg.Go(func() {
			if err := l.Run(ctx, standbyIdle, p.act(i)); err != nil {
				t.Errorf("Run %d: %v", i, err)
			}
		})
	}
	defer func() {
		for _, c := range ctxs {
			c()
		}
		wg.Wait()
	}()
	first := <-p.starts
	time.Sleep(300 * time.Millisecond) // the other tries meanwhile, and must fail
	if leaders[1-first].Active() {
		t.Fatalf("leader %d active beside leader %d", 1-first, first)
	}
	// The standby's connection is cut: it connects again at its next try.
	pgtest.Exec(t, u, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()
		AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted)`)
	time.Sleep(200 * time.Millisecond)
	// The leader stops (a clean shutdown): the other takes over within a few tries.
	stopped := time.Now()
	ctxs[first]()
	select {
	case got := <-p.starts:
		if got != 1-first {
			t.Fatalf("leader %d started again, want %d", got, 1-first)
		}
		t.Logf("takeover after a clean stop: %s", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("no takeover within 10 s")
	}
}

// A leader whose database session is killed (as a network cut or a server
// restart would end it) stops acting at once and stands by; the other one, or
// itself, takes the lock again.
func TestLeaderStopsActingWhenItsSessionEnds(t *testing.T) {
	u := pgtest.Shared(t).NewDatabase(t)
	db, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &pair{t: t, starts: make(chan int, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	stopped := make(chan time.Time, 10)
	l := fast(NewLeader(u, nil))
	wg.Go(func() {
		l.Run(ctx, standbyIdle, func(ctx context.Context) error {
			err := p.act(0)(ctx)
			stopped <- time.Now()
			return err
		})
	})
	defer func() { cancel(); wg.Wait() }()
	<-p.starts
	var killed int
	cut := time.Now()
	if err := db.pool.QueryRow(context.Background(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND objid = $1 AND objsubid = 1 AND granted`, leaderLock).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the leader's session: %d sessions (%v), want 1", killed, err)
	}
	select {
	case at := <-stopped:
		if d := at.Sub(cut); d > 3*l.Check {
			t.Errorf("stopped acting %s after its session ended, want within %s", d, 3*l.Check)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still acting 10 s after its session ended")
	}
	select {
	case <-p.starts:
		if got := l.Terms(); got != 2 {
			t.Errorf("terms = %d, want 2", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not lead again within 10 s")
	}
}
