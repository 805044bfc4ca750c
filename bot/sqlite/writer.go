package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The writer is group commit: the bot's frequent writes (questions asked,
// votes, cards recorded, moderators' status changes) are handed to one
// goroutine, which runs everything that arrived while its last commit was
// syncing in one transaction, with one fsync, and answers each caller once
// the transaction is on disk. A burst of 32 /ask then costs a few commits
// instead of 32 commits one after the other, and a write that depends on what
// is stored (the per-user limit, the repeat check, a status change from an
// expected status) is decided by the one writer, so it holds however many
// arrive at once.

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file. The writer's connection never checkpoints (SQLite would do it
// in the commit that crosses 1,000 pages, making that batch wait for a second
// fsync and 4 MB of writes); a connection of its own does, beside the writer.
const checkpointEvery = time.Second

// maxBatch bounds how many writes one transaction carries, so that a caller
// at the back of a long queue still gets an answer soon.
const maxBatch = 256

// ErrClosed is returned for a write handed to a closed DB.
var ErrClosed = errors.New("database closed")

// writeFunc is one write: it runs inside the batch's transaction, on tx only
// (the writer's connection is the one tx holds), and returns an error to have
// its own changes, and only those, undone.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

// writeReq is a write waiting for the writer, and the answer it waits for.
type writeReq struct {
	ctx  context.Context // the caller's: a write whose caller gave up is not run
	fn   writeFunc
	done chan error // buffered: the writer never waits for the caller
}

// writer is the one goroutine that writes through group commit.
type writer struct {
	sql     *sql.DB // the writing pool (one connection)
	wrote   func(error) error
	reqs    chan *writeReq
	stop    context.CancelFunc
	stopped chan struct{} // closed when run has returned

	mu     sync.RWMutex // held to read by senders, so that none is mid-send once closed is set
	closed bool         // no write is accepted any more

	commits atomic.Int64 // transactions committed
	writes  atomic.Int64 // writes carried by them
}

// startWriter starts the writer on sdb, and the checkpointer on cdb (another
// connection to the same file). Both run until stopWriter, which finishes the
// writes already handed to the writer.
// Every transaction's outcome goes to wrote (DB.wrote, for Ping).
func startWriter(sdb, cdb *sql.DB, wrote func(error) error) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writer{sql: sdb, wrote: wrote, reqs: make(chan *writeReq, maxBatch), stop: cancel, stopped: make(chan struct{})}
	checkpointed := make(chan struct{})
	go func() { // owned by ctx: stopWriter cancels it and waits
		defer close(checkpointed)
		checkpoints(ctx, cdb)
	}()
	go func() { // owned by ctx: stopWriter cancels it and waits
		defer close(w.stopped)
		defer func() { <-checkpointed }()
		w.run(ctx)
	}()
	return w
}

// checkpoints runs a passive checkpoint every checkpointEvery until ctx ends.
// A passive checkpoint neither waits for the writer nor makes it wait; what it
// cannot copy yet (frames a reader still needs) is left for the next one. Its
// errors are not fatal: the WAL then grows until a later one succeeds, and
// closing the database checkpoints it fully.
func checkpoints(ctx context.Context, cdb *sql.DB) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = cdb.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// stopWriter refuses new writes, commits those already queued, and returns
// when the writer has stopped.
func (w *writer) stopWriter() {
	w.mu.Lock()
	w.closed = true // after this no sender is between its check and its send
	w.mu.Unlock()
	w.stop()
	<-w.stopped
}

// do hands fn to the writer and returns its outcome once the transaction that
// carried it is committed (and synced) or rolled back.
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
	// Once queued, the request is answered (run drains the queue before it
	// stops). A caller whose ctx ends first is told so; its write is then not
	// run if the writer has not reached it yet, and may commit if it has, so
	// a caller must not report "not stored" as certain.
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run takes the first waiting write and every other one already queued, and
// commits them together; until ctx ends, then it commits what is left.
func (w *writer) run(ctx context.Context) {
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-w.reqs:
			batch = w.fill(append(batch[:0], r))
			w.commit(batch)
		case <-ctx.Done():
			// stopWriter set closed first: what is queued now is all there will be.
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

// commit runs batch in one transaction. Each write runs inside a savepoint,
// so one that fails is undone alone and the others still commit; if the
// transaction itself fails (cannot begin, cannot commit, or SQLite rolled it
// back), every write of the batch gets that error.
func (w *writer) commit(batch []*writeReq) {
	// The statements run on a context that nobody cancels: interrupting a
	// statement would roll back the whole transaction, others' writes with it.
	// A caller that has gone is simply left out (below).
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := func() error {
		tx, err := w.sql.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
				tx.Rollback()
				return err
			}
			errs[i] = r.fn(ctx, tx)
			if errs[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO write"); err != nil {
					tx.Rollback()
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE write"); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}()
	// A write that hit a full disk inside its savepoint fails alone, and
	// the transaction still commits: its error counts for Ping as much.
	outcome := err
	for _, e := range errs {
		if outcome == nil && e != nil && storageError(e) {
			outcome = e
		}
	}
	w.wrote(outcome)
	n := 0
	for i, r := range batch {
		e := errs[i]
		if err != nil && e == nil {
			e = fmt.Errorf("commit: %w", classify(err))
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
