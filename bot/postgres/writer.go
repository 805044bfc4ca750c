package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The writer is bot/sqlite's group commit on PostgreSQL: the frequent writes
// (questions asked, votes, status changes) are handed to one goroutine, which
// runs everything that arrived while its last commit was in flight in one
// transaction, each write in a savepoint of its own, and answers each caller
// once the transaction is committed. The transaction takes questionsLock, so a
// write that depends on what is stored (the per-user limit, the repeat check,
// a status change from an expected status, the next question) is decided as
// if alone, across both bots of a pair as well as within one. A burst of 32
// /ask then costs a few commits, not 32 one after the other behind the lock.

// maxBatch bounds how many writes one transaction carries.
const maxBatch = 256

// ErrClosed is returned for a write handed to a closed DB.
var ErrClosed = errors.New("database closed")

// writeFunc is one write: it runs inside the batch's transaction, on tx only,
// and returns an error to have its own changes, and only those, undone.
type writeFunc func(ctx context.Context, tx pgx.Tx) error

// writeReq is a write waiting for the writer, and the answer it waits for.
type writeReq struct {
	ctx  context.Context // the caller's: a write whose caller gave up is not run
	fn   writeFunc
	done chan error // buffered: the writer never waits for the caller
}

// writer is the one goroutine that writes through group commit.
type writer struct {
	pool    *pgxpool.Pool
	reqs    chan *writeReq
	stop    context.CancelFunc
	stopped chan struct{} // closed when run has returned

	mu     sync.RWMutex // held to read by senders, so that none is mid-send once closed is set
	closed bool

	commits atomic.Int64 // transactions committed
	writes  atomic.Int64 // writes carried by them
}

// startWriter starts the writer on pool; it runs until stopWriter, which
// finishes the writes already handed to it.
func startWriter(pool *pgxpool.Pool) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writer{pool: pool, reqs: make(chan *writeReq, maxBatch), stop: cancel, stopped: make(chan struct{})}
	go func() { // owned by ctx: stopWriter cancels it and waits
		defer close(w.stopped)
		w.run(ctx)
	}()
	return w
}

// stopWriter refuses new writes, commits those already queued, and returns
// when the writer has stopped.
func (w *writer) stopWriter() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.stop()
	<-w.stopped
}

// do hands fn to the writer and returns its outcome once the transaction that
// carried it is committed or rolled back.
func (w *writer) do(ctx context.Context, fn writeFunc) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.reqs <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	// As in bot/sqlite: once queued the request is answered; a caller whose
	// ctx ends first is told so, and its write may still commit.
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits the first waiting write with every other one already queued,
// until ctx ends; then it commits what is left.
func (w *writer) run(ctx context.Context) {
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-w.reqs:
			batch = w.fill(append(batch[:0], r))
			w.commit(batch)
		case <-ctx.Done():
			for {
				batch = w.fill(batch[:0])
				if len(batch) == 0 {
					return
				}
				w.commit(batch)
			}
		}
	}
}

// fill adds to batch the requests already queued, up to maxBatch.
func (w *writer) fill(batch []*writeReq) []*writeReq {
	for len(batch) < maxBatch {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit runs batch in one transaction holding questionsLock, each write in a
// savepoint, so that one that fails is undone alone; if the transaction
// itself fails, every write of the batch gets that error.
func (w *writer) commit(batch []*writeReq) {
	// Nobody cancels the statements: interrupting one would roll back the
	// others' writes with it. A caller that has gone is left out.
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockTimeoutSQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", int32(appKey), int32(questionsLock)); err != nil {
			return err
		}
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			sp, err := tx.Begin(ctx) // a savepoint
			if err != nil {
				return err
			}
			if errs[i] = r.fn(ctx, sp); errs[i] != nil {
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				continue
			}
			if err := sp.Commit(ctx); err != nil { // RELEASE SAVEPOINT
				return err
			}
		}
		return nil
	})
	n := 0
	for i, r := range batch {
		e := errs[i]
		if err != nil && e == nil {
			e = fmt.Errorf("commit: %w", err)
		}
		if e == nil {
			n++
		}
		r.done <- e
	}
	if err == nil {
		w.commits.Add(1)
		w.writes.Add(int64(n))
	}
}
