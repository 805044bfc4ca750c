package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
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

	"github.com/bwmarrin/discordgo"
	"github.com/chromedp/chromedp"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/sqlite"
)

// The harness of this package's tests: everything more than one test file
// uses, so that no test file reaches into another. In order:
//
//   - the bot in this process (run, as main calls it) against the fake Discord;
//   - the bot as a child process (the built binary), alone or as a pair;
//   - the program files the tests write;
//   - attendees: interactions, and the load the soak and failover tests drive;
//   - reading the outcome back: cards, poster channels, reminders, console posts;
//   - figures (percentiles) and the browser for screenshots.

// --- The bot in this process ---

// fakeEnv is the environment that points the bot at the fake Discord.
func fakeEnv(fake *discordtest.Server) map[string]string {
	return map[string]string{
		"DISCORD_TOKEN":    discordtest.Token,
		"DISCORD_API_BASE": fake.URL(),
		"DISCORD_GUILD_ID": fake.GuildID(),
	}
}

// fakeEnviron is this process's environment plus fakeEnv, for a child
// process of the bot.
func fakeEnviron(fake *discordtest.Server) []string {
	env := os.Environ()
	for k, v := range fakeEnv(fake) {
		env = append(env, k+"="+v)
	}
	return env
}

// lockedBuffer is a bytes.Buffer safe for the bot's concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBot runs the real wiring (run, as main does) against the fake until the
// returned stop is called; stop reports run's exit code.
func startBot(t *testing.T, fake *discordtest.Server, args []string) (stop func() int, logs *lockedBuffer) {
	t.Helper()
	env := fakeEnv(fake)
	ctx, cancel := context.WithCancel(context.Background())
	logs = &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), logs, logs)
	}()
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("bot did not stop within 10 s\n%s", logs.String())
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return stop, logs
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// liveBot is run() serving a fake Discord in this process.
type liveBot struct {
	db     string
	cancel context.CancelFunc
	done   chan int
	logs   *lockedBuffer
	code   int
	once   sync.Once
}

// startLiveBot runs the bot on fake with the program in dir and the flags in
// extra, and returns once its commands are registered.
func startLiveBot(t testing.TB, fake *discordtest.Server, dir string, perTenMinutes int, extra ...string) *liveBot {
	t.Helper()
	schedule, posters := writeProgram(t, dir, perTenMinutes)
	env := fakeEnv(fake)
	getenv := func(k string) string { return env[k] }
	lb := &liveBot{db: filepath.Join(dir, "bot.db"), done: make(chan int, 1), logs: &lockedBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	lb.cancel = cancel
	args := append([]string{"--db", lb.db, "--schedule", schedule, "--posters", posters}, extra...)
	go func() { lb.done <- run(ctx, args, getenv, strings.NewReader(""), io.Discard, lb.logs) }()
	t.Cleanup(func() {
		lb.stop(t)
		if t.Failed() {
			t.Logf("bot log (tail):\n%s", tail(lb.logs.String(), 40))
		}
	})
	waitReady(t, fake, lb.done)
	return lb
}

// waitReady waits until the bot is connected with its commands registered and
// its channels made.
func waitReady(t testing.TB, fake *discordtest.Server, exited <-chan int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() {
		ready <- fake.WaitFor(ctx, func(s *discordtest.Server) bool {
			_, ok := s.ChannelByName("panel-questions")
			return ok && s.Connected() && slices.ContainsFunc(s.Commands(), func(c discordgo.ApplicationCommand) bool { return c.Name == "questions" })
		})
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("the bot did not get ready: %v", err)
		}
	case code := <-exited:
		t.Fatalf("the bot exited with %d before it was ready", code)
	}
}

// stop ends the bot as SIGTERM would and returns its exit code.
func (lb *liveBot) stop(t testing.TB) int {
	lb.once.Do(func() {
		lb.cancel()
		select {
		case lb.code = <-lb.done:
		case <-time.After(20 * time.Second):
			t.Errorf("the bot did not stop within 20 s")
			lb.code = -1
		}
	})
	return lb.code
}

// rehearse runs a piped console rehearsal of the bundled program, in process.
func rehearse(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out lockedBuffer
	args = append([]string{"--http", ""}, args...)
	if code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &out); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	return out.String()
}

// tail is the last n lines of s, for logs shown on failure.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// --- The bot as a child process ---

// buildBinary builds this command once per test binary run.
func buildBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "workshopbot-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "workshopbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{out: string(out), err: err}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// botProcess is the bot as a child process (the built binary), restarted
// after each kill.
type botProcess struct {
	t    testing.TB
	bin  string
	args []string
	env  []string
	logs *lockedBuffer // every run's stderr, in order

	mu         sync.Mutex
	cmd        *exec.Cmd
	exited     chan struct{}
	starts     int
	stopping   bool // kill or stop was called on the current process
	unexpected int  // processes that exited on their own
}

func (c *botProcess) start() {
	c.t.Helper()
	cmd := exec.Command(c.bin, c.args...)
	cmd.Env = c.env
	c.mu.Lock()
	c.starts++
	fmt.Fprintf(c.logs, "=== start %d\n", c.starts)
	c.mu.Unlock()
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited, c.stopping = cmd, exited, false
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		if !c.stopping {
			c.unexpected++
			fmt.Fprintf(c.logs, "=== exited on its own: %v\n", err)
		}
		c.mu.Unlock()
		close(exited)
	}()
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *botProcess) kill() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.stopping = true
	c.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// stop sends SIGTERM and returns the exit code.
func (c *botProcess) stop() int {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.stopping = true
	c.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		c.t.Errorf("the bot did not stop within 15 s of SIGTERM")
		_ = cmd.Process.Kill()
		<-exited
	}
	return cmd.ProcessState.ExitCode()
}

// benchBot starts the built binary on args against fake, with its logs kept.
func benchBot(b *testing.B, fake *discordtest.Server, args []string) *botProcess {
	b.Helper()
	env := fakeEnviron(fake)
	c := &botProcess{t: b, bin: buildBinary(b), args: args, env: env, logs: &lockedBuffer{}}
	b.Cleanup(func() {
		if b.Failed() {
			b.Logf("bot logs (tail):\n%s", tail(c.logs.String(), 40))
		}
	})
	return c
}

// pairFake is the fake Discord both bots of a pair run against.
func pairFake(t *testing.T) *discordtest.Server {
	t.Helper()
	fake, err := discordtest.NewServer(discordtest.WithServerMembersIntent(), discordtest.WithHeartbeatInterval(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	fake.AddRole("Moderators", 0)
	return fake
}

// botPair is two bots, as child processes of the built binary, on one
// database against one fake Discord, each with its dashboard on a loopback
// port of its own. Their logs are shown if the test fails.
type botPair struct {
	bots  [2]*botProcess
	addrs [2]string
}

// newPair prepares (does not start) two bots running args with --db dbURL.
func newPair(t *testing.T, fake *discordtest.Server, args []string, dbURL string) *botPair {
	t.Helper()
	args = append(slices.Clone(args), "--db", dbURL) // the last --db wins
	env := fakeEnviron(fake)
	logs := &lockedBuffer{}
	p := &botPair{}
	for i := range p.bots {
		p.addrs[i] = loopbackAddr(t)
		p.bots[i] = &botProcess{t: t, bin: buildBinary(t), args: append(slices.Clone(args), "--http", p.addrs[i]), env: env, logs: logs}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bots' logs (tail):\n%s", tail(logs.String(), 80))
		}
	})
	return p
}

// standby reports whether bot i answers /healthz 200 with the standby line.
func (p *botPair) standby(i int) bool {
	code, body := healthz(p.addrs[i])
	return code == http.StatusOK && strings.Contains(body, "standby")
}

// loopbackAddr is a loopback address with a port free a moment ago.
func loopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// healthz returns /healthz's status and body at addr (0 if it does not answer).
func healthz(addr string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	r, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, err.Error()
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// --- Program files ---

// writeProgramFiles writes schedule.yaml and posters.csv into dir and returns
// the flags that point the bot at them and at dir/bot.db: args[1] is the
// schedule, args[3] the posters, args[5] the database.
func writeProgramFiles(tb testing.TB, dir, schedule, posters string) []string {
	tb.Helper()
	sp, pp := filepath.Join(dir, "schedule.yaml"), filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(sp, []byte(schedule), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(pp, []byte(posters), 0o644); err != nil {
		tb.Fatal(err)
	}
	return []string{"--schedule", sp, "--posters", pp, "--db", filepath.Join(dir, "bot.db")}
}

// workshopYAML is the workshop: block of a generated schedule.yaml, in UTC on
// the day of now, with a livestream and a GatherTown link.
func workshopYAML(name, short string, now time.Time) string {
	return fmt.Sprintf(`workshop:
  name: %s
  short_name: %s
  timezone: UTC
  date: %s
  links:
    livestream: https://example.org/live
    gathertown: https://example.org/gather
`, name, short, now.UTC().Format("2006-01-02"))
}

// writeProgram writes a small program into dir: a talk and a panel a few hours
// from now, so that no reminder falls due during a test.
func writeProgram(t testing.TB, dir string, perTenMinutes int) (schedule, posters string) {
	t.Helper()
	talk := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Minute)
	yaml := fmt.Sprintf(`workshop:
  name: Test Workshop on Neural ODEs
  short_name: TW
  timezone: UTC
  date: %s
  links:
    livestream: https://example.org/live
    zoom: https://example.org/zoom
discord:
  announcements: announcements
  panel_questions: panel-questions
  moderators_channel: workshop-moderators
  moderators_role: Moderators
reminders:
  leads: [15m, 0m]
  reload: "@every 1h"
  catch_up: 5m
questions:
  moderated: false
  per_ten_minutes: %d
sessions:
  - id: adjoints
    start: "%s"
    kind: invited
    title: Adjoint methods
    speakers: [Ada Lovelace]
  - id: panel
    start: "%s"
    kind: panel
    title: Panel discussion
`, talk.Format("2006-01-02"), perTenMinutes, talk.Format(time.RFC3339), talk.Add(time.Hour).Format(time.RFC3339))
	schedule = filepath.Join(dir, "schedule.yaml")
	posters = filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(schedule, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(posters, []byte("id,session,title,authors,presenters,abstract,pdf,video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return schedule, posters
}

// testSession is a session of a generated schedule, starting `in` from now.
type testSession struct {
	id, kind, title string
	in              time.Duration
	extra           string // more YAML lines for the session, indented by 4
}

// liveProgram writes a schedule.yaml whose sessions start seconds from now, and a
// posters.csv, into dir. It returns the flags that point the bot at them.
func liveProgram(t *testing.T, dir string, now time.Time, leads string, sessions []testSession) (args []string, starts map[string]time.Time) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `workshop:
  name: Live Test Workshop
  short_name: LTW
  timezone: America/New_York
  date: %s
  links:
    livestream: https://example.org/live
    gathertown: https://example.org/gather
reminders:
  leads: [%s]
  catch_up: 5m
sessions:
`, now.In(time.UTC).Format("2006-01-02"), leads)
	starts = map[string]time.Time{}
	for _, s := range sessions {
		start := now.Add(s.in).Truncate(time.Second)
		starts[s.id] = start
		fmt.Fprintf(&b, "  - id: %s\n    kind: %s\n    title: %s\n    start: %q\n    end: %q\n%s", s.id, s.kind, s.title,
			start.Format(time.RFC3339), start.Add(3*time.Second).Format(time.RFC3339), s.extra)
	}
	sched := filepath.Join(dir, "schedule.yaml")
	posters := filepath.Join(dir, "posters.csv")
	if err := os.WriteFile(sched, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := "id,session,title\n"
	if strings.Contains(b.String(), "poster_session: 1") {
		csv += "first,1,A First Poster\n"
	}
	if err := os.WriteFile(posters, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--schedule", sched, "--posters", posters, "--db", filepath.Join(dir, "bot.db")}, starts
}

// The shape of loadDay: its posters, and the gap between its sessions.
const (
	dayPosters = 100
	dayGap     = 4 * time.Second
)

// loadDay writes the day of the load tests (soak, failover, pair) compressed
// into d: a session every dayGap from 10 s on, each with reminders 2 s before
// and at its start; a poster session of dayPosters posters and the panel
// after the run (their channels and questions are what the run exercises,
// not their reminders).
func loadDay(t *testing.T, dir string, now time.Time, d time.Duration) []string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `%sdiscord:
  moderators_role: Moderators
  events: []
reminders:
  leads: [2s, 0s]
  catch_up: 5m
  reload: "@every 1h"
questions:
  per_ten_minutes: 100
sessions:
`, workshopYAML("Soak Test Workshop", "SOAK", now))
	kinds := []string{"invited", "spotlight", "other", "opening", "closing"}
	at := func(x time.Duration) string { return now.Add(x).Truncate(time.Second).Format(time.RFC3339) }
	n := 0
	for x := 10 * time.Second; x <= d-5*time.Second; x += dayGap {
		n++
		fmt.Fprintf(&b, "  - {id: s%03d, kind: %s, title: \"Soak talk number %03d of the day\", start: %q, end: %q}\n",
			n, kinds[n%len(kinds)], n, at(x), at(x+3*time.Second))
	}
	fmt.Fprintf(&b, "  - {id: posters, kind: posters, poster_session: 1, title: The Poster Session, start: %q}\n", at(d+time.Hour))
	fmt.Fprintf(&b, "  - {id: panel, kind: panel, title: The Panel, start: %q}\n", at(d+2*time.Hour))
	var csv strings.Builder
	csv.WriteString("id,session,title,authors,presenters,abstract,pdf,video\n")
	for i := 1; i <= dayPosters; i++ {
		fmt.Fprintf(&csv, "p%03d,1,Poster %03d: Learning dynamics with neural ODEs,Author %d,,An abstract.,https://arxiv.org/abs/2106.%05d,\n", i, i, i, i)
	}
	return writeProgramFiles(t, dir, b.String(), csv.String())
}

// writeBenchProgram writes schedule.yaml (the given sessions YAML, a poster
// session and a panel hours away) and posters.csv (n posters) into dir.
func writeBenchProgram(b *testing.B, dir string, now time.Time, leads, sessions string, posters int) []string {
	b.Helper()
	later := func(h int) string {
		return now.Add(time.Duration(h) * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	}
	sched := fmt.Sprintf(`%sdiscord:
  moderators_role: Moderators
  events: []
reminders:
  leads: [%s]
  catch_up: 5m
  reload: "@every 1h"
questions:
  per_ten_minutes: 100
sessions:
%s  - {id: posters, kind: posters, poster_session: 1, title: The Poster Session, start: %q}
  - {id: panel, kind: panel, title: The Panel, start: %q}
`, workshopYAML("Benchmark Workshop", "BENCH", now), leads, sessions, later(3), later(4))
	var csv strings.Builder
	csv.WriteString("id,session,title,authors,presenters,abstract,pdf,video\n")
	abstract := strings.Repeat("We study neural differential equations and their solvers. ", 20)
	for i := 1; i <= posters; i++ {
		fmt.Fprintf(&csv, "p%03d,1,Poster %03d: Learning dynamics with neural ODEs,Ada Lovelace;Émile Borel,,%q,https://arxiv.org/abs/2106.%05d,\n", i, i, abstract, i)
	}
	return writeProgramFiles(b, dir, sched, csv.String())
}

// --- Attendees ---

// interact sends in as userID.
func interact(ctx context.Context, fake *discordtest.Server, userID string, in discordtest.Interaction) (*discordtest.InteractionResponse, error) {
	in.UserID = userID
	return fake.Interact(ctx, in)
}

func askCmd(text string) discordtest.Interaction {
	return discordtest.Command("ask", discordtest.Opt("question", text))
}

var receivedRE = regexp.MustCompile(`^Received: your question #(\d+) `)

// receivedID is the question number in an /ask answer, or 0.
func receivedID(r *discordtest.InteractionResponse) int64 {
	m := receivedRE.FindStringSubmatch(r.Content)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// askMany sends n /ask interactions from workers goroutines, question j from
// users[j%len(users)], and returns the responses in order of j.
func askMany(ctx context.Context, fake *discordtest.Server, users []string, n, workers int) ([]*discordtest.InteractionResponse, []error) {
	resps := make([]*discordtest.InteractionResponse, n)
	errs := make([]error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				text := fmt.Sprintf("Question %d: how does the adjoint method scale with depth?", j)
				resps[j], errs[j] = interact(ctx, fake, users[j%len(users)], askCmd(text))
			}
		})
	}
	for j := range n {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	return resps, errs
}

func members(fake *discordtest.Server, prefix string, n int, roles ...string) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fake.AddMember(fmt.Sprintf("%s%03d", prefix, i), roles...)
	}
	return ids
}

// cardBucket widens one rate limit for the tests that wait for hundreds of
// question cards: at Discord's 5 messages per 5 s per channel, 500 cards take
// 500 s. The tests are about /ask and exactly one card per stored question, not
// about pacing (the soak keeps the real budget); the global
// limit of 50 requests a second and every other bucket stay on.
func cardBucket() discordtest.Option {
	return discordtest.WithRateLimit("POST /channels/{channel_id}/messages", 500, 5*time.Second)
}

// crowd is the attendees of a load test (the soak, the failover): askers
// send /ask, each text new, and voters press the vote button on the cards,
// each (user, question) pair once, so that a press acknowledged is a vote
// that must be stored. It keeps what the bot acknowledged, for check.
type crowd struct {
	fake  *discordtest.Server
	users []string
	intn  func(int) int // the test's seeded random source
	// waitUp holds the attendees while no bot is connected (the soak's
	// restarts); without it they keep sending (the failover's takeovers).
	waitUp bool

	mu         sync.Mutex
	acked      map[int64]string   // question number -> text, for each "Received"
	askFailed  int                // /ask not answered "Received" (bot down, dying, refused)
	voted      map[[2]string]bool // (user, question) pairs pressed, acknowledged or not
	votesAcked map[int64]int      // question -> presses answered with the updated card
	votesTried map[int64]int      // question -> presses sent
	voteFailed int                // presses not answered with UPDATE_MESSAGE
	askLatency []time.Duration
	seq        atomic.Int64
}

func newCrowd(fake *discordtest.Server, users []string, intn func(int) int, waitUp bool) *crowd {
	return &crowd{fake: fake, users: users, intn: intn, waitUp: waitUp,
		acked: map[int64]string{}, voted: map[[2]string]bool{}, votesAcked: map[int64]int{}, votesTried: map[int64]int{}}
}

// pause waits d, and reports false if ctx ended first.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// down reports whether no bot is connected while the crowd waits for one,
// and then waits, without a busy loop, until one is (10 s at most).
func (c *crowd) down(ctx context.Context) bool {
	if !c.waitUp || c.fake.Connected() {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = c.fake.WaitFor(wctx, func(s *discordtest.Server) bool { return s.Connected() })
	return true
}

// ask runs n askers on wg until ctx ends; each waits every() before each
// question, whose text is text(j) for the j-th question of the run.
func (c *crowd) ask(ctx context.Context, wg *sync.WaitGroup, n int, every func() time.Duration, text func(j int64) string) {
	for range n {
		wg.Go(func() {
			for pause(ctx, every()) {
				if c.down(ctx) {
					continue
				}
				q := text(c.seq.Add(1))
				ictx, icancel := context.WithTimeout(ctx, 5*time.Second)
				r, err := interact(ictx, c.fake, c.users[c.intn(len(c.users))], askCmd(q))
				icancel()
				c.mu.Lock()
				if err == nil && receivedID(r) != 0 {
					c.acked[receivedID(r)] = q
					c.askLatency = append(c.askLatency, r.Latency)
				} else {
					c.askFailed++
				}
				c.mu.Unlock()
			}
		})
	}
}

// vote runs n voters on wg until ctx ends; each waits every() before each
// press of a card in channel.
func (c *crowd) vote(ctx context.Context, wg *sync.WaitGroup, n int, every func() time.Duration, channel string) {
	for range n {
		wg.Go(func() {
			for pause(ctx, every()) {
				if c.down(ctx) {
					continue
				}
				c.press(ctx, channel)
			}
		})
	}
}

// press votes once, as a random attendee on a random card of channel, unless
// that attendee pressed that card before.
func (c *crowd) press(ctx context.Context, channel string) {
	byID, _ := cardsOf(c.fake, channel)
	if len(byID) == 0 {
		return
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	id := ids[c.intn(len(ids))]
	user := c.users[c.intn(len(c.users))]
	pair := [2]string{user, strconv.FormatInt(id, 10)}
	c.mu.Lock()
	if c.voted[pair] {
		c.mu.Unlock()
		return
	}
	c.voted[pair] = true
	c.votesTried[id]++
	c.mu.Unlock()
	in := discordtest.Button(fmt.Sprintf("q:vote:%d", id), byID[id].ID)
	in.ChannelID = channel
	ictx, icancel := context.WithTimeout(ctx, 5*time.Second)
	r, err := interact(ictx, c.fake, user, in)
	icancel()
	c.mu.Lock()
	if err == nil && r.Type == 7 {
		c.votesAcked[id]++
	} else {
		c.voteFailed++
	}
	c.mu.Unlock()
}

// check holds the store's questions (stored, by number) to what the crowd was
// acknowledged: every acknowledged question stored with its text; every
// acknowledged press stored, and no more votes than presses sent. Call it
// once the crowd has stopped.
func (c *crowd) check(t *testing.T, stored map[int64]bot.Question) (lostQuestions, ackedVotes, lostVotes int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, text := range c.acked {
		if q, ok := stored[id]; !ok || q.Text != text {
			lostQuestions++
			t.Errorf("question #%d was acknowledged but is stored as %+v", id, q)
		}
	}
	for id, n := range c.votesAcked {
		ackedVotes += n
		if q := stored[id]; q.Votes < n || q.Votes > c.votesTried[id] {
			lostVotes += max(n-q.Votes, 0)
			t.Errorf("question #%d: %d votes stored; %d presses acknowledged, %d sent", id, q.Votes, n, c.votesTried[id])
		}
	}
	return lostQuestions, ackedVotes, lostVotes
}

// duePlan is the reminders of the program in args (loadDay's) due before end.
func duePlan(t *testing.T, args []string, end time.Time) (*bot.Program, []bot.Reminder) {
	t.Helper()
	prog, err := bot.LoadProgram(args[1], args[3])
	if err != nil {
		t.Fatal(err)
	}
	var plan []bot.Reminder
	for _, r := range bot.Plan(prog.Schedule) {
		if r.Due.Before(end) {
			plan = append(plan, r)
		}
	}
	return prog, plan
}

// --- Reading the outcome back ---

func announcements(fake *discordtest.Server) []discordtest.Message {
	ch, ok := fake.ChannelByName("announcements")
	if !ok {
		return nil
	}
	return fake.Messages(ch.ID)
}

// announcedReminders is announcements with bundled reminders (sessions due
// together share a message, a blank line between them) split one per session.
func announcedReminders(fake *discordtest.Server) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range announcements(fake) {
		for _, part := range strings.Split(m.Content, "\n\n") {
			p := m
			p.Content = part
			out = append(out, p)
		}
	}
	return out
}

var cardRE = regexp.MustCompile(`^\*\*Q(\d+)\*\* · .* · 👍 (\d+)`)

// cards maps question numbers to their cards in the panel-questions channel; dups
// lists the numbers carded more than once.
func cards(t testing.TB, fake *discordtest.Server) (byID map[int64]discordtest.Message, dups []int64) {
	t.Helper()
	ch, ok := fake.ChannelByName("panel-questions")
	if !ok {
		t.Fatal("no #panel-questions")
	}
	return cardsOf(fake, ch.ID)
}

func cardVotes(m discordtest.Message) int {
	c := cardRE.FindStringSubmatch(m.Content)
	if c == nil {
		return -1
	}
	n, _ := strconv.Atoi(c[2])
	return n
}

var cardNumber = regexp.MustCompile(`^\*\*Q(\d+)\*\* · `)

// cardsOf maps question numbers to their cards in channel; dups lists numbers
// carded more than once.
func cardsOf(fake *discordtest.Server, channel string) (byID map[int64]discordtest.Message, dups []int64) {
	byID = map[int64]discordtest.Message{}
	for _, m := range fake.Messages(channel) {
		c := cardNumber.FindStringSubmatch(m.Content)
		if c == nil {
			continue
		}
		id, _ := strconv.ParseInt(c[1], 10, 64)
		if _, seen := byID[id]; seen {
			dups = append(dups, id)
		}
		byID[id] = m
	}
	return byID, dups
}

// dayPostersCarded reports whether every poster of loadDay has its channel,
// with its card in it.
func dayPostersCarded(s *discordtest.Server) bool {
	chans := posterChannels(s)
	for i := 1; i <= dayPosters; i++ {
		cs := chans[fmt.Sprintf("p%03d", i)]
		if len(cs) == 0 || len(s.Messages(cs[0])) == 0 {
			return false
		}
	}
	return true
}

// posterChannels maps poster ids (p001...) to the ids of the channels
// named for them.
func posterChannels(fake *discordtest.Server) map[string][]string {
	out := map[string][]string{}
	for _, c := range fake.Channels() {
		if id, _, ok := strings.Cut(c.Name, "_"); ok && len(id) == 4 && id[0] == 'p' {
			out[id] = append(out[id], c.ID)
		}
	}
	return out
}

// posterChannel is the channel of the poster with this id ("p1_..." for p1).
func posterChannel(s *discordtest.Server, id string) (discordgo.Channel, bool) {
	for _, c := range s.Channels() {
		if strings.HasPrefix(c.Name, id+"_") {
			return c, true
		}
	}
	return discordgo.Channel{}, false
}

// reminderTally is what became of the reminders of a day under faults, as
// the soak and the failover test count them.
type reminderTally struct {
	once, late, superseded, skipped, dups, lost int
	problems                                    []string
}

// tallyReminders checks each reminder of plan against what the database
// recorded (recs) and the messages in the announcements channel: posted
// exactly once under the nonce recorded (reminders due together share one
// bundled message and its nonce, issue 12 item 1), or recorded superseded (a
// shorter lead of its session was due with it) or skipped, and not posted.
func tallyReminders(plan []bot.Reminder, recs []bot.ReminderRecord, msgs []discordtest.Message) reminderTally {
	byNonce := map[string]int{}
	for _, m := range msgs {
		byNonce[m.Nonce]++
	}
	decided := map[bot.ReminderKey]bot.ReminderRecord{}
	for _, r := range recs {
		decided[r.Key] = r
	}
	var t reminderTally
	for _, r := range plan {
		rec := decided[r.Key]
		// Discord gets a long nonce (a bundle's) as a hash of it.
		st, own, n := rec.Status, byNonce[discord.WireNonce(r.Nonce())], byNonce[discord.WireNonce(rec.Nonce)]
		switch {
		case st == bot.StatusSkipped && own == 0:
			t.skipped++
		case st == bot.StatusSuperseded && own == 0:
			t.superseded++
		case (st == bot.StatusSent || st == bot.StatusLate) && n == 1:
			t.once++
			if st == bot.StatusLate {
				t.late++
			}
		case n > 1 || own > 1:
			t.dups++
			t.problems = append(t.problems, fmt.Sprintf("reminder %s/%v posted %d times under nonce %q (recorded %q)",
				r.Key.SessionID, r.Key.Lead, max(n, own), rec.Nonce, st))
		default:
			t.lost++
			t.problems = append(t.problems, fmt.Sprintf("reminder %s/%v due %s: %d posts under nonce %q, recorded %q; want one post, or none and superseded or skipped",
				r.Key.SessionID, r.Key.Lead, r.Due.Format("15:04:05"), n, rec.Nonce, st))
		}
	}
	return t
}

// remindersUndecided counts the reminders of plan not yet decided in recs, or
// recorded posted under a nonce that msgs do not hold.
func remindersUndecided(plan []bot.Reminder, recs []bot.ReminderRecord, msgs []discordtest.Message) int {
	posted := map[string]bool{}
	for _, m := range msgs {
		posted[m.Nonce] = true
	}
	byKey := map[bot.ReminderKey]bot.ReminderRecord{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	n := 0
	for _, r := range plan {
		switch rec := byKey[r.Key]; rec.Status {
		case bot.StatusSkipped, bot.StatusSuperseded:
		case bot.StatusSent, bot.StatusLate:
			if !posted[discord.WireNonce(rec.Nonce)] {
				n++
			}
		default:
			n++
		}
	}
	return n
}

// storedRemindersUndecided counts the reminders of plan that the database at
// dbPath (read beside the running bot) has not decided yet, or recorded
// posted under a nonce that channel does not hold; -1 if it cannot be read.
func storedRemindersUndecided(ctx context.Context, fake *discordtest.Server, channel, dbPath string, plan []bot.Reminder) int {
	db, err := sqlite.OpenReadOnly(ctx, dbPath)
	if err != nil {
		return -1
	}
	defer db.Close()
	recs, err := db.Reminders(ctx)
	if err != nil {
		return -1
	}
	return remindersUndecided(plan, recs, fake.Messages(channel))
}

// postersUnrecorded counts the posters p001... of the day whose record does
// not point at their one channel and its card.
func postersUnrecorded(precs []bot.PosterRecord, chans map[string][]string) int {
	recorded := 0
	for _, pr := range precs {
		if cs := chans[pr.PosterID]; len(cs) == 1 && pr.ChannelID == cs[0] && pr.CardMessageID != "" {
			recorded++
		}
	}
	return dayPosters - recorded
}

// storedPostersUnrecorded is postersUnrecorded read from the database at
// dbPath, beside the running bot (-1 if it cannot be read).
func storedPostersUnrecorded(ctx context.Context, fake *discordtest.Server, dbPath string) int {
	db, err := sqlite.OpenReadOnly(ctx, dbPath)
	if err != nil {
		return -1
	}
	defer db.Close()
	precs, err := db.PosterRecords(ctx)
	if err != nil {
		return -1
	}
	return postersUnrecorded(precs, posterChannels(fake))
}

// beatRE reads a heartbeat's first line: instance, interval, state.
var beatRE = regexp.MustCompile("^\\*\\*workshopbot heartbeat\\*\\* · instance `([^`]+)` · host `[^`]*` · every (\\S+) · (running|stopped)")

// post is one message printed by the console transport.
type post struct {
	channel string
	text    string
}

var postHeader = regexp.MustCompile(`^\[\d\d:\d\d:\d\d [-+]\d\d:\d\d\] #(\S+)$`)

// parsePosts reads the console's output back into posts.
func parsePosts(out string) []post {
	var posts []post
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := postHeader.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		p := post{channel: m[1]}
		for i++; i < len(lines) && strings.HasPrefix(lines[i], "  "); i++ {
			p.text += strings.TrimPrefix(lines[i], "  ") + "\n"
		}
		posts = append(posts, p)
	}
	return posts
}

// channelPosts keeps the posts to one channel.
func channelPosts(posts []post, channel string) []post {
	var out []post
	for _, p := range posts {
		if p.channel == channel {
			out = append(out, p)
		}
	}
	return out
}

// reminderParts splits bundled reminders (sessions due together share one
// message, a blank line between them) into one post per session.
func reminderParts(posts []post) []post {
	var out []post
	for _, p := range posts {
		for _, part := range strings.Split(strings.TrimRight(p.text, "\n"), "\n\n") {
			out = append(out, post{channel: p.channel, text: part + "\n"})
		}
	}
	return out
}

// --- Figures and the browser ---

// percentile is the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms is d in milliseconds, for b.ReportMetric.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

var docsScreenshots = flag.Bool("docs-screenshots", false, "TestBrowserOverlay also writes docs/dashboard.png and docs/overlay.png, TestRehearsalReport docs/report.png")

// docsShots are the screenshots the README shows.
var docsShots = map[string]bool{"dashboard.png": true, "overlay.png": true, "report.png": true}

// newBrowser starts Debian's chromium, headless, in a throwaway profile.
func newBrowser(t *testing.T) (context.Context, context.CancelFunc) {
	return chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()))
}

// saveShots writes the screenshots to $ARTIFACTS_DIR (or ./artifacts), and,
// with -docs-screenshots, the ones the README shows to docs/.
func saveShots(t *testing.T, shots map[string][]byte) {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, png := range shots {
		if len(png) < 1000 || string(png[1:4]) != "PNG" {
			t.Errorf("%s: not a PNG (%d bytes)", name, len(png))
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", filepath.Join(dir, name))
		if *docsScreenshots && docsShots[name] {
			if err := os.WriteFile(filepath.Join("docs", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// --- Tests of the harness ---

// TestTallyReminders: the soak's and the failover's count of reminders finds
// a bundle under the hashed nonce Discord got, accepts a lead superseded by a
// shorter one, and calls a reminder recorded posted but not on Discord lost.
func TestTallyReminders(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	r := func(id string, lead time.Duration) bot.Reminder {
		return bot.Reminder{Key: bot.ReminderKey{SessionID: id, Lead: lead}, Due: at.Add(-lead)}
	}
	a0, b2, b0, c0 := r("a", 0), r("b", 2*time.Second), r("b", 0), r("c", 0)
	plan := []bot.Reminder{a0, b2, b0, c0}
	bundle := a0.Nonce() + "+" + b0.Nonce() // longer than Discord's 25: sent hashed
	recs := []bot.ReminderRecord{
		{Key: a0.Key, Status: bot.StatusLate, Nonce: bundle},
		{Key: b0.Key, Status: bot.StatusLate, Nonce: bundle},
		{Key: b2.Key, Status: bot.StatusSuperseded, Nonce: b2.Nonce()},
		{Key: c0.Key, Status: bot.StatusSent, Nonce: c0.Nonce()},
	}
	msg := func(n string) discordtest.Message { return discordtest.Message{Nonce: discord.WireNonce(n)} }
	got := tallyReminders(plan, recs, []discordtest.Message{msg(bundle), msg(c0.Nonce())})
	if got.once != 3 || got.late != 2 || got.superseded != 1 || got.lost != 0 || got.dups != 0 {
		t.Errorf("tally %+v: want 3 once (2 late, in one bundle), 1 superseded", got)
	}
	if n := remindersUndecided(plan, recs, []discordtest.Message{msg(bundle), msg(c0.Nonce())}); n != 0 {
		t.Errorf("%d undecided, want 0", n)
	}
	got = tallyReminders(plan, recs, []discordtest.Message{msg(bundle)})
	if got.lost != 1 || len(got.problems) != 1 {
		t.Errorf("without c's message: %+v, want c lost", got)
	}
	if n := remindersUndecided(plan, recs, []discordtest.Message{msg(c0.Nonce())}); n != 2 {
		t.Errorf("without the bundle: %d undecided, want 2", n)
	}
}
