package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/sqlite"
)

// These tests run the real wiring (run, as main calls it) against the fake
// Discord: the SQLite store, the bot and the Discord transport together.

func TestAsk500OnDiscord(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(), cardBucket())
	users := members(fake, "attendee", 100) // 5 questions each: the per-user limit
	lb := startLiveBot(t, fake, t.TempDir(), 5)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	const n = 500
	start := time.Now()
	resps, errs := askMany(ctx, fake, users, n, 20)
	took := time.Since(start)
	var lat []time.Duration
	received := map[int64]bool{}
	for j, r := range resps {
		if errs[j] != nil {
			t.Errorf("/ask %d: %v", j, errs[j])
			continue
		}
		id := receivedID(r)
		if r.Type != 4 || !r.Ephemeral() || id == 0 {
			t.Errorf("/ask %d: answer type %d ephemeral %v %q, want an ephemeral \"Received: your question #N\"", j, r.Type, r.Ephemeral(), r.Content)
			continue
		}
		if received[id] {
			t.Errorf("/ask %d: question #%d given twice", j, id)
		}
		received[id] = true
		if r.Latency >= 3*time.Second {
			t.Errorf("/ask %d answered after %v, past Discord's 3 s", j, r.Latency)
		}
		lat = append(lat, r.Latency)
	}
	slices.Sort(lat)
	t.Logf("%d /ask interactions in %v (20 at a time): latency p50 %v, p99 %v, max %v",
		len(lat), took.Round(time.Millisecond), percentile(lat, 50), percentile(lat, 99), percentile(lat, 100))
	if len(received) != n {
		t.Fatalf("%d questions received, want %d", len(received), n)
	}

	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) >= n }); err != nil {
		c, _ := cards(t, fake)
		t.Fatalf("%d of %d questions carded: %v", len(c), n, err)
	}
	t.Logf("all %d cards posted %v after the first /ask; peak %d REST calls in one second", n, time.Since(start).Round(time.Millisecond), fake.PeakRate())
	// 500 cards (and their records' reads) at once: the shared pacer keeps
	// every call under Discord's global 50 per second (issue 19 item 1).
	if global, _ := fake.RateLimited(); global != 0 {
		t.Errorf("%d global 429s, want 0: every REST call goes through the pacer", global)
	}
	if code := lb.stop(t); code != 0 {
		t.Errorf("bot exited with %d", code)
	}
	byID, dups := cards(t, fake)
	if len(dups) > 0 || len(byID) != n {
		t.Errorf("%d cards, carded twice: %v; want %d, none twice", len(byID), dups, n)
	}
	for id := range received {
		m, ok := byID[id]
		if !ok {
			t.Errorf("question #%d has no card", id)
			continue
		}
		if len(m.Components) != 1 || m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 {
			t.Errorf("card of #%d: %d component rows, allowed_mentions %+v", id, len(m.Components), m.AllowedMentions)
		}
	}

	db, err := sqlite.Open(ctx, lb.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs, err := db.Questions(ctx, bot.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != n {
		t.Errorf("%d questions stored, want %d", len(qs), n)
	}
	for _, q := range qs {
		if !received[q.ID] || q.CardMessageID == "" || q.SessionID != "panel" {
			t.Errorf("stored question #%d: received %v, card %q, session %q", q.ID, received[q.ID], q.CardMessageID, q.SessionID)
		}
	}
}

// BenchmarkAsk measures the time from an /ask interaction to its answer, through
// the real wiring against the fake Discord, 20 interactions at a time.
func BenchmarkAsk(b *testing.B) {
	fake := discordtest.New(b, discordtest.WithServerMembersIntent())
	users := members(fake, "attendee", b.N/5+1)
	startLiveBot(b, fake, b.TempDir(), 100)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.ResetTimer()
	resps, errs := askMany(ctx, fake, users, b.N, 20)
	b.StopTimer()
	lat := make([]time.Duration, 0, b.N)
	for j, r := range resps {
		if errs[j] != nil || receivedID(r) == 0 {
			b.Fatalf("/ask %d: %v %+v", j, errs[j], r)
		}
		lat = append(lat, r.Latency)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(ms(percentile(lat, 100)), "max-ms")
}

func TestVotesAndNextOnDiscord(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mods := fake.AddRole("Moderators", 0)
	mod1, mod2 := fake.AddMember("mod1", mods), fake.AddMember("mod2", mods)
	askers := members(fake, "asker", 10)
	voters := members(fake, "voter", 50)
	startLiveBot(t, fake, t.TempDir(), 5)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	ids := make([]int64, len(askers))
	for k, u := range askers {
		r, err := interact(ctx, fake, u, askCmd(fmt.Sprintf("Question %d: what about stiff systems?", k)))
		if err != nil || receivedID(r) == 0 {
			t.Fatalf("ask %d: %v %+v", k, err, r)
		}
		ids[k] = receivedID(r)
	}
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) == len(ids) }); err != nil {
		t.Fatalf("cards: %v", err)
	}
	byID, _ := cards(t, fake)

	// Question k ends with 3+5k votes: voter j votes for it when j < 3+5k. Some
	// voters also press twice more (vote and take back, or the reverse).
	want := func(k int) int { return 3 + 5*k }
	var presses, updates atomic.Int64
	var wg sync.WaitGroup
	for j, v := range voters {
		wg.Go(func() {
			for k, id := range ids {
				n := 0
				if j < want(k) {
					n = 1
				}
				if (j+k)%7 == 0 {
					n += 2
				}
				for range n {
					in := discordtest.Button(fmt.Sprintf("q:vote:%d", id), byID[id].ID)
					in.ChannelID = byID[id].ChannelID
					r, err := interact(ctx, fake, v, in)
					presses.Add(1)
					if err != nil {
						t.Errorf("voter %d on #%d: %v", j, id, err)
						continue
					}
					if r.Type == 7 && strings.HasPrefix(r.Content, fmt.Sprintf("**Q%d**", id)) {
						updates.Add(1)
					} else {
						t.Errorf("voter %d on #%d: answer type %d %q, want 7 (UPDATE_MESSAGE) with the card", j, id, r.Type, r.Content)
					}
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d presses, %d card updates", presses.Load(), updates.Load())
	byID, _ = cards(t, fake)
	for k, id := range ids {
		if got := cardVotes(byID[id]); got != want(k) {
			t.Errorf("card of #%d shows %d votes, want %d:\n%s", id, got, want(k), byID[id].Content)
		}
	}

	// Two moderators pull at once: the top two questions, one each.
	next := func(user string) (int64, int, string) {
		r, err := interact(ctx, fake, user, discordtest.Command("questions", "next"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`On stage: \*\*Q(\d+)\*\* \(👍 (\d+)\)`).FindStringSubmatch(r.Content)
		if m == nil || !r.Ephemeral() {
			return 0, 0, r.Content
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		v, _ := strconv.Atoi(m[2])
		return id, v, r.Content
	}
	type pulled struct {
		id    int64
		votes int
	}
	both := make([]pulled, 2)
	wg.Go(func() { id, v, _ := next(mod1); both[0] = pulled{id, v} })
	wg.Go(func() { id, v, _ := next(mod2); both[1] = pulled{id, v} })
	wg.Wait()
	if both[0].id == both[1].id || !slices.Contains([]int64{ids[9], ids[8]}, both[0].id) || !slices.Contains([]int64{ids[9], ids[8]}, both[1].id) {
		t.Errorf("concurrent /questions next gave %v, want #%d and #%d, one each", both, ids[9], ids[8])
	}
	for k := 7; k >= 0; k-- {
		id, v, text := next(mod1)
		if id != ids[k] || v != want(k) {
			t.Errorf("/questions next #%d: %q; want Q%d with %d votes", 9-k, text, ids[k], want(k))
		}
	}
	if id, _, text := next(mod1); id != 0 || !strings.Contains(text, "No open question left") {
		t.Errorf("/questions next with the queue empty: %q", text)
	}
}

func TestQuestionsRefusalsAndMentionsOnDiscord(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mods := fake.AddRole("Moderators", 0)
	mod := fake.AddMember("mod", mods)
	alice := fake.AddMember("alice")
	lb := startLiveBot(t, fake, t.TempDir(), 5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The moderator commands are registered visible to everyone; the bot refuses.
	r, err := interact(ctx, fake, alice, discordtest.Command("questions", "next"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ephemeral() || !strings.Contains(r.Content, "for moderators") || !strings.Contains(r.Content, "Moderators") {
		t.Errorf("an attendee's /questions next: %q (ephemeral %v), want a private refusal naming the role", r.Content, r.Ephemeral())
	}

	text := fmt.Sprintf("@everyone, <@&%s> and <@%s>: does anyone get pinged by this question?", mods, mod)
	r, err = interact(ctx, fake, alice, askCmd(text))
	if err != nil || receivedID(r) == 0 {
		t.Fatalf("ask with mentions: %v %+v", err, r)
	}
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) == 1 }); err != nil {
		t.Fatalf("card: %v", err)
	}
	byID, _ := cards(t, fake)
	m := byID[receivedID(r)]
	if !strings.Contains(m.Content, text) {
		t.Errorf("card %q does not quote the question", m.Content)
	}
	if am := m.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Roles) != 0 || len(am.Users) != 0 {
		t.Errorf("card allowed_mentions = %+v, want {\"parse\":[]}", am)
	}
	if len(m.Mentions) != 0 || len(m.MentionRoles) != 0 || m.MentionEveryone {
		t.Errorf("the card pings users %v, roles %v, everyone %v; want nobody", m.Mentions, m.MentionRoles, m.MentionEveryone)
	}

	// Discord itself enforces the option's max_length (1000) in its client; the
	// fake does not, so this checks the bot's own limit, as a client that
	// bypasses Discord's would meet it.
	r, err = interact(ctx, fake, alice, askCmd(strings.Repeat("é", 1001)))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ephemeral() || !strings.Contains(r.Content, "1001 characters") || !strings.Contains(r.Content, "limit is 1000") {
		t.Errorf("a 1001-character question: %q, want a private refusal naming the limit", r.Content)
	}

	// The moderators' export arrives as a CSV attachment.
	r, err = interact(ctx, fake, mod, discordtest.Command("questions", "export"))
	if err != nil {
		t.Fatal(err)
	}
	orig := fake.Followups(r.Token)
	if len(orig) != 1 || len(orig[0].Files) != 1 || orig[0].Files[0].Name != "questions.csv" ||
		!strings.Contains(string(orig[0].Files[0].Data), "does anyone get pinged") {
		t.Errorf("/questions export: %q with %+v, want questions.csv holding the question", r.Content, orig)
	}
	lb.stop(t)
	if n := countStored(t, lb.db); n != 1 {
		t.Errorf("%d questions stored, want 1 (the refused one is not)", n)
	}
}

func countStored(t testing.TB, path string) int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs, err := db.Questions(context.Background(), bot.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(qs)
}

// TestAskSurvivesSIGKILL kills the bot (a child process) with SIGKILL while
// questions flow, and starts it again on the same database: every question that
// was answered "Received" is stored, and every stored question gets one card.
func TestAskSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(), discordtest.WithInteractionDeadline(3*time.Second), cardBucket())
	users := members(fake, "attendee", 50)
	mod := fake.AddMember("mod", fake.AddRole("Moderators", 0))
	dir := t.TempDir()
	schedule, posters := writeProgram(t, dir, 100)
	db := filepath.Join(dir, "bot.db")
	var env []string
	for k, v := range fakeEnv(fake) {
		env = append(env, k+"="+v)
	}
	start := func() (*exec.Cmd, *lockedBuffer, <-chan int) {
		cmd := exec.Command(bin, "--db", db, "--schedule", schedule, "--posters", posters)
		cmd.Env = append(os.Environ(), env...)
		logs := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = io.Discard, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan int, 1)
		go func() { _ = cmd.Wait(); exited <- cmd.ProcessState.ExitCode() }()
		return cmd, logs, exited
	}

	cmd, logs, exited := start()
	waitReady(t, fake, exited)

	// Senders ask continuously, each question different, until stopped.
	var (
		mu       sync.Mutex
		received = map[int64]string{} // question number -> text, for every "Received"
		failed   int
		reasons  = map[string]int{}
		seq      atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	sendCtx, cancelSend := context.WithCancel(context.Background())
	defer cancelSend()
	for range 10 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				j := seq.Add(1)
				text := fmt.Sprintf("Question %d: is the adjoint stable?", j)
				r, err := interact(sendCtx, fake, users[int(j)%len(users)], askCmd(text))
				mu.Lock()
				switch {
				case err == nil && receivedID(r) != 0:
					received[receivedID(r)] = text
				case err == nil:
					failed++
					reasons[r.Content]++
				default:
					failed++
					reasons[err.Error()]++
				}
				mu.Unlock()
				if err != nil && !fake.Connected() {
					// No bot to talk to (killed, not yet back): wait for one.
					ctx, cancel := context.WithTimeout(sendCtx, 10*time.Second)
					_ = fake.WaitFor(ctx, func(s *discordtest.Server) bool {
						select {
						case <-stop:
							return true
						default:
						}
						return s.Connected()
					})
					cancel()
				}
			}
		})
	}
	countReceived := func() int { mu.Lock(); defer mu.Unlock(); return len(received) }
	waitReceived := func(n int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { return countReceived() >= n }); err != nil {
			t.Fatalf("only %d questions received: %v", countReceived(), err)
		}
	}

	waitReceived(150)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if err := fake.WaitFor(context.Background(), func(s *discordtest.Server) bool { return !s.Connected() }); err != nil {
		t.Fatal(err)
	}
	atKill := countReceived()
	cardsAtKill, _ := cards(t, fake)
	t.Logf("killed with SIGKILL after %d questions received, %d carded", atKill, len(cardsAtKill))
	firstLogs := logs.String()

	cmd, logs, exited = start()
	waitReady(t, fake, exited)
	waitReceived(atKill + 150)
	close(stop)
	wg.Wait()
	total := countReceived()

	// /questions list counts what is stored: every "Received", and perhaps a few
	// stored just before the kill whose answer never went out.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := interact(ctx, fake, mod, discordtest.Command("questions", "list"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^(\d+) questions`).FindStringSubmatch(r.Content)
	if m == nil {
		t.Fatalf("/questions list: %q", r.Content)
	}
	listed, _ := strconv.Atoi(m[1])
	if listed < total {
		t.Errorf("/questions list shows %d questions, fewer than the %d received", listed, total)
	}
	// Every stored question gets its card, once.
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { c, _ := cards(t, fake); return len(c) >= listed }); err != nil {
		c, _ := cards(t, fake)
		t.Errorf("%d cards for %d questions stored: %v", len(c), listed, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-exited; code != 0 {
		t.Errorf("restarted bot exited with %d after SIGTERM\n%s", code, tail(logs.String(), 20))
	}
	t.Logf("%d questions received in all, %d stored, %d /ask not answered \"Received\" (sent while the bot was down or dying): %v", total, listed, failed, reasons)

	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	qs, err := store.Questions(ctx, bot.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != listed {
		t.Errorf("%d questions in the database, %d in /questions list", len(qs), listed)
	}
	stored := map[int64]bot.Question{}
	for _, q := range qs {
		stored[q.ID] = q
	}
	mu.Lock()
	defer mu.Unlock()
	for id, text := range received {
		if q, ok := stored[id]; !ok || q.Text != text {
			t.Errorf("question #%d was answered \"Received\" but is stored as %+v", id, q)
		}
	}
	byID, dups := cards(t, fake)
	if len(dups) > 0 {
		t.Errorf("carded twice: %v", dups)
	}
	for id, q := range stored {
		if _, ok := byID[id]; !ok || q.CardMessageID == "" {
			t.Errorf("stored question #%d: card in Discord %v, recorded %q", id, ok, q.CardMessageID)
		}
	}
	if t.Failed() {
		t.Logf("first run log (tail):\n%s\nsecond run log (tail):\n%s", tail(firstLogs, 30), tail(logs.String(), 30))
	}
}

func TestQuestionsExportCommand(t *testing.T) {
	dir := t.TempDir()
	schedule, _ := writeProgram(t, dir, 5)
	path := filepath.Join(dir, "bot.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 12, 14, 20, 0, 0, 0, time.UTC)
	for i, q := range []bot.Question{
		{SessionID: "panel", Text: "=HYPERLINK(\"x\") is it safe?", AskerID: "1", AskerName: "bob", Status: bot.QuestionAnswered, AskedAt: at},
		{SessionID: "adjoints", Text: "Why adjoints?", AskerID: "2", AskerName: "alice", Anonymous: true, Status: bot.QuestionOpen, AskedAt: at.Add(time.Minute)},
	} {
		if _, err := db.AddQuestion(ctx, q); err != nil {
			t.Fatalf("question %d: %v", i, err)
		}
	}
	export := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(ctx, append([]string{"questions", "export", "--db", path, "--schedule", schedule}, args...), func(string) string { return "" }, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	// While a bot holds the file, the export is refused and says what to do.
	code, out, errOut := export()
	if code != 1 || out != "" || !strings.Contains(errOut, "locked by another running workshopbot") || !strings.Contains(errOut, "stop the bot first") {
		t.Errorf("export of a held database: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		args     []string
		code     int
		want     []string // lines of stdout, in order
		inStderr string
	}{
		{nil, 0, []string{
			"id,session,session_title,status,votes,asked_at,updated_at,asker,question",
			`1,panel,Panel discussion,answered,0,2021-12-14T20:00:00Z,2021-12-14T20:00:00Z,bob,"'=HYPERLINK(""x"") is it safe?"`,
			"2,adjoints,Adjoint methods,open,0,2021-12-14T20:01:00Z,2021-12-14T20:01:00Z,anonymous,Why adjoints?",
		}, "2 questions exported"},
		{[]string{"--session", "Adjoint methods"}, 0, []string{
			"id,session,session_title,status,votes,asked_at,updated_at,asker,question",
			"2,adjoints,Adjoint methods,open,0,2021-12-14T20:01:00Z,2021-12-14T20:01:00Z,anonymous,Why adjoints?",
		}, "1 question for session adjoints exported"},
		{[]string{"--status", "answered"}, 0, []string{
			"id,session,session_title,status,votes,asked_at,updated_at,asker,question",
			`1,panel,Panel discussion,answered,0,2021-12-14T20:00:00Z,2021-12-14T20:00:00Z,bob,"'=HYPERLINK(""x"") is it safe?"`,
		}, "with status answered"},
		{[]string{"--status", "done"}, 1, nil, `--status "done": want one of onstage, open, waiting, answered, dismissed`},
		{[]string{"--db", filepath.Join(dir, "missing.db")}, 1, nil, "missing.db: stat"},
	} {
		code, out, errOut := export(tc.args...)
		var got []string
		if out != "" {
			got = strings.Split(strings.TrimRight(out, "\n"), "\n")
		}
		if code != tc.code || !slices.Equal(got, tc.want) || !strings.Contains(errOut, tc.inStderr) {
			t.Errorf("export %v: exit %d, stderr %q\nstdout:\n%s\nwant exit %d, stderr with %q, stdout:\n%s",
				tc.args, code, errOut, out, tc.code, tc.inStderr, strings.Join(tc.want, "\n"))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("the export created the missing database")
	}
}

// TestTwoBotsOnOneGuildKeepTheirOwnCards: two bots with separate databases
// on one guild both store the first question as #1 and post its card. Discord
// answers a repeated nonce (enforce_nonce) with the message it already has,
// so with nonce "q:1" for both, the second bot took the first's card for its
// own, and later edited it. The card nonce carries the database's id: two
// cards, each recorded by its own bot (issue 11 item 7).
func TestTwoBotsOnOneGuildKeepTheirOwnCards(t *testing.T) {
	fake, err := discordtest.NewServer(discordtest.WithServerMembersIntent())
	if err != nil {
		t.Fatal(err)
	}
	// Both bots answer every interaction: Discord refuses the second answer
	// (40060, already acknowledged), which the fake records as a violation.
	// That one is the point of two bots on one application; any other fails.
	t.Cleanup(func() {
		if err := fake.Close(); err != nil {
			t.Errorf("discordtest: close: %v", err)
		}
		for _, v := range fake.Violations() {
			if !strings.Contains(v.String(), "answered twice") {
				t.Errorf("discordtest: violation: %s", v)
			}
		}
	})
	users := members(fake, "attendee", 1)
	// The second sees the first's heartbeat and would refuse to act
	// (main_instance_test.go): --force makes it run, as an organizer may.
	bots := []*liveBot{startLiveBot(t, fake, t.TempDir(), 5), startLiveBot(t, fake, t.TempDir(), 5, "--force")}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, lb := range bots { // both connected, each its own interaction handler
		for !strings.Contains(lb.logs.String(), "workshopbot ready") {
			if ctx.Err() != nil {
				t.Fatalf("a bot never got ready:\n%s", tail(lb.logs.String(), 20))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Both bots receive the interaction; one answers it (Discord takes the
	// first callback), both store the question.
	if _, err := interact(ctx, fake, users[0], askCmd("Which of the two bots cards this question?")); err != nil {
		t.Fatal(err)
	}
	ch, _ := fake.ChannelByName("panel-questions")
	q1 := func() []discordtest.Message {
		var out []discordtest.Message
		for _, m := range fake.Messages(ch.ID) {
			if c := cardRE.FindStringSubmatch(m.Content); c != nil && c[1] == "1" {
				out = append(out, m)
			}
		}
		return out
	}
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool { return len(q1()) >= 2 }); err != nil {
		t.Fatalf("%d cards of Q1 in #panel-questions, want 2 (one per bot): %v", len(q1()), err)
	}
	var recorded []string
	for _, lb := range bots {
		lb.stop(t)
		db, err := sqlite.Open(ctx, lb.db)
		if err != nil {
			t.Fatal(err)
		}
		q, err := db.Question(ctx, 1)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, q.CardMessageID)
	}
	if recorded[0] == "" || recorded[0] == recorded[1] {
		t.Errorf("the bots recorded cards %q and %q, want two different messages", recorded[0], recorded[1])
	}
}
