package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
)

// add stores qs and returns them as stored.
func add(t *testing.T, db store, qs ...bot.Question) []bot.Question {
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

// vote toggles each user's vote on question id.
func vote(t *testing.T, db store, id int64, users ...string) {
	t.Helper()
	for _, u := range users {
		if _, _, err := db.ToggleVote(context.Background(), id, u); err != nil {
			t.Fatalf("ToggleVote(%d, %s): %v", id, u, err)
		}
	}
}

func listQ(t *testing.T, db store, f bot.QuestionFilter) []bot.Question {
	t.Helper()
	qs, err := db.Questions(context.Background(), f)
	if err != nil {
		t.Fatalf("Questions(%+v): %v", f, err)
	}
	return qs
}

func getQ(t *testing.T, db store, id int64) bot.Question {
	t.Helper()
	q, err := db.Question(context.Background(), id)
	if err != nil {
		t.Fatalf("Question(%d): %v", id, err)
	}
	return q
}

// diffQuestions returns "" if got and want hold the same questions in the same order.
func diffQuestions(got, want []bot.Question) string {
	var g, w []string
	for _, q := range got {
		g = append(g, QLine(q))
	}
	for _, q := range want {
		w = append(w, QLine(q))
	}
	if slices.Equal(g, w) {
		return ""
	}
	return fmt.Sprintf("got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
}

func ids(qs []bot.Question) []int64 {
	out := []int64{}
	for _, q := range qs {
		out = append(out, q.ID)
	}
	return out
}

func TestAddQuestionRoundTrip(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		paris := time.FixedZone("CEST", 2*60*60)
		full := bot.Question{
			SessionID: "invited-1", Text: "Wie geht's? \"quotes\", 'apostrophes', <@456> @everyone\nand a second line",
			AskerID: "42", AskerName: "Zoë", Anonymous: true, Status: bot.QuestionWaiting,
			AskedAt:       time.Date(2026, 6, 12, 12, 0, 0, 123_456_789, paris),
			UpdatedAt:     time.Date(2026, 6, 12, 12, 1, 0, 999_999_999, paris),
			CardChannelID: "c", CardMessageID: "m", ModMessageID: "mm",
		}
		fullWant := full
		fullWant.ID = 1
		fullWant.AskedAt = time.Date(2026, 6, 12, 10, 0, 0, 123_000_000, time.UTC)
		fullWant.UpdatedAt = time.Date(2026, 6, 12, 10, 1, 0, 999_000_000, time.UTC)

		withVotes := Question("1", "a question with votes given", 0)
		withVotes.Votes = 7
		withVotesWant := withVotes
		withVotesWant.ID, withVotesWant.Votes = 1, 0

		noUpdate := Question("1", "a question with no update time", 3)
		noUpdate.UpdatedAt = time.Time{}
		noUpdateWant := noUpdate
		noUpdateWant.ID, noUpdateWant.UpdatedAt = 1, noUpdate.AskedAt

		tests := []struct {
			name string
			in   bot.Question
			want bot.Question
		}{
			{"every field, times to UTC milliseconds", full, fullWant},
			{"votes are not taken from the caller", withVotes, withVotesWant},
			{"zero UpdatedAt is AskedAt", noUpdate, noUpdateWant},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := e.open(t, "")
				got := add(t, db, tt.in)
				if d := diffQuestions(got, []bot.Question{tt.want}); d != "" {
					t.Errorf("AddQuestion returned %s", d)
				}
				if d := diffQuestions([]bot.Question{getQ(t, db, got[0].ID)}, []bot.Question{tt.want}); d != "" {
					t.Errorf("Question returned %s", d)
				}
				if q := got[0]; q.AskedAt.Location() != time.UTC || q.UpdatedAt.Location() != time.UTC {
					t.Errorf("times not in UTC: %v, %v", q.AskedAt.Location(), q.UpdatedAt.Location())
				}
			})
		}
	})
}

func TestAddQuestionRefusesInvalid(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		valid := Question("42", "a valid question", 0)
		tests := []struct {
			name   string
			change func(*bot.Question)
			want   string
		}{
			{"no session", func(q *bot.Question) { q.SessionID = "" }, "add question by 42: empty session id"},
			{"no asker", func(q *bot.Question) { q.AskerID = "" }, "add question by : empty asker id"},
			{"no text", func(q *bot.Question) { q.Text = "" }, "add question by 42: empty text"},
			{"no status", func(q *bot.Question) { q.Status = "" }, "add question by 42: empty status"},
			{"no time", func(q *bot.Question) { q.AskedAt = time.Time{} }, "add question by 42: no asked time"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := valid
				tt.change(&q)
				_, err := db.AddQuestion(context.Background(), q)
				if err == nil || err.Error() != tt.want {
					t.Errorf("AddQuestion error = %v, want %q", err, tt.want)
				}
			})
		}
		if got := listQ(t, db, bot.QuestionFilter{}); len(got) != 0 {
			t.Errorf("refused questions were stored: %v", got)
		}
	})
}

func TestQuestionIDsIncreaseAndAreNeverReused(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		path := "main"
		db, err := e.openErr(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(add(t, db, Question("1", "first question", 0), Question("2", "second question", 1), Question("1", "third question", 2)))
		if want := []int64{1, 2, 3}; !slices.Equal(got, want) {
			t.Fatalf("ids = %v, want %v", got, want)
		}
		// The highest-numbered question goes (by hand, say): its number must not
		// come back, in this run or the next.
		if _, err := e.sql(t, db).Exec("DELETE FROM questions WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		if got := add(t, db, Question("3", "fourth question", 3))[0].ID; got != 4 {
			t.Errorf("id after deleting #3 = %d, want 4", got)
		}
		if _, err := e.sql(t, db).Exec("DELETE FROM questions WHERE id = 4"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = e.open(t, path)
		if got := add(t, db, Question("3", "fifth question", 4))[0].ID; got != 5 {
			t.Errorf("id after restart = %d, want 5", got)
		}
	})
}

func TestUnknownQuestion(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		add(t, db, Question("1", "the only question", 0))
		ctx := context.Background()
		tests := []struct {
			name string
			call func() error
			want string
		}{
			{"Question", func() error { _, err := db.Question(ctx, 99); return err }, "get question 99: not found"},
			{"ToggleVote", func() error { _, _, err := db.ToggleVote(ctx, 99, "u"); return err }, "toggle vote of u on question 99: not found"},
			{"SetStatus", func() error {
				_, err := db.SetStatus(ctx, 99, bot.QuestionAnswered, nil, T0)
				return err
			}, "set question 99 answered: not found"},
			{"SetCards", func() error { return db.SetCards(ctx, 99, "c", "m", "") }, "set cards of question 99: not found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				if err == nil || err.Error() != tt.want || !errors.Is(err, bot.ErrNotFound) {
					t.Errorf("error = %v, want %q matching bot.ErrNotFound", err, tt.want)
				}
			})
		}
		var votes int
		if err := e.sql(t, db).QueryRow("SELECT count(*) FROM votes").Scan(&votes); err != nil || votes != 0 {
			t.Errorf("votes rows after a vote on an unknown question: %d (%v), want 0", votes, err)
		}
	})
}

func TestQuestionsFilterAndOrder(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		ctx := context.Background()
		other := Question("3", "for the invited talk", 1)
		other.SessionID = "invited-1"
		qs := add(t, db,
			Question("1", "old, no votes", 0),       // 1
			other,                                   // 2
			Question("2", "newer, two votes", 2),    // 3
			Question("3", "newest, two votes", 3),   // 4
			Question("4", "same minute as #4", 3),   // 5
			Question("5", "will be answered", 4),    // 6
			Question("6", "also one vote, old", -1), // 7
		)
		vote(t, db, 3, "a", "b")
		vote(t, db, 4, "a", "b")
		vote(t, db, 6, "a", "b", "c")
		vote(t, db, 7, "a")
		vote(t, db, 2, "a")
		if _, err := db.SetStatus(ctx, qs[5].ID, bot.QuestionAnswered, nil, T0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name string
			f    bot.QuestionFilter
			want []int64
		}{
			{"all: votes, then age, then number", bot.QuestionFilter{}, []int64{6, 3, 4, 7, 2, 1, 5}},
			{"one session", bot.QuestionFilter{SessionID: "panel"}, []int64{6, 3, 4, 7, 1, 5}},
			{"other session", bot.QuestionFilter{SessionID: "invited-1"}, []int64{2}},
			{"one status", bot.QuestionFilter{Status: bot.QuestionOpen}, []int64{3, 4, 7, 2, 1, 5}},
			{"session and status", bot.QuestionFilter{SessionID: "panel", Status: bot.QuestionAnswered}, []int64{6}},
			{"none match", bot.QuestionFilter{SessionID: "nope"}, []int64{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(listQ(t, db, tt.f)); !slices.Equal(got, tt.want) {
					t.Errorf("Questions(%+v) = %v, want %v", tt.f, got, tt.want)
				}
			})
		}
	})
}

func TestAskedSince(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		add(t, db,
			Question("alice", "asked at 10:00", 0),
			Question("alice", "asked at 10:05", 5),
			Question("alice", "asked at 10:09", 9),
			Question("bob", "bob asked at 10:09", 9),
		)
		tests := []struct {
			user  string
			since time.Time
			want  int
		}{
			{"alice", T0.Add(-time.Hour), 3},
			{"alice", T0, 3}, // at or after: the boundary counts
			{"alice", T0.Add(time.Millisecond), 2},
			{"alice", T0.Add(9 * time.Minute), 1},
			{"alice", T0.Add(10 * time.Minute), 0},
			{"bob", T0, 1},
			{"carol", T0, 0},
		}
		for _, tt := range tests {
			got, err := db.AskedSince(context.Background(), tt.user, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("AskedSince(%s, %s) = %d, want %d", tt.user, tt.since.Format("15:04:05.000"), got, tt.want)
			}
		}
	})
}

func TestHasAsked(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		add(t, db, Question("alice", "What is a neural ODE?", 0))
		dismissed := Question("alice", "A dismissed question", 1)
		dismissed.Status = bot.QuestionDismissed
		add(t, db, dismissed)
		tests := []struct {
			user, text string
			want       bool
		}{
			{"alice", "What is a neural ODE?", true},
			{"alice", "A dismissed question", true},
			{"alice", "what is a neural ODE?", false},
			{"alice", "What is a neural ODE? ", false},
			{"alice", "What is a neural ODE", false},
			{"alice", "What is a neural", false},
			{"alice", "What is a neural%", false},
			{"bob", "What is a neural ODE?", false},
		}
		for _, tt := range tests {
			got, err := db.HasAsked(context.Background(), tt.user, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("HasAsked(%s, %q) = %v, want %v", tt.user, tt.text, got, tt.want)
			}
		}
	})
}

func TestToggleVote(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		type press struct {
			id         int64
			user       string
			wantVoted  bool
			wantVotes  int
			otherVotes int // votes of the other question afterwards
		}
		tests := []struct {
			name    string
			presses []press
		}{
			{"twice returns to zero", []press{{1, "a", true, 1, 0}, {1, "a", false, 0, 0}}},
			{"three users, one takes it back", []press{
				{1, "a", true, 1, 0}, {1, "b", true, 2, 0}, {1, "c", true, 3, 0}, {1, "b", false, 2, 0},
			}},
			{"votes on one question leave the other alone", []press{
				{1, "a", true, 1, 0}, {2, "a", true, 1, 1}, {2, "a", false, 0, 1}, {1, "a", false, 0, 0}, {1, "a", true, 1, 0},
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := e.open(t, "")
				add(t, db, Question("x", "question one here", 0), Question("y", "question two here", 1))
				for i, p := range tt.presses {
					voted, votes, err := db.ToggleVote(context.Background(), p.id, p.user)
					if err != nil {
						t.Fatal(err)
					}
					if voted != p.wantVoted || votes != p.wantVotes {
						t.Errorf("press %d (%s on #%d) = (%v, %d), want (%v, %d)", i, p.user, p.id, voted, votes, p.wantVoted, p.wantVotes)
					}
					if got := getQ(t, db, p.id).Votes; got != p.wantVotes {
						t.Errorf("press %d: stored votes %d, want %d", i, got, p.wantVotes)
					}
					if got := getQ(t, db, 3-p.id).Votes; got != p.otherVotes {
						t.Errorf("press %d: other question has %d votes, want %d", i, got, p.otherVotes)
					}
				}
				CheckVotesInStep(t, e.sql(t, db))
			})
		}
	})
}

func TestConcurrentVotes(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		const users, questions = 50, 10
		for i := range questions {
			add(t, db, Question("asker", fmt.Sprintf("question number %d", i), i))
		}
		// User u votes for the questions q with (u+q)%3 != 0; every fifth user
		// changes their mind on the even ones and presses again.
		want := make([]int, questions+1)
		var wg sync.WaitGroup
		errs := make(chan error, users*questions*2)
		for u := range users {
			var presses []int64
			for q := 1; q <= questions; q++ {
				if (u+q)%3 == 0 {
					continue
				}
				presses = append(presses, int64(q))
				if u%5 == 0 && q%2 == 0 {
					presses = append(presses, int64(q)) // taken back
				} else {
					want[q]++
				}
			}
			wg.Go(func() {
				for _, id := range presses {
					if _, _, err := db.ToggleVote(context.Background(), id, fmt.Sprintf("user%02d", u)); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for q := 1; q <= questions; q++ {
			if got := getQ(t, db, int64(q)).Votes; got != want[q] {
				t.Errorf("question %d: %d votes, want %d", q, got, want[q])
			}
		}
		CheckVotesInStep(t, e.sql(t, db))
	})
}

func TestTakeNext(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		type take struct {
			session  string
			want     int64   // 0: none left
			wantPrev []int64 // marked answered by this call
		}
		tests := []struct {
			name  string
			setup func(t *testing.T, db store)
			takes []take
		}{
			{
				name: "votes first, then the oldest",
				setup: func(t *testing.T, db store) {
					add(t, db,
						Question("a", "oldest, no votes", 0),    // 1
						Question("b", "one vote", 1),            // 2
						Question("c", "two votes", 2),           // 3
						Question("d", "one vote, newer", 3),     // 4
						Question("e", "one vote, same time", 3), // 5
					)
					vote(t, db, 2, "u1")
					vote(t, db, 3, "u1", "u2")
					vote(t, db, 4, "u1")
					vote(t, db, 5, "u2")
				},
				takes: []take{
					{"", 3, []int64{}}, {"", 2, []int64{3}}, {"", 4, []int64{2}}, {"", 5, []int64{4}}, {"", 1, []int64{5}},
					{"", 0, []int64{1}}, // nothing left: the one on stage is done
					{"", 0, []int64{}},
				},
			},
			{
				name: "only open questions are taken",
				setup: func(t *testing.T, db store) {
					for i, st := range []bot.QuestionStatus{bot.QuestionWaiting, bot.QuestionAnswered, bot.QuestionDismissed, bot.QuestionOpen} {
						q := Question("a", fmt.Sprintf("question %s", st), i)
						q.Status = st
						add(t, db, q)
					}
					vote(t, db, 1, "u1", "u2") // waiting, however popular
				},
				takes: []take{{"", 4, []int64{}}, {"", 0, []int64{4}}},
			},
			{
				name: "sessions keep their own stage",
				setup: func(t *testing.T, db store) {
					talk := func(text string, min int) bot.Question {
						q := Question("a", text, min)
						q.SessionID = "invited-1"
						return q
					}
					add(t, db, Question("a", "panel one", 0), talk("talk one", 1), Question("a", "panel two", 2), talk("talk two", 3))
					vote(t, db, 2, "u1")
				},
				takes: []take{
					{"panel", 1, []int64{}},
					{"invited-1", 2, []int64{}},
					{"", 3, []int64{1}},          // the panel's, the session of the question taken
					{"invited-1", 4, []int64{2}}, // the talk's own
					{"panel", 0, []int64{3}},
					{"", 0, []int64{4}},
				},
			},
			{
				name: "empty store",
				takes: []take{
					{"", 0, []int64{}}, {"panel", 0, []int64{}},
				},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := e.open(t, "")
				if tt.setup != nil {
					tt.setup(t, db)
				}
				for i, tk := range tt.takes {
					at := T0.Add(time.Duration(i+1) * time.Hour)
					q, prev, ok, err := db.TakeNext(context.Background(), tk.session, at)
					if err != nil {
						t.Fatalf("take %d: %v", i, err)
					}
					if ok != (tk.want != 0) || q.ID != tk.want || !slices.Equal(ids(prev), tk.wantPrev) {
						t.Errorf("take %d (session %q) = #%d ok=%v previous %v; want #%d, previous %v", i, tk.session, q.ID, ok, ids(prev), tk.want, tk.wantPrev)
					}
					if ok && (q.Status != bot.QuestionOnStage || !q.UpdatedAt.Equal(at) || getQ(t, db, q.ID).Status != bot.QuestionOnStage) {
						t.Errorf("take %d: taken question is %s, updated %s; want onstage at %s", i, q.Status, q.UpdatedAt, at)
					}
					for _, p := range prev {
						if p.Status != bot.QuestionAnswered || !p.UpdatedAt.Equal(at) || getQ(t, db, p.ID).Status != bot.QuestionAnswered {
							t.Errorf("take %d: previous #%d is %s, updated %s; want answered at %s", i, p.ID, p.Status, p.UpdatedAt, at)
						}
					}
				}
			})
		}
	})
}

func TestConcurrentTakeNextNeverTakesTwice(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		const questions, takers = 60, 16
		for i := range questions {
			add(t, db, Question("a", fmt.Sprintf("question %d", i), i))
		}
		var (
			mu    sync.Mutex
			taken []int64
			wg    sync.WaitGroup
		)
		errs := make(chan error, takers)
		for range takers {
			wg.Go(func() {
				for {
					q, _, ok, err := db.TakeNext(context.Background(), "", T0.Add(time.Hour))
					if err != nil {
						errs <- err
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					taken = append(taken, q.ID)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, id := range taken {
			if seen[id] {
				t.Errorf("question %d taken twice", id)
			}
			seen[id] = true
		}
		if len(seen) != questions {
			t.Errorf("%d distinct questions taken, want %d", len(seen), questions)
		}
		// The last one taken is on stage; every other one was answered by a later take
		// (a take that found nothing answers it too, so 0 or 1 may be left on stage).
		onstage := listQ(t, db, bot.QuestionFilter{Status: bot.QuestionOnStage})
		answered := listQ(t, db, bot.QuestionFilter{Status: bot.QuestionAnswered})
		if len(onstage) > 1 || len(onstage)+len(answered) != questions {
			t.Errorf("%d on stage and %d answered, want at most 1 on stage and %d in all", len(onstage), len(answered), questions)
		}
	})
}

func TestSetStatus(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		all := []bot.QuestionStatus{bot.QuestionOpen, bot.QuestionOnStage, bot.QuestionWaiting}
		tests := []struct {
			name     string
			start    bot.QuestionStatus
			to       bot.QuestionStatus
			from     []bot.QuestionStatus
			wantErr  error
			wantText string
		}{
			{name: "allowed", start: bot.QuestionOpen, to: bot.QuestionAnswered, from: all},
			{name: "any, when from is empty", start: bot.QuestionDismissed, to: bot.QuestionOpen},
			{name: "same status, any", start: bot.QuestionOpen, to: bot.QuestionOpen},
			{name: "approve", start: bot.QuestionWaiting, to: bot.QuestionOpen, from: []bot.QuestionStatus{bot.QuestionWaiting}},
			{
				name: "conflict", start: bot.QuestionAnswered, to: bot.QuestionAnswered, from: all,
				wantErr: bot.ErrConflict, wantText: "set question 1 answered: status changed meanwhile (it is answered)",
			},
			{
				name: "approve twice", start: bot.QuestionOpen, to: bot.QuestionOpen, from: []bot.QuestionStatus{bot.QuestionWaiting},
				wantErr: bot.ErrConflict, wantText: "set question 1 open: status changed meanwhile (it is open)",
			},
			{name: "empty status", start: bot.QuestionOpen, to: "", wantText: "set question 1 : empty status"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := e.open(t, "")
				q := Question("a", "a question to move", 0)
				q.Status = tt.start
				before := add(t, db, q)[0]
				at := T0.Add(time.Hour + 1500*time.Microsecond)
				got, err := db.SetStatus(context.Background(), before.ID, tt.to, tt.from, at)
				stored := getQ(t, db, before.ID)
				if tt.wantText != "" {
					if err == nil || err.Error() != tt.wantText || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
						t.Errorf("SetStatus error = %v, want %q matching %v", err, tt.wantText, tt.wantErr)
					}
					if d := diffQuestions([]bot.Question{stored}, []bot.Question{before}); d != "" {
						t.Errorf("refused SetStatus changed the question: %s", d)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := before
				want.Status, want.UpdatedAt = tt.to, at.Truncate(time.Millisecond)
				if d := diffQuestions([]bot.Question{got, stored}, []bot.Question{want, want}); d != "" {
					t.Errorf("returned, then stored: %s", d)
				}
			})
		}
	})
}

func TestSetCards(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		db := e.open(t, "")
		q := add(t, db, Question("a", "a question with cards", 0))[0]
		ctx := context.Background()
		steps := []struct{ channel, message, mod string }{
			{"", "", "mod-1"},             // moderated: the moderators' card first
			{"chan", "msg-1", "mod-1"},    // then the public card
			{"chan2", "msg-2", "mod-1"},   // moved
			{"chan2", "msg-2", "mod-1"},   // the same again is no error
			{"", "", ""},                  // cleared
			{"c", "m", "<@&1> @everyone"}, // ids are opaque text
		}
		for i, s := range steps {
			if err := db.SetCards(ctx, q.ID, s.channel, s.message, s.mod); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			want := q
			want.CardChannelID, want.CardMessageID, want.ModMessageID = s.channel, s.message, s.mod
			if d := diffQuestions([]bot.Question{getQ(t, db, q.ID)}, []bot.Question{want}); d != "" {
				t.Errorf("step %d: %s", i, d)
			}
		}
	})
}

func TestQuestionsSurviveReopen(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		path := "main"
		ctx := context.Background()
		db, err := e.openErr(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		anon := Question("b", "an anonymous one", 1)
		anon.Anonymous = true
		add(t, db, Question("a", "the first question", 0), anon, Question("c", "the third question", 2))
		vote(t, db, 2, "x", "y")
		if _, err := db.SetStatus(ctx, 3, bot.QuestionDismissed, nil, T0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCards(ctx, 1, "chan", "msg", "mod"); err != nil {
			t.Fatal(err)
		}
		want := listQ(t, db, bot.QuestionFilter{})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		db = e.open(t, path)
		if d := diffQuestions(listQ(t, db, bot.QuestionFilter{}), want); d != "" {
			t.Errorf("after reopen: %s", d)
		}
		// The votes came back too: pressing again takes one back.
		if voted, votes, err := db.ToggleVote(ctx, 2, "x"); err != nil || voted || votes != 1 {
			t.Errorf("ToggleVote after reopen = (%v, %d, %v), want (false, 1, nil)", voted, votes, err)
		}
	})
}
