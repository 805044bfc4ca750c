package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leadership: of the bots sharing one database, the one that holds a
// session-level advisory lock (leaderLock) acts; the others stand by. The lock
// is held on a connection of its own, opened for the term and closed at its
// end, so it lives exactly as long as that session: when the active bot dies
// (SIGKILL, host loss) its connection closes, the server ends the session and
// drops the lock, and a standby's next try takes it. An active bot that can no
// longer ping its lock's connection can no longer prove it leads, so it stops
// acting at once and stands by again.
//
// A cut network is seen by the server only when its TCP keepalives give up
// (tcp_keepalives_idle and friends, in postgresql.conf): until then the lock
// stays with the cut-off bot, which has stopped acting within Check. The
// README says how to shorten that.

// Leader runs a function only while this process holds the leader lock.
type Leader struct {
	url string
	log *slog.Logger
	// Try is how often a standby tries to take the lock (and reconnects, after
	// a failure): the takeover delay after the leader's session ends is at most
	// this, plus the time its start takes.
	Try time.Duration
	// Check is how often the leader pings its lock's connection; a ping that
	// fails, or has no answer within Check, ends the term.
	Check time.Duration

	active atomic.Bool
	terms  atomic.Int64
}

// NewLeader returns a Leader for the database at url (postgres://...).
func NewLeader(url string, log *slog.Logger) *Leader {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Leader{url: url, log: log, Try: 500 * time.Millisecond, Check: time.Second}
}

// Active reports whether this process holds the lock and is acting.
func (l *Leader) Active() bool { return l.active.Load() }

// Terms reports how many terms this process has started as leader.
func (l *Leader) Terms() int64 { return l.terms.Load() }

// Run alternates standby and act until ctx ends. standby runs while this
// process waits for the lock (it may serve a status page; it must not act) and
// is stopped, and waited for, before act starts. act runs while the lock is
// held, on a context that ends as soon as the lock can no longer be proved;
// then Run closes the lock's connection and waits for the lock again. Run
// returns nil when ctx ends, and act's error when act fails while the lock is
// still held.
func (l *Leader) Run(ctx context.Context, standby, act func(ctx context.Context) error) error {
	for {
		sctx, stopStandby := context.WithCancel(ctx)
		standbyDone := make(chan error, 1)
		go func() { standbyDone <- standby(sctx) }() // owned by sctx: stopped and waited for below
		conn, err := l.acquire(ctx)
		stopStandby()
		if serr := <-standbyDone; serr != nil && ctx.Err() == nil {
			l.log.Warn("standby page stopped", "err", serr)
		}
		if err != nil {
			return nil // acquire fails only when ctx ends
		}
		lost, err := l.term(ctx, conn, act)
		if ctx.Err() != nil {
			return nil
		}
		if !lost {
			return err
		}
		l.log.Warn("leadership lost: stopped acting; standing by", "err", err)
	}
}

// acquire tries the lock every Try until it holds it, or ctx ends. It keeps
// one connection between tries, and replaces it when a try fails: a try has a
// deadline, so a connection cut without a word is noticed too.
func (l *Leader) acquire(ctx context.Context) (*pgx.Conn, error) {
	var conn *pgx.Conn
	warned := false
	for {
		var err error
		if conn == nil {
			conn, err = l.connect(ctx)
		}
		if conn != nil {
			var got bool
			if got, err = l.try(ctx, conn); got {
				return conn, nil
			}
			if err != nil {
				closeConn(conn)
				conn = nil
			}
		}
		if err != nil && !warned && ctx.Err() == nil {
			l.log.Warn("standby: cannot reach the database; trying again", "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			if conn != nil {
				closeConn(conn)
			}
			return nil, ctx.Err()
		case <-time.After(l.Try):
		}
	}
}

// timeout bounds one connection attempt or one try of the lock.
func (l *Leader) timeout() time.Duration { return max(5*time.Second, l.Try) }

// connect opens a connection for the lock.
func (l *Leader) connect(ctx context.Context) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, l.timeout())
	defer cancel()
	conn, err := pgx.Connect(cctx, l.url)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// try tries the lock once on conn.
func (l *Leader) try(ctx context.Context, conn *pgx.Conn) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, l.timeout())
	defer cancel()
	var got bool
	if err := conn.QueryRow(cctx, "SELECT pg_try_advisory_lock($1)", leaderLock).Scan(&got); err != nil {
		return false, fmt.Errorf("try leader lock: %w", err)
	}
	return got, nil
}

// term runs act while conn holds the lock. lost reports that the lock could no
// longer be proved (a failed ping) rather than act returning by itself.
func (l *Leader) term(ctx context.Context, conn *pgx.Conn, act func(ctx context.Context) error) (lost bool, err error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var pingErr atomic.Pointer[error]
	watched := make(chan struct{})
	go func() { // owned by actx: cancelled and waited for below
		defer close(watched)
		if err := l.watch(actx, conn); err != nil {
			pingErr.Store(&err)
			cancel() // stop acting at once
		}
	}()
	n := l.terms.Add(1)
	l.log.Info("leader lock taken: acting", "term", n)
	l.active.Store(true)
	err = act(actx)
	l.active.Store(false)
	cancel()
	<-watched
	if p := pingErr.Load(); p != nil {
		lost, err = true, *p
	} else if err != nil && ctx.Err() == nil {
		// act failed by itself: if the lock's connection is gone too, the
		// failure was the database's, and the bot should stand by, not exit.
		pctx, pcancel := context.WithTimeout(ctx, l.Check)
		if perr := conn.Ping(pctx); perr != nil {
			lost, err = true, fmt.Errorf("%w (and the lock's connection: %v)", err, perr)
		}
		pcancel()
	}
	closeConn(conn) // ends the session: the server drops the lock
	return lost, err
}

// watch pings conn every Check until ctx ends (nil) or a ping fails (its error).
func (l *Leader) watch(ctx context.Context, conn *pgx.Conn) error {
	t := time.NewTicker(l.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, l.Check)
		err := conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("ping the leader lock's connection: %w", err)
		}
	}
}

// closeConn closes conn within a second; a dead connection is simply dropped.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx) // the session is gone either way
}
