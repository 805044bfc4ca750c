package groupcommit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// write is a test write: the error it reports for itself.
type write func() error

func TestBatchesAndAnswers(t *testing.T) {
	gate := make(chan struct{})
	entered := make(chan struct{}, 1)
	var mu sync.Mutex
	var sizes []int
	q := Start(func(batch []*Request[write]) ([]error, error) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate // the first commit waits, so that the others queue behind it
		mu.Lock()
		sizes = append(sizes, len(batch))
		mu.Unlock()
		errs := make([]error, len(batch))
		for i, r := range batch {
			errs[i] = r.Write()
		}
		return errs, nil
	})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- q.Do(ctx, func() error { return nil }) }()
	// The first write is being committed, alone, before any other is sent:
	// else the goroutine could take some of them into the first batch.
	<-entered
	bad := errors.New("refused")
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = q.Do(ctx, func() error {
				if i%3 == 0 {
					return bad
				}
				return nil
			})
		})
	}
	for q.Queued() < n { // the first is taken; the others wait
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	if err := <-first; err != nil {
		t.Errorf("first write: %v", err)
	}
	for i, err := range errs {
		if want := i%3 == 0; (err != nil) != want || (want && !errors.Is(err, bad)) {
			t.Errorf("write %d: %v, want refused: %v", i, err, want)
		}
	}
	q.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != n {
		t.Errorf("batch sizes %v, want [1 %d]", sizes, n)
	}
	if c, w := q.Stats(); c != 2 || w != 1+n-4 {
		t.Errorf("stats = %d commits, %d writes; want 2, %d", c, w, 1+n-4)
	}
	if err := q.Do(ctx, func() error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Stop: %v, want ErrClosed", err)
	}
}

func TestTransactionErrorReachesEveryWrite(t *testing.T) {
	broken := errors.New("disk full")
	q := Start(func(batch []*Request[write]) ([]error, error) { return nil, broken })
	defer q.Stop()
	if err := q.Do(context.Background(), func() error { return nil }); !errors.Is(err, broken) || err.Error() != "commit: disk full" {
		t.Errorf("Do = %v, want commit: disk full", err)
	}
	if c, w := q.Stats(); c != 0 || w != 0 {
		t.Errorf("stats = %d, %d after a failed commit, want 0, 0", c, w)
	}
}
