package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"workshopbot/bot/internal/groupcommit"
)

// The frequent writes (questions asked, votes, status changes) go through the
// group commit bot/sqlite uses (bot/internal/groupcommit). Each batch's
// transaction takes questionsLock, so a write that depends on what is stored
// (the per-user limit, the repeat check, a status change from an expected
// status, the next question) is decided as if alone, across both bots of a
// pair as well as within one.

// ErrClosed is returned for a write handed to a closed DB.
var ErrClosed = groupcommit.ErrClosed

// writeFunc is one write: it runs inside the batch's transaction, on tx only,
// and returns an error to have its own changes, and only those, undone.
type writeFunc func(ctx context.Context, tx pgx.Tx) error

// startWriter starts the group commit on pool.
func startWriter(pool *pgxpool.Pool) *groupcommit.Queue[writeFunc] {
	return groupcommit.Start(func(batch []*groupcommit.Request[writeFunc]) ([]error, error) {
		return commit(pool, batch)
	})
}

// commit runs batch in one transaction holding questionsLock, each write in a
// savepoint, so that one that fails is undone alone.
func commit(pool *pgxpool.Pool, batch []*groupcommit.Request[writeFunc]) ([]error, error) {
	// Nobody cancels the statements: interrupting one would roll back the
	// others' writes with it. A caller that has gone is left out.
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockTimeoutSQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", int32(appKey), int32(questionsLock)); err != nil {
			return err
		}
		for i, r := range batch {
			if err := r.Ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			sp, err := tx.Begin(ctx) // a savepoint
			if err != nil {
				return err
			}
			if errs[i] = r.Write(ctx, sp); errs[i] != nil {
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
	return errs, err
}
