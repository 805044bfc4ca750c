package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
)

// holdWriter takes the writing connection, as a long commit would, so that
// the writer stalls on its next batch; release gives it back.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	conn, err := db.sql.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { conn.Close() }) }
	t.Cleanup(release)
	return release
}

// stall holds the writing connection and runs first, a write, in a goroutine:
// it returns once the writer has taken that write alone and is waiting for
// the connection, so that every write handed over next queues behind it.
func stall(t *testing.T, db *DB, first func()) (release func()) {
	t.Helper()
	release = holdWriter(t, db)
	waits := db.sql.Stats().WaitCount
	go first()
	deadline := time.Now().Add(10 * time.Second)
	for db.sql.Stats().WaitCount == waits {
		if time.Now().After(deadline) {
			t.Fatal("the writer did not take the first write")
		}
		time.Sleep(time.Millisecond)
	}
	return release
}

// waitQueued waits until n writes are queued behind the stalled writer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for db.w.Queued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", db.w.Queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Writes that arrive while a commit runs are committed together, in one
// transaction, and each caller is answered; a write that fails is undone
// alone, and the others of its batch are stored.
func TestGroupCommit(t *testing.T) {
	db := openT(t, "")
	const n = 40
	errs := make([]error, n+2)
	var wg sync.WaitGroup
	// The first write is taken by the writer, which then waits for the
	// connection; the others queue behind it, and go in the next batch.
	wg.Add(1)
	c0, w0 := db.WriteStats()
	release := stall(t, db, func() {
		defer wg.Done()
		_, errs[0] = db.AddQuestion(context.Background(), question("u0", "The first question", 0))
	})
	for i := 1; i < n; i++ {
		wg.Go(func() {
			_, errs[i] = db.AddQuestion(context.Background(), question(fmt.Sprint("u", i), fmt.Sprint("Question ", i), 0))
		})
	}
	// Two writes that fail inside the batch: a vote for, and the cards of, a
	// question that does not exist.
	wg.Go(func() { _, _, errs[n] = db.ToggleVote(context.Background(), 999, "voter") })
	wg.Go(func() { errs[n+1] = db.SetCards(context.Background(), 999, "c", "m", "") })
	waitQueued(t, db, n+1)
	release()
	wg.Wait()
	for i, err := range errs[:n] {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	for i, err := range errs[n:] {
		if !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("failing write %d: %v, want not found", i, err)
		}
	}
	commits, writes := db.WriteStats()
	if got := commits - c0; got != 2 {
		t.Errorf("%d commits for %d writes, want 2 (the first alone, then the %d that queued meanwhile)", got, n, n-1)
	}
	if got := writes - w0; got != n {
		t.Errorf("%d writes committed, want %d", got, n)
	}
	if got := len(listQ(t, db, bot.QuestionFilter{})); got != n {
		t.Errorf("%d questions stored, want %d", got, n)
	}
}

// Ask's limit and repeat check count the writes ahead of it in the same
// batch: 30 questions of one asker at once, limit 5, store 5.
func TestAskRulesInOneBatch(t *testing.T) {
	db := openT(t, "")
	const n = 30
	rules := bot.AskRules{Limit: 5, Since: t0.Add(-10 * time.Minute), NoRepeat: true}
	errs := make([]error, n)
	var wg sync.WaitGroup
	ask := func(i int) {
		defer wg.Done()
		text := fmt.Sprint("Question ", i%10) // each text three times
		_, errs[i] = db.Ask(context.Background(), question("alice", text, 0), rules)
	}
	wg.Add(n)
	release := stall(t, db, func() { ask(0) })
	for i := 1; i < n; i++ {
		go ask(i)
	}
	waitQueued(t, db, n-1)
	release()
	wg.Wait()
	stored, limited, repeats := 0, 0, 0
	for i, err := range errs {
		var le *bot.LimitError
		switch {
		case err == nil:
			stored++
		case errors.As(err, &le):
			limited++
			if le.Asked != 5 {
				t.Errorf("ask %d: limit error with %d asked, want 5", i, le.Asked)
			}
		case errors.Is(err, bot.ErrRepeat):
			repeats++
		default:
			t.Errorf("ask %d: %v", i, err)
		}
	}
	if stored != 5 || limited+repeats != n-5 {
		t.Errorf("%d stored, %d over the limit, %d repeats; want 5 stored", stored, limited, repeats)
	}
	if got := len(listQ(t, db, bot.QuestionFilter{})); got != 5 {
		t.Errorf("%d questions stored, want 5", got)
	}
	// Someone else is not held back by Alice's limit, nor by her texts.
	if _, err := db.Ask(context.Background(), question("bob", "Question 1", 0), rules); err != nil {
		t.Errorf("bob: %v", err)
	}
}

// Reads have connections of their own: they are answered while the writer is
// in the middle of a commit (here: stalled on its connection).
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	db := openT(t, "")
	q := add(t, db, question("u1", "Stored before the commit", 0))[0]
	stall(t, db, func() { _, _ = db.AddQuestion(context.Background(), question("u2", "Waiting for its commit", 0)) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := db.Questions(ctx, bot.QuestionFilter{}); err != nil {
		t.Errorf("Questions while a commit runs: %v", err)
	}
	if _, err := db.Question(ctx, q.ID); err != nil {
		t.Errorf("Question while a commit runs: %v", err)
	}
	if _, err := db.Reminders(ctx); err != nil {
		t.Errorf("Reminders while a commit runs: %v", err)
	}
}

// Close commits the writes already handed to the writer, then refuses more;
// and leaves no WAL behind (the last connection checkpoints it).
func TestCloseCommitsQueuedWrites(t *testing.T) {
	path := t.TempDir() + "/workshopbot.db"
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	write := func(i int) {
		defer wg.Done()
		_, errs[i] = db.AddQuestion(context.Background(), question(fmt.Sprint("u", i), "Queued at close", 0))
	}
	wg.Add(n)
	release := stall(t, db, func() { write(0) })
	for i := 1; i < n; i++ {
		go write(i)
	}
	waitQueued(t, db, n-1)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	release()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d queued at close: %v", i, err)
		}
	}
	if _, err := db.AddQuestion(context.Background(), question("late", "After close", 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("AddQuestion after Close: %v, want ErrClosed", err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WAL left after Close: %v", err)
	}
	db = openT(t, path)
	if got := len(listQ(t, db, bot.QuestionFilter{})); got != n {
		t.Errorf("%d questions stored after reopening, want %d", got, n)
	}
}
