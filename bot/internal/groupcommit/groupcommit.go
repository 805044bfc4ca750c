// Package groupcommit is the group commit both stores use (bot/sqlite,
// bot/postgres): the frequent writes are handed to one goroutine, which
// commits everything that arrived while its last commit was in flight in one
// transaction, and answers each caller once that transaction is committed. A
// burst of 32 /ask then costs a few commits instead of 32 one after the other,
// and a write that depends on what is stored is decided by the one goroutine,
// so it holds however many arrive at once.
//
// The queue knows nothing of databases: the store gives it the function that
// commits a batch. It must never import package bot or a store.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// MaxBatch bounds how many writes one transaction carries, so that a caller
// at the back of a long queue still gets an answer soon.
const MaxBatch = 256

// ErrClosed is returned for a write handed to a stopped Queue.
var ErrClosed = errors.New("database closed")

// Request is one write waiting in the queue: W is the store's write function.
type Request[W any] struct {
	Ctx   context.Context // the caller's: a write whose caller gave up is not run
	Write W
	done  chan error // buffered: the queue never waits for the caller
}

// CommitFunc commits batch in one transaction. It returns each write's own
// error (nil: done), and the transaction's: if that is not nil, every write
// without an error of its own gets it.
type CommitFunc[W any] func(batch []*Request[W]) (errs []error, err error)

// Queue is the one goroutine that writes, and the writes waiting for it.
type Queue[W any] struct {
	commit  CommitFunc[W]
	reqs    chan *Request[W]
	stop    context.CancelFunc
	stopped chan struct{} // closed when run has returned

	mu     sync.RWMutex // held to read by senders, so that none is mid-send once closed is set
	closed bool         // no write is accepted any more

	commits atomic.Int64 // transactions committed
	writes  atomic.Int64 // writes carried by them
}

// Start starts the queue's goroutine; it runs until Stop, which finishes the
// writes already handed over.
func Start[W any](commit CommitFunc[W]) *Queue[W] {
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue[W]{commit: commit, reqs: make(chan *Request[W], MaxBatch), stop: cancel, stopped: make(chan struct{})}
	go func() { // owned by ctx: Stop cancels it and waits
		defer close(q.stopped)
		q.run(ctx)
	}()
	return q
}

// Stop refuses new writes, commits those already queued, and returns when the
// goroutine has stopped.
func (q *Queue[W]) Stop() {
	q.mu.Lock()
	q.closed = true // after this no sender is between its check and its send
	q.mu.Unlock()
	q.stop()
	<-q.stopped
}

// Do hands w to the queue and returns its outcome once the transaction that
// carried it is committed or rolled back.
func (q *Queue[W]) Do(ctx context.Context, w W) error {
	r := &Request[W]{Ctx: ctx, Write: w, done: make(chan error, 1)}
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		return ErrClosed
	}
	select {
	case q.reqs <- r:
		q.mu.RUnlock()
	case <-ctx.Done():
		q.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the request is answered (run drains the queue before it
	// stops). A caller whose ctx ends first is told so; its write is then not
	// run if the queue has not reached it yet, and may commit if it has, so
	// a caller must not report "not stored" as certain.
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Queued reports how many writes wait for the goroutine.
func (q *Queue[W]) Queued() int { return len(q.reqs) }

// Stats reports how many transactions have been committed, and how many
// writes they carried.
func (q *Queue[W]) Stats() (commits, writes int64) { return q.commits.Load(), q.writes.Load() }

// run takes the first waiting write and every other one already queued, and
// commits them together; until ctx ends, then it commits what is left.
func (q *Queue[W]) run(ctx context.Context) {
	batch := make([]*Request[W], 0, MaxBatch)
	for {
		select {
		case r := <-q.reqs:
			batch = q.fill(append(batch[:0], r))
			q.answer(batch)
		case <-ctx.Done():
			// Stop set closed first: what is queued now is all there will be.
			for {
				batch = q.fill(batch[:0])
				if len(batch) == 0 {
					return
				}
				q.answer(batch)
			}
		}
	}
}

// fill adds to batch the requests already queued, up to MaxBatch.
func (q *Queue[W]) fill(batch []*Request[W]) []*Request[W] {
	for len(batch) < MaxBatch {
		select {
		case r := <-q.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// answer commits batch and answers each of its callers.
func (q *Queue[W]) answer(batch []*Request[W]) {
	errs, err := q.commit(batch)
	n := 0
	for i, r := range batch {
		var e error
		if i < len(errs) {
			e = errs[i]
		}
		if err != nil && e == nil {
			e = fmt.Errorf("commit: %w", err)
		}
		if e == nil {
			n++
		}
		r.done <- e
	}
	if err == nil {
		q.commits.Add(1)
		q.writes.Add(int64(n))
	}
}
