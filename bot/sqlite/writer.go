package sqlite

import (
	"context"
	"database/sql"
	"time"

	"workshopbot/bot/internal/groupcommit"
)

// The writer is group commit (bot/internal/groupcommit): the bot's frequent
// writes (questions asked, votes, cards recorded, moderators' status changes)
// are handed to one goroutine, which runs everything that arrived while its
// last commit was syncing in one transaction, with one fsync, and answers each
// caller once the transaction is on disk. A burst of 32 /ask then costs a few commits
// instead of 32 commits one after the other, and a write that depends on what
// is stored (the per-user limit, the repeat check, a status change from an
// expected status) is decided by the one writer, so it holds however many
// arrive at once.

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file. The writer's connection never checkpoints (SQLite would do it
// in the commit that crosses 1,000 pages, making that batch wait for a second
// fsync and 4 MB of writes); a connection of its own does, beside the writer.
const checkpointEvery = time.Second

// ErrClosed is returned for a write handed to a closed DB.
var ErrClosed = groupcommit.ErrClosed

// writeFunc is one write: it runs inside the batch's transaction, on tx only
// (the writer's connection is the one tx holds), and returns an error to have
// its own changes, and only those, undone.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

// writer is the group commit (bot/internal/groupcommit) on the writing
// connection, and the checkpointer beside it.
type writer struct {
	*groupcommit.Queue[writeFunc]
	stopCheckpoints context.CancelFunc
	checkpointed    chan struct{} // closed when checkpoints has returned
}

// startWriter starts the writer on sdb, and the checkpointer on cdb (another
// connection to the same file). Both run until stopWriter, which finishes the
// writes already handed to the writer.
// Every transaction's outcome goes to wrote (DB.wrote, for Ping).
func startWriter(sdb, cdb *sql.DB, wrote func(error) error) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writer{stopCheckpoints: cancel, checkpointed: make(chan struct{})}
	go func() { // owned by ctx: stopWriter cancels it and waits
		defer close(w.checkpointed)
		checkpoints(ctx, cdb)
	}()
	w.Queue = groupcommit.Start(func(batch []*groupcommit.Request[writeFunc]) ([]error, error) {
		errs, err := commit(sdb, batch)
		// A write that hit a full disk inside its savepoint fails alone, and
		// the transaction still commits: its error counts for Ping as much.
		outcome := err
		for _, e := range errs {
			if outcome == nil && e != nil && storageError(e) {
				outcome = e
			}
		}
		wrote(outcome)
		return errs, err
	})
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
// when the writer and the checkpointer have stopped.
func (w *writer) stopWriter() {
	w.Stop()
	w.stopCheckpoints()
	<-w.checkpointed
}

// do hands fn to the writer and returns its outcome once the transaction that
// carried it is committed (and synced) or rolled back.
func (w *writer) do(ctx context.Context, fn writeFunc) error { return w.Do(ctx, fn) }

// commit runs batch in one transaction. Each write runs inside a savepoint,
// so one that fails is undone alone and the others still commit; if the
// transaction itself fails (cannot begin, cannot commit, or SQLite rolled it
// back), every write of the batch gets that error.
func commit(sdb *sql.DB, batch []*groupcommit.Request[writeFunc]) ([]error, error) {
	// The statements run on a context that nobody cancels: interrupting a
	// statement would roll back the whole transaction, others' writes with it.
	// A caller that has gone is simply left out (below).
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := func() error {
		tx, err := sdb.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i, r := range batch {
			if err := r.Ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
				tx.Rollback()
				return err
			}
			errs[i] = r.Write(ctx, tx)
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
	if err != nil {
		return errs, classify(err)
	}
	return errs, nil
}
