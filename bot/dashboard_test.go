package bot_test

import (
	"context"
	"testing"
	"time"

	"workshopbot/bot"
)

func TestOverview(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	q1 := e.mustAsk(alice, "How do adjoints scale to stiff systems?")
	q2 := e.mustAsk(dave, "Is a neural ODE ever worth the cost?", "anonymous", "true")
	q3 := e.mustAsk(bob, "What about <script>alert(1)</script> in PDE solvers?")
	e.press(carol, "vote", q2)
	e.press(bob, "vote", q2)
	e.press(carol, "vote", q3)
	if r := e.cmd(mod, "questions next"); r.Content == "" {
		t.Fatal("questions next: empty reply")
	}
	e.cmd(mod, "questions dismiss", "id", "3") // q3: dismissed, so off the queue
	q4 := e.mustAsk(carol, "And one more question for the speakers?")

	due := time.Date(2026, 6, 12, 8, 45, 0, 0, berlin)
	recs := []bot.ReminderRecord{
		{Key: bot.ReminderKey{SessionID: "opening", Lead: 15 * time.Minute}, Due: due, Status: bot.StatusSent, PostedAt: due, ChannelID: "c1", MessageID: "m1"},
		{Key: bot.ReminderKey{SessionID: "opening", Lead: 0}, Due: due.Add(15 * time.Minute), Status: bot.StatusFailed, Error: "HTTP 403"},
		{Key: bot.ReminderKey{SessionID: "talk", Lead: 15 * time.Minute}, Due: due.Add(15 * time.Minute), Status: bot.StatusLate, PostedAt: due.Add(16 * time.Minute), ChannelID: "c1", MessageID: "m2"},
	}
	for _, r := range recs {
		if err := e.db.PutReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	link := func(c, m string) string { return "https://chat.example/" + c + "/" + m }

	ov, err := e.b.Overview(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if ov.ShortName != "TWQ" || ov.TimeZone != "Europe/Berlin" || !ov.Now.Equal(start) || ov.Speed != 1 {
		t.Errorf("header: %q %q %v ×%v, want TWQ Europe/Berlin %v ×1", ov.ShortName, ov.TimeZone, ov.Now, ov.Speed, start)
	}
	if len(ov.Sessions) != 3 || ov.Live == nil || ov.Live.ID != "panel" || ov.Next != nil {
		t.Errorf("sessions %d, live %+v, next %+v; want 3, the panel live, nothing next", len(ov.Sessions), ov.Live, ov.Next)
	}

	// The queue: on stage first, then open by votes; dismissed left out.
	var got []int64
	for _, q := range ov.Questions {
		got = append(got, q.ID)
	}
	want := []int64{q2, q1, q4}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("queue %v, want %v (on stage first, then by votes)", got, want)
	}
	if ov.OnStage == nil || ov.OnStage.ID != q2 || ov.OnStage.Votes != 2 {
		t.Fatalf("on stage %+v, want Q%d with 2 votes", ov.OnStage, q2)
	}
	if ov.OnStage.Asker != "anonymous" {
		t.Errorf("anonymous question's asker %q, want \"anonymous\": the overview must not name them", ov.OnStage.Asker)
	}
	if ov.Questions[1].Asker != alice.Name || ov.Questions[1].Session != "Panel Discussion" {
		t.Errorf("Q%d: asker %q, session %q; want %q, Panel Discussion", q1, ov.Questions[1].Asker, ov.Questions[1].Session, alice.Name)
	}
	wantQ := map[bot.QuestionStatus]int{bot.QuestionOnStage: 1, bot.QuestionOpen: 2, bot.QuestionDismissed: 1}
	for st, n := range wantQ {
		if ov.QuestionCounts[st] != n {
			t.Errorf("questions %s: %d, want %d", st, ov.QuestionCounts[st], n)
		}
	}

	// The reminder log: every planned reminder, with the stored outcome and link.
	if len(ov.Reminders) != len(bot.Plan(e.sched)) {
		t.Errorf("%d reminder entries, want %d (the plan)", len(ov.Reminders), len(bot.Plan(e.sched)))
	}
	byKey := map[string]bot.ReminderEntry{}
	for _, r := range ov.Reminders {
		byKey[r.SessionID+"/"+r.Lead] = r
	}
	for _, tc := range []struct {
		key, link string
		status    bot.ReminderStatus
	}{
		{"opening/15m0s", "https://chat.example/c1/m1", bot.StatusSent},
		{"opening/0s", "", bot.StatusFailed},
		{"talk/15m0s", "https://chat.example/c1/m2", bot.StatusLate},
		{"panel/0s", "", bot.StatusPlanned},
	} {
		r, ok := byKey[tc.key]
		if !ok {
			t.Errorf("no reminder entry %s", tc.key)
			continue
		}
		if r.Status != tc.status || r.Link != tc.link {
			t.Errorf("%s: status %s link %q, want %s %q", tc.key, r.Status, r.Link, tc.status, tc.link)
		}
	}
	if ov.ReminderCounts[bot.StatusSent] != 1 || ov.ReminderCounts[bot.StatusFailed] != 1 || ov.ReminderCounts[bot.StatusLate] != 1 {
		t.Errorf("reminder counts %v, want one sent, one failed, one late", ov.ReminderCounts)
	}
	if ov.Posters.Enabled {
		t.Errorf("posters enabled on a transport that cannot hold poster channels")
	}
}

// TestOverviewHidesWaitingQuestions: in moderated mode, a question nobody
// approved yet is counted but not shown, as on the chat service.
func TestOverviewHidesWaitingQuestions(t *testing.T) {
	e := newEnv(t, true)
	e.mustAsk(alice, "Something not yet approved by anyone?")
	ov, err := e.b.Overview(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Questions) != 0 || ov.QuestionCounts[bot.QuestionWaiting] != 1 {
		t.Errorf("queue %+v, waiting %d; want an empty queue and 1 waiting", ov.Questions, ov.QuestionCounts[bot.QuestionWaiting])
	}
}

// TestSubscribe: every change a viewer shows signals the subscribers, signals
// coalesce, and a cancelled subscription hears nothing more.
func TestSubscribe(t *testing.T) {
	e := newEnv(t, false)
	ch, cancel := e.b.Subscribe()
	defer cancel()
	expect := func(what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Fatalf("no signal within 1 s after %s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-ch:
			t.Fatalf("a signal after %s, want none", what)
		default:
		}
	}
	id := e.mustAsk(alice, "Does the subscription hear this?")
	expect("/ask")
	e.press(bob, "vote", id)
	expect("a vote")
	e.cmd(mod, "questions next")
	expect("/questions next")
	e.cmd(mod, "questions answered", "id", "1")
	expect("/questions answered")
	e.b.SetProgram(e.b.Program())
	expect("a new program")
	e.cmd(alice, "next")
	quiet("/next, which changes nothing")

	// Three changes unread make one signal waiting, not three.
	e.mustAsk(carol, "First of three quick questions?")
	e.mustAsk(dave, "Second of three quick questions?")
	e.mustAsk(bob, "Third of three quick questions?")
	expect("three questions")
	quiet("reading the one coalesced signal")

	cancel()
	e.mustAsk(alice, "Anyone still listening out there?")
	quiet("cancel")
}

func TestDashboardUserIsModerator(t *testing.T) {
	e := newEnv(t, false)
	if u := bot.DashboardUser(e.b.Program()); !bot.IsModerator(e.sched, u) {
		t.Errorf("DashboardUser %+v is not a moderator of a schedule whose role is %q", u, e.sched.Discord.Moderators)
	}
}
