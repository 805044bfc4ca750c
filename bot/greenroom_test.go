package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"workshopbot/bot/bottest"
)

// greenYAML is a program of two talks with listed people: a at 07:00 (speaker
// weinan, chair carol by id), b at 08:00 (speaker neha).
const greenYAML = `workshop:
  name: Green Room Test
  short_name: GRT
  timezone: America/New_York
  date: 2021-12-14
  links:
    zoom: https://example.org/zoom
sessions:
  - id: a
    start: "07:00"
    end: "07:45"
    kind: invited
    title: Talk A
    speakers: [Weinan E]
    checkin: [weinan]
    chair: "123456789012345678"
  - id: b
    start: "08:00"
    end: "08:45"
    kind: invited
    title: Talk B
    checkin: [neha]
`

const carolID = "123456789012345678"

func greenProgram(t *testing.T, edit func(s *Schedule)) *Program {
	t.Helper()
	s, err := ParseSchedule("schedule.yaml", []byte(greenYAML))
	if err != nil {
		t.Fatal(err)
	}
	s.Reminders.Leads = nil // only the green room speaks in these tests
	if edit != nil {
		edit(s)
	}
	return &Program{Schedule: s}
}

// greenStore is an in-memory Store and GreenStore: a fresh one is a deleted database.
type greenStore struct {
	memStore
	gmu  sync.Mutex
	recs map[GreenKey]GreenRecord
	ins  []CheckIn
}

func newGreenStore() *greenStore {
	return &greenStore{memStore: *newMemStore(), recs: map[GreenKey]GreenRecord{}}
}

func (s *greenStore) GreenRecords(context.Context) ([]GreenRecord, error) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	var out []GreenRecord
	for _, r := range s.recs {
		out = append(out, r)
	}
	return out, nil
}

func (s *greenStore) PutGreenRecord(_ context.Context, r GreenRecord) error {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	s.recs[r.Key] = r
	return nil
}

func (s *greenStore) CheckIns(context.Context) ([]CheckIn, error) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	return slices.Clone(s.ins), nil
}

func (s *greenStore) AddCheckIn(_ context.Context, c CheckIn) (bool, error) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	if slices.ContainsFunc(s.ins, func(o CheckIn) bool { return o.SessionID == c.SessionID && o.Entry == c.Entry }) {
		return false, nil
	}
	s.ins = append(s.ins, c)
	return true, nil
}

// greenEvent is one thing the transport was asked to do, as a line.
type greenTransport struct {
	mu     sync.Mutex
	clock  Clock
	events []string  // "HH:MM post #channel nonce" / "HH:MM edit #channel id" / "HH:MM dm user nonce"
	posts  []Message // every post, in order
	edits  []Message
	n      int
}

func (g *greenTransport) log(format string, args ...any) {
	g.events = append(g.events, g.clock.Now().In(et).Format("15:04")+" "+fmt.Sprintf(format, args...))
}

func (g *greenTransport) Post(_ context.Context, m Message) (Posted, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	g.posts = append(g.posts, m)
	g.log("post #%s %s", m.Channel, m.Nonce)
	return Posted{ChannelID: m.Channel, MessageID: fmt.Sprintf("m%d", g.n)}, nil
}

func (g *greenTransport) Edit(_ context.Context, ch, id string, m Message) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.edits = append(g.edits, m)
	g.log("edit #%s %s", ch, id)
	return nil
}

func (g *greenTransport) DM(_ context.Context, user string, m Message) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.log("dm %s %s", user, m.Nonce)
	return nil
}

func (g *greenTransport) GuildIdentity() (string, string) { return "guild", "self" }
func (g *greenTransport) GuildChannels(context.Context) ([]GuildChannel, error) {
	return nil, nil
}
func (g *greenTransport) GuildMembers(context.Context) ([]User, error) {
	return []User{{ID: "111111111111111111", Name: "weinan"}, {ID: carolID, Name: "carol"}, {ID: "222222222222222222", Name: "neha"}}, nil
}
func (g *greenTransport) CreateChannel(context.Context, ChannelSpec) (GuildChannel, error) {
	return GuildChannel{}, errors.New("not here")
}
func (g *greenTransport) EditChannel(context.Context, string, ChannelEdit) error    { return nil }
func (g *greenTransport) SetOverwrite(context.Context, string, Overwrite) error     { return nil }
func (g *greenTransport) DeleteOverwrite(context.Context, string, string) error     { return nil }
func (g *greenTransport) PostCard(context.Context, string, Message) (string, error) { return "", nil }
func (g *greenTransport) EditCard(context.Context, string, string, Message) error   { return nil }
func (g *greenTransport) Pin(context.Context, string, string) error                 { return nil }
func (g *greenTransport) PinnedCard(context.Context, string) (string, []Embed, error) {
	return "", nil, nil
}

func (g *greenTransport) lines() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.events)
}

func newGreenBot(t *testing.T, clock Clock, st *greenStore, tr *greenTransport, prog *Program) *Bot {
	t.Helper()
	b, err := New(Config{Features: featuresFor(st), Program: prog, Clock: clock, Store: st, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	b.upSince = clock.Now()
	if err := b.recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// runUntil steps b every minute from the clock's instant to end.
func runUntil(t *testing.T, b *Bot, clock *bottest.Clock, end time.Time) {
	t.Helper()
	for now := clock.Now(); !now.After(end); now = now.Add(time.Minute) {
		clock.Set(now)
		if _, err := b.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseGreenRoom(t *testing.T) {
	p := greenProgram(t, nil)
	s := p.Schedule
	a, _ := s.Session("a")
	if !slices.Equal(a.CheckIn, []string{"weinan"}) || a.Chair != carolID {
		t.Errorf("session a: checkin %q chair %q", a.CheckIn, a.Chair)
	}
	if got := Listed(a); !slices.Equal(got, []string{"weinan", carolID}) {
		t.Errorf("Listed(a) = %q", got)
	}
	if s.Discord.GreenRoom != "green-room" {
		t.Errorf("Discord.GreenRoom = %q, want green-room (people are listed)", s.Discord.GreenRoom)
	}
	var check strings.Builder
	if err := WriteCheck(&check, p, time.UTC); err != nil {
		t.Fatal(err)
	}
	if want := "Green room: #green-room for 3 people listed in 2 sessions (check-in 30m before, moderators told 10m before)"; !strings.Contains(check.String(), want) {
		t.Errorf("check output:\n%s\nwant a line %q", check.String(), want)
	}
	def := DefaultGreenRoom()
	if s.GreenRoom.CheckIn != def.CheckIn || !slices.Equal(s.GreenRoom.Nudges, def.Nudges) || s.GreenRoom.Escalate != 10*time.Minute || s.GreenRoom.Briefing != 5*time.Minute {
		t.Errorf("green room config %+v, want the defaults", s.GreenRoom)
	}

	none, err := ParseSchedule("schedule.yaml", []byte(strings.ReplaceAll(strings.ReplaceAll(greenYAML, "    checkin: [weinan]\n    chair: \"123456789012345678\"\n", ""), "    checkin: [neha]\n", "")))
	if err != nil {
		t.Fatal(err)
	}
	if none.Discord.GreenRoom != "" || HasGreenRoom(none) {
		t.Errorf("no one listed: Discord.GreenRoom = %q, want \"\" (no channel made)", none.Discord.GreenRoom)
	}

	custom, err := ParseSchedule("schedule.yaml", []byte(greenYAML+"green_room:\n  channel: speakers-lounge\n  checkin: 45m\n  nudges: [20m]\n  escalate: 7m\n  briefing: 3m\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := GreenRoomConfig{Channel: "speakers-lounge", CheckIn: 45 * time.Minute, Nudges: []time.Duration{20 * time.Minute}, Escalate: 7 * time.Minute, Briefing: 3 * time.Minute}
	if g := custom.GreenRoom; g.Channel != want.Channel || g.CheckIn != want.CheckIn || !slices.Equal(g.Nudges, want.Nudges) || g.Escalate != want.Escalate || g.Briefing != want.Briefing {
		t.Errorf("green_room = %+v, want %+v", g, want)
	}
}

// TestParseGreenRoomErrors: listed people are checked like posters.csv's
// presenters, each error naming the file, the line and the field.
func TestParseGreenRoomErrors(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"a display name", "checkin: [weinan]", "checkin: [Weinan E]", `schedule.yaml:15: sessions[0].checkin[0]: "Weinan E" is not a Discord username or user id`},
		{"a tag", `chair: "123456789012345678"`, "chair: carol#1234", `schedule.yaml:16: sessions[0].chair: "carol#1234" is not a Discord username or user id`},
		{"capitals", "checkin: [neha]", "checkin: [neha, Neha.Y]", `schedule.yaml:22: sessions[1].checkin[1]: "Neha.Y" is not a Discord username or user id`},
		{"a lead too long", "sessions:", "green_room:\n  nudges: [15m, 200h]\nsessions:", `schedule.yaml:9: green_room.nudges[1]: 200h is more than 168h before a session`},
		{"an unknown key", "sessions:", "green_room:\n  chekin: 30m\nsessions:", `schedule.yaml:9: green_room: unknown key "chekin" (did you mean "checkin"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(greenYAML, tt.from, tt.to, 1)
			if src == greenYAML {
				t.Fatalf("%q not in the schedule", tt.from)
			}
			_, err := ParseSchedule("schedule.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
}

// TestDecideGreen is the rule's table: talk a at 07:00 with the default leads
// (check-in 30m, nudges 15m and 5m, escalation 10m, briefing 5m).
func TestDecideGreen(t *testing.T) {
	prog := greenProgram(t, func(s *Schedule) { s.Sessions = s.Sessions[:1] })
	plan := PlanGreen(prog.Schedule)
	k := func(kind GreenKind, lead int) GreenKey { return GreenKey{"a", kind, time.Duration(lead) * time.Minute} }
	sent := func(kind GreenKind, lead int, due time.Time) map[GreenKey]GreenRecord {
		return map[GreenKey]GreenRecord{k(kind, lead): {Key: k(kind, lead), Due: due, Status: StatusSent}}
	}
	tests := []struct {
		name            string
		done            map[GreenKey]GreenRecord
		now, up         time.Time
		send, skip, sup string
		next            time.Time
	}{
		{"before anything", nil, at(6, 0), at(6, 0), "", "", "", at(6, 30)},
		{"the check-in is due", nil, at(6, 30), at(6, 0), "checkin/30m", "", "", at(6, 45)},
		{"the check-in is done", sent(GreenCheckIn, 30, at(6, 30)), at(6, 31), at(6, 0), "", "", "", at(6, 45)},
		{"pending is not done", map[GreenKey]GreenRecord{k(GreenCheckIn, 30): {Due: at(6, 30), Status: StatusPending}}, at(6, 31), at(6, 0), "checkin/30m", "", "", at(6, 45)},
		{"up at 06:33, missed 3 min ago: sent late", nil, at(6, 33), at(6, 33), "checkin/30m", "", "", at(6, 45)},
		{"up at 06:40, missed 10 min ago: skipped", nil, at(6, 40), at(6, 40), "", "checkin/30m", "", at(6, 45)},
		{"busy bot: the check-in and the first nudge together", nil, at(6, 46), at(6, 0), "checkin/30m", "", "nudge/15m", at(6, 50)},
		{"a pending check-in retried with the first nudge: both", map[GreenKey]GreenRecord{k(GreenCheckIn, 30): {Due: at(6, 30), Status: StatusPending}}, at(6, 46), at(6, 0), "checkin/30m nudge/15m", "", "", at(6, 50)},
		{"two nudges together: the later only", sent(GreenCheckIn, 30, at(6, 30)), at(6, 56), at(6, 0), "escalate/10m nudge/5m briefing/5m", "", "nudge/15m", time.Time{}},
		{"the session has started: all skipped", nil, at(7, 0), at(6, 0), "", "checkin/30m nudge/15m escalate/10m nudge/5m briefing/5m", "", time.Time{}},
		{"moved 40 min later: the check-in is due again", sent(GreenCheckIn, 30, at(5, 50)), at(6, 31), at(6, 0), "checkin/30m", "", "", at(6, 45)},
		{"moved 20 min later, less than the lead: not again", sent(GreenCheckIn, 30, at(6, 10)), at(6, 31), at(6, 0), "", "", "", at(6, 45)},
		{"moved 20 min earlier: not again", sent(GreenCheckIn, 30, at(7, 0)), at(6, 31), at(6, 0), "", "", "", at(6, 45)},
	}
	line := func(ps []GreenPing) string {
		var s []string
		for _, p := range ps {
			s = append(s, fmt.Sprintf("%s/%s", p.Key.Kind, formatDuration(p.Key.Lead)))
		}
		return strings.Join(s, " ")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideGreen(plan, tt.done, tt.now, tt.up, 5*time.Minute)
			if got := line(d.Send); got != tt.send {
				t.Errorf("send %q, want %q", got, tt.send)
			}
			if got := line(d.Skip); got != tt.skip {
				t.Errorf("skip %q, want %q", got, tt.skip)
			}
			if got := line(d.Superseded); got != tt.sup {
				t.Errorf("superseded %q, want %q", got, tt.sup)
			}
			if !d.Next.Equal(tt.next) {
				t.Errorf("next %v, want %v", d.Next, tt.next)
			}
		})
	}
}

// TestGreenPingsAtEachLeadOnce runs the morning on a virtual clock, with a
// restart (a new bot on the same store) in the middle: each ping once, at its
// lead, in its channel or by DM, mentioning exactly the listed people.
func TestGreenPingsAtEachLeadOnce(t *testing.T) {
	clock := bottest.NewClock(at(6, 0))
	st, tr := newGreenStore(), &greenTransport{clock: clock}
	b := newGreenBot(t, clock, st, tr, greenProgram(t, nil))
	runUntil(t, b, clock, at(6, 47))
	b = newGreenBot(t, clock, st, tr, greenProgram(t, nil)) // restarted
	runUntil(t, b, clock, at(9, 0))
	want := []string{
		"06:30 post #green-room g:c:a:1800:1639481400",
		"06:45 post #green-room g:n:a:900:1639482300",
		"06:50 post #moderators g:e:a:600:1639482600",
		"06:55 dm 111111111111111111 g:n:a:300:1639482900:111111111111111111",
		"06:55 dm 123456789012345678 g:n:a:300:1639482900:123456789012345678",
		"06:55 dm 123456789012345678 g:b:a:300:1639482900:123456789012345678",
		"07:30 post #green-room g:c:b:1800:1639485000",
		"07:45 post #green-room g:n:b:900:1639485900",
		"07:50 post #moderators g:e:b:600:1639486200",
		"07:55 dm 222222222222222222 g:n:b:300:1639486500:222222222222222222",
	}
	if got := tr.lines(); !slices.Equal(got, want) {
		t.Errorf("pings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range tr.posts {
		switch {
		case strings.HasPrefix(m.Nonce, "g:c:a"), strings.HasPrefix(m.Nonce, "g:n:a"):
			if !slices.Equal(m.PingUsers, []string{"111111111111111111", carolID}) {
				t.Errorf("%s pings %q, want exactly weinan and carol", m.Nonce, m.PingUsers)
			}
		case strings.HasPrefix(m.Nonce, "g:e"):
			if len(m.PingUsers) != 0 {
				t.Errorf("escalation %s pings %q, want no one", m.Nonce, m.PingUsers)
			}
		}
	}
}

// TestGreenMissingSpeakerReported: at the escalation lead the moderators are
// told who is missing (not who is in), and the message is edited once, when the
// missing speaker checks in; the check-in post is edited too.
func TestGreenMissingSpeakerReported(t *testing.T) {
	ctx := context.Background()
	clock := bottest.NewClock(at(6, 0))
	st, tr := newGreenStore(), &greenTransport{clock: clock}
	b := newGreenBot(t, clock, st, tr, greenProgram(t, func(s *Schedule) { s.Sessions = s.Sessions[:1] }))
	runUntil(t, b, clock, at(6, 40))
	carol := User{ID: carolID, Name: "carol"}
	if r := b.Handle(ctx, Command{Button: "checkin:a", User: carol}); !strings.Contains(r.Content, "Checked in for **Talk A**") {
		t.Fatalf("carol's press: %q", r.Content)
	}
	runUntil(t, b, clock, at(6, 52))
	var esc []Message
	for _, m := range tr.posts {
		if m.Channel == ChannelModerators {
			esc = append(esc, m)
		}
	}
	if len(esc) != 1 || !strings.Contains(esc[0].Content, "not checked in: <@111111111111111111>") || !strings.Contains(esc[0].Content, "In: <@"+carolID+">") {
		t.Fatalf("escalation: %d messages %+v, want one naming weinan missing", len(esc), esc)
	}
	before := len(tr.edits)
	clock.Set(at(6, 53))
	if r := b.Handle(ctx, Command{Name: "checkin", User: User{ID: "111111111111111111", Name: "weinan"}}); !strings.Contains(r.Content, "Checked in") {
		t.Fatalf("weinan's /checkin: %q", r.Content)
	}
	runUntil(t, b, clock, at(7, 0))
	edits := tr.edits[before:]
	var modEdits []Message
	for _, e := range edits {
		if strings.Contains(e.Content, "everyone has checked in") {
			modEdits = append(modEdits, e)
		}
	}
	if len(modEdits) != 1 {
		t.Errorf("escalation edits %d, want 1 saying everyone is in; edits: %+v", len(modEdits), edits)
	}
	if !slices.ContainsFunc(edits, func(m Message) bool { return strings.Contains(m.Content, "Everyone is here") && m.Buttons[0].Disabled }) {
		t.Errorf("the check-in post was not edited to everyone in: %+v", edits)
	}
	for _, l := range tr.lines() {
		if strings.Contains(l, "dm 111111111111111111 g:n") {
			t.Errorf("weinan checked in at 06:53 and was still nudged: %s", l)
		}
	}
}

// TestGreenMovedSessionRearms: talk a's check-in was posted at 06:30; moved to
// 08:30, it is posted again at 08:00, once, with a new nonce.
func TestGreenMovedSessionRearms(t *testing.T) {
	clock := bottest.NewClock(at(6, 0))
	st, tr := newGreenStore(), &greenTransport{clock: clock}
	one := func(s *Schedule) { s.Sessions = s.Sessions[:1] }
	b := newGreenBot(t, clock, st, tr, greenProgram(t, one))
	runUntil(t, b, clock, at(6, 35))
	b.SetProgram(greenProgram(t, func(s *Schedule) {
		one(s)
		s.Sessions[0].Start, s.Sessions[0].End = at(8, 30), at(9, 15)
	}))
	runUntil(t, b, clock, at(9, 0))
	var checkins []string
	for _, l := range tr.lines() {
		if strings.Contains(l, "g:c:") {
			checkins = append(checkins, l)
		}
	}
	want := []string{"06:30 post #green-room g:c:a:1800:1639481400", "08:00 post #green-room g:c:a:1800:1639486800"}
	if !slices.Equal(checkins, want) {
		t.Errorf("check-in posts:\n%s\nwant:\n%s", strings.Join(checkins, "\n"), strings.Join(want, "\n"))
	}
}

// TestGreenUnlistedCannotCheckIn: someone not listed for a session cannot check
// in for it, by button or command; a member whose username is a listed id is
// not that person.
func TestGreenUnlistedCannotCheckIn(t *testing.T) {
	ctx := context.Background()
	clock := bottest.NewClock(at(6, 40))
	st, tr := newGreenStore(), &greenTransport{clock: clock}
	b := newGreenBot(t, clock, st, tr, greenProgram(t, nil))
	tests := []struct {
		name string
		c    Command
		want string
	}{
		{"a stranger presses", Command{Button: "checkin:a", User: User{ID: "333333333333333333", Name: "mallory"}}, "You are not listed for **Talk A**"},
		{"a speaker of another session presses", Command{Button: "checkin:a", User: User{ID: "222222222222222222", Name: "neha"}}, "You are not listed for **Talk A**"},
		{"an all-digit username like the chair's id", Command{Name: "checkin", Options: map[string]string{"session": "a"}, User: User{ID: "444444444444444444", Name: carolID}}, "You are not listed for **Talk A**"},
		{"a stranger types /checkin", Command{Name: "checkin", User: User{ID: "333333333333333333", Name: "mallory"}}, "You are not listed for any session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := b.Handle(ctx, tt.c); !strings.Contains(r.Content, tt.want) || !r.Ephemeral {
				t.Errorf("reply %q, want it to contain %q (ephemeral)", r.Content, tt.want)
			}
		})
	}
	if ins, _ := st.CheckIns(ctx); len(ins) != 0 {
		t.Errorf("check-ins recorded: %+v, want none", ins)
	}
	// And a listed speaker's /checkin checks in for all of theirs, once.
	r := b.Handle(ctx, Command{Name: "checkin", User: User{ID: "222222222222222222", Name: "neha"}})
	r2 := b.Handle(ctx, Command{Button: "checkin:b", User: User{ID: "222222222222222222", Name: "neha"}})
	if ins, _ := st.CheckIns(ctx); len(ins) != 1 || !strings.Contains(r.Content, "Talk B") || !strings.Contains(r2.Content, "already checked in") {
		t.Errorf("neha: %q then %q; check-ins %+v", r.Content, r2.Content, ins)
	}
}

// TestGreenDashboard: the overview shows each listed person's state for the
// next sessions, and a check-in tells the dashboard's subscribers at once.
func TestGreenDashboard(t *testing.T) {
	ctx := context.Background()
	clock := bottest.NewClock(at(6, 0))
	st, tr := newGreenStore(), &greenTransport{clock: clock}
	b := newGreenBot(t, clock, st, tr, greenProgram(t, nil))
	changed, cancel := b.Subscribe()
	defer cancel()
	states := func() string {
		t.Helper()
		ov, err := b.Overview(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range ov.GreenRoom {
			for _, p := range e.People {
				s = append(s, fmt.Sprintf("%s/%s:%s", e.SessionID, p.Name, p.State))
			}
		}
		return strings.Join(s, " ")
	}
	runUntil(t, b, clock, at(6, 40))
	for len(changed) > 0 {
		<-changed
	}
	b.Handle(ctx, Command{Button: "checkin:a", User: User{ID: "111111111111111111", Name: "weinan"}})
	select {
	case <-changed:
	default:
		t.Error("a check-in did not tell the dashboard")
	}
	steps := []struct {
		at   time.Time
		want string
	}{
		{at(6, 41), "a/weinan:in a/" + carolID + ":waiting b/neha:waiting"},
		{at(6, 46), "a/weinan:in a/" + carolID + ":reminded b/neha:waiting"},
		{at(6, 51), "a/weinan:in a/" + carolID + ":missing b/neha:waiting"},
		{at(7, 50), "b/neha:missing"},
	}
	for _, s := range steps {
		runUntil(t, b, clock, s.at)
		if got := states(); got != s.want {
			t.Errorf("at %s: %s\nwant %s", s.at.Format("15:04"), got, s.want)
		}
	}
}
