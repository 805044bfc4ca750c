package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/storetest"
)

// add stores qs and returns them as stored.
func add(t *testing.T, db *DB, qs ...bot.Question) []bot.Question {
	t.Helper()
	var out []bot.Question
	for _, q := range qs {
		stored, err := db.AddQuestion(context.Background(), q)
		if err != nil {
			t.Fatalf("AddQuestion: %v", err)
		}
		out = append(out, stored)
	}
	return out
}

func listQ(t *testing.T, db *DB, f bot.QuestionFilter) []bot.Question {
	t.Helper()
	qs, err := db.Questions(context.Background(), f)
	if err != nil {
		t.Fatalf("Questions(%+v): %v", f, err)
	}
	return qs
}

func TestQuestionSchema(t *testing.T) {
	db := openT(t, "")
	t.Run("tables are strict", func(t *testing.T) {
		for _, table := range []string{"questions", "votes"} {
			var strict bool
			if err := db.sql.QueryRow("SELECT strict FROM pragma_table_list WHERE name = ?", table).Scan(&strict); err != nil || !strict {
				t.Errorf("table %s: strict = %v (%v), want true", table, strict, err)
			}
		}
	})
	t.Run("a vote needs its question", func(t *testing.T) {
		if _, err := db.sql.Exec("INSERT INTO votes (question_id, user_id) VALUES (42, 'u')"); err == nil {
			t.Error("a vote for a missing question was stored")
		}
	})
	// The queries the bot runs on every /ask and /questions next use an index.
	type plan struct {
		name, query string
		args        []any
		index       string
	}
	plans := []plan{
		{"AskedSince", askedSinceQuery, []any{"u", 0}, "questions_asker_asked"},
		{"HasAsked", hasAskedQuery, []any{"u", "text"}, "questions_asker_text"},
	}
	for _, session := range []string{"panel", ""} {
		q, args := nextQuery(session)
		index := "questions_session_queue"
		if session == "" {
			index = "questions_queue"
		}
		plans = append(plans, plan{fmt.Sprintf("TakeNext of %q", session), q, args, index})
	}
	for _, p := range plans {
		t.Run(p.name, func(t *testing.T) {
			rows, err := db.sql.Query("EXPLAIN QUERY PLAN "+p.query, p.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			got := strings.Join(plan, "; ")
			if !strings.Contains(got, "INDEX "+p.index) || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("plan %q, want it to use index %s with no sort", got, p.index)
			}
		})
	}
}

// questionCrashChildEnv, set to a database path, makes TestQuestionCrashChild
// the process TestCrashKeepsAddedQuestions kills. (TestMain's hook, in
// helpers_test.go, serves the reminders crash test.)
const questionCrashChildEnv = "WORKSHOPBOT_SQLITE_QUESTION_CRASH_CHILD"

// crashQuestion is the question the crash child adds as its i-th.
func crashQuestion(i int) bot.Question {
	q := question(fmt.Sprintf("u%d", i%7), fmt.Sprintf("crash question %d: does it survive?", i), 0)
	q.AskedAt = q.AskedAt.Add(time.Duration(i) * time.Millisecond)
	q.UpdatedAt = q.AskedAt
	return q
}

// TestQuestionCrashChild is not a test: run by TestCrashKeepsAddedQuestions, it
// adds questions (each with one vote) until it is killed, printing "added ID I"
// after each AddQuestion returns and "voted ID" after each ToggleVote.
func TestQuestionCrashChild(t *testing.T) {
	path := os.Getenv(questionCrashChildEnv)
	if path == "" {
		t.Skip("the process TestCrashKeepsAddedQuestions kills")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		q, err := db.AddQuestion(ctx, crashQuestion(i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// os.Stdout is unbuffered: the line is out before the next write starts.
		fmt.Printf("added %d %d\n", q.ID, i)
		if _, _, err := db.ToggleVote(ctx, q.ID, "voter"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("voted %d\n", q.ID)
	}
}

func TestCrashKeepsAddedQuestions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	cmd, stderr, lines := startCrashChild(t, "^TestQuestionCrashChild$", questionCrashChildEnv, path)

	added := map[int64]int{} // question id -> i, as reported
	voted := map[int64]bool{}
	record := func(l string) {
		var id int64
		var i int
		if _, err := fmt.Sscanf(l, "added %d %d", &id, &i); err == nil {
			added[id] = i
			return
		}
		if _, err := fmt.Sscanf(l, "voted %d", &id); err == nil {
			voted[id] = true
			return
		}
		// go test may print its own lines (e.g. "PASS") only if the child exits;
		// anything else is a broken child.
		t.Errorf("child printed %q", l)
	}

	// Read until the child has added a fair number of questions, then kill it
	// wherever it is: it spends its time inside AddQuestion and ToggleVote.
	const enough, limit = 200, 2 * time.Second
	timeout := time.After(limit)
reading:
	for len(added) < enough {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before it was killed: %s", stderr.String())
			}
			record(l)
		case <-timeout:
			break reading
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		record(l)
	}
	err := cmd.Wait()
	if runtime.GOOS != "windows" && (err == nil || cmd.ProcessState.Exited()) {
		t.Fatalf("child was not killed: %v: %s", err, stderr.String())
	}
	if len(added) == 0 {
		t.Fatalf("child added nothing within %v: %s", limit, stderr.String())
	}
	t.Logf("child added %d questions before SIGKILL", len(added))

	db := openT(t, path)
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bot.Question{}
	for _, q := range listQ(t, db, bot.QuestionFilter{}) {
		stored[q.ID] = q
	}
	for id, i := range added {
		q, ok := stored[id]
		if !ok {
			t.Errorf("question %d reported added is missing", id)
			continue
		}
		want := crashQuestion(i)
		if q.Text != want.Text || q.AskerID != want.AskerID || !q.AskedAt.Equal(want.AskedAt) {
			t.Errorf("question %d stored as %s, want the child's question %d", id, qline(q), i)
		}
		// A vote can commit and the child die before it says so.
		if voted[id] && q.Votes != 1 {
			t.Errorf("question %d reported voted has %d votes, want 1", id, q.Votes)
		}
	}
	// Anything stored that was never reported can only be the one add in flight.
	for id := range stored {
		if _, ok := added[id]; !ok && id != int64(len(added))+1 {
			t.Errorf("question %d stored but neither reported nor the add in flight (%d reported)", id, len(added))
		}
	}
	storetest.CheckVotesInStep(t, db.sql)
	// Numbering goes on after the crash, past every number handed out.
	if q := add(t, db, question("a", "after the crash", 0))[0]; q.ID <= int64(len(stored)) {
		t.Errorf("first id after the crash = %d, want more than %d", q.ID, len(stored))
	}
}
