package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/features"
)

// posterStore is an in-memory bot.Store and bot.PosterStore: a fresh one is a
// deleted database.
type posterStore struct {
	mu       sync.Mutex
	recs     map[string]bot.PosterRecord
	archived bool
	rems     map[bot.ReminderKey]bot.ReminderRecord
}

func newPosterStore() *posterStore {
	return &posterStore{recs: map[string]bot.PosterRecord{}, rems: map[bot.ReminderKey]bot.ReminderRecord{}}
}

func (s *posterStore) Reminders(context.Context) ([]bot.ReminderRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.ReminderRecord
	for _, r := range s.rems {
		out = append(out, r)
	}
	return out, nil
}

func (s *posterStore) PutReminder(_ context.Context, r bot.ReminderRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rems[r.Key] = r
	return nil
}

func (s *posterStore) PosterRecords(context.Context) ([]bot.PosterRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.PosterRecord
	for _, r := range s.recs {
		out = append(out, r)
	}
	return out, nil
}

func (s *posterStore) PutPosterRecord(_ context.Context, r bot.PosterRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[r.PosterID] = r
	return nil
}

func (s *posterStore) PostersArchived(context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.archived, nil
}

func (s *posterStore) SetPostersArchived(_ context.Context, a bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archived = a
	return nil
}

const posterSchedule = `workshop:
  name: Poster Test Workshop
  short_name: PTW
  timezone: America/New_York
  date: 2021-12-14
  links:
    gathertown: https://example.org/gather
discord:
  moderators_role: moderators
sessions:
  - start: "09:45"
    kind: posters
    poster_session: 1
    title: Poster Session 1
  - start: "14:00"
    kind: posters
    poster_session: 2
    title: Poster Session 2
`

// posterProgram is a program of n1 posters in session 1 and n2 in session 2.
// Poster i (from 1) is "p<i>"; presenters maps a poster number to its
// presenters; title may rename posters.
func posterProgram(t testing.TB, n1, n2 int, presenters map[int]string, title func(i int) string) *bot.Program {
	t.Helper()
	s, err := bot.ParseSchedule("schedule.yaml", []byte(posterSchedule))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,session,title,authors,presenters,abstract,pdf,video\n")
	abstract := strings.Repeat("We study neural differential equations and their solvers. ", 90) // ~5,300 characters
	for i := 1; i <= n1+n2; i++ {
		session := 1
		if i > n1 {
			session = 2
		}
		tt := fmt.Sprintf("Poster %d: Learning dynamics with neural ODEs, part %d", i, i)
		if title != nil {
			tt = title(i)
		}
		fmt.Fprintf(&b, "p%d,%d,%q,Ada Lovelace;Émile Borel,%s,%q,https://arxiv.org/abs/2106.%05d,\n", i, session, tt, presenters[i], abstract, i)
	}
	posters, err := bot.ParsePosters("posters.csv", []byte(b.String()), s)
	if err != nil {
		t.Fatal(err)
	}
	return &bot.Program{Schedule: s, Posters: posters}
}

// posterBot is a bot on a transport opened on fake, with the program's
// commands. restart replaces the bot (the transport stays).
type posterBot struct {
	h *harness

	mu  sync.Mutex // the transport's callbacks may run before the bot is set
	bot *bot.Bot
}

func (pb *posterBot) cur() *bot.Bot {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return pb.bot
}

// SyncPosters, SetProgram and Run are the current bot's.
func (pb *posterBot) SyncPosters(ctx context.Context) (bot.PosterReport, error) {
	return pb.cur().SyncPosters(ctx)
}
func (pb *posterBot) SetProgram(p *bot.Program) { pb.cur().SetProgram(p) }
func (pb *posterBot) Run(ctx context.Context, o bot.RunOptions) error {
	return pb.cur().Run(ctx, o)
}

// restart replaces the bot with a new one on a fresh store: a lost database.
func (pb *posterBot) restart(t testing.TB, prog *bot.Program) {
	t.Helper()
	st := newPosterStore()
	b, err := bot.New(bot.Config{Features: featuresFor(st), Program: prog, Clock: bot.NewScaledClock(time.Now, time.Now(), 1), Store: st,
		Posters: st, Transport: pb.h.tr, Logger: slog.New(slog.NewTextHandler(pb.h.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	pb.mu.Lock()
	pb.bot = b
	pb.mu.Unlock()
}

func newPosterBot(t testing.TB, fake *discordtest.Server, prog *bot.Program) *posterBot {
	t.Helper()
	pb := &posterBot{}
	pb.h = openTB(t, fake, func(c *discord.Config) {
		c.Commands = bot.Specs(features.All())
		c.Names.Moderators = "moderators"
		c.Handle = func(ctx context.Context, cmd bot.Command) bot.Reply { return pb.cur().Handle(ctx, cmd) }
		c.OnMemberJoin = func(u bot.User) {
			if b := pb.cur(); b != nil {
				b.MemberJoined(u)
			}
		}
	})
	pb.restart(t, prog)
	return pb
}

// openTB is open for tests and benchmarks.
func openTB(t testing.TB, fake *discordtest.Server, edit func(*discord.Config)) *harness {
	if tt, ok := t.(*testing.T); ok {
		return open(tt, fake, edit)
	}
	h := &harness{fake: fake, logs: &logBuffer{}}
	cfg := discord.Config{Token: discordtest.Token, APIBase: fake.URL(), GuildID: fake.GuildID(), Names: names(),
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	edit(&cfg)
	tr, err := discord.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.tr = tr
	t.Cleanup(func() { _ = tr.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tr.Open(ctx); err != nil {
		t.Fatalf("Open: %v\n%s", err, h.logs)
	}
	return h
}

func sync1(t testing.TB, b *posterBot) bot.PosterReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := b.SyncPosters(ctx)
	if err != nil {
		t.Fatalf("SyncPosters: %v\nreport: %s", err, rep)
	}
	if len(rep.Failed) > 0 {
		t.Fatalf("SyncPosters failed in part:\n%s", rep)
	}
	return rep
}

// writes are the requests since mark that change something.
func writes(fake *discordtest.Server, mark int) []discordtest.Request {
	var out []discordtest.Request
	for _, r := range fake.Requests()[mark:] {
		if r.Method != "GET" && !strings.Contains(r.Route, "/interactions/") && !strings.Contains(r.Route, "/webhooks/") {
			out = append(out, r)
		}
	}
	return out
}

func routes(reqs []discordtest.Request) string {
	var s []string
	for _, r := range reqs {
		s = append(s, r.Method+" "+r.Path)
	}
	return strings.Join(s, "\n")
}

// posterChannels maps poster ids to the fake's channels, by the id part of
// their names.
func posterChannels(fake *discordtest.Server) map[string]discordgo.Channel {
	out := map[string]discordgo.Channel{}
	for _, c := range fake.Channels() {
		if c.Type == discordgo.ChannelTypeGuildText && strings.Contains(c.Name, "_") {
			id, _, _ := strings.Cut(c.Name, "_")
			out[id] = c
		}
	}
	return out
}

// The bar: 120 posters in two sessions (73 + 47) give categories of at most 50
// channels, 120 channels each created in one call, every request within the
// spec and limits (the fake fails the test otherwise); a second sync makes no
// write; after losing the database a sync creates nothing; a title change
// edits exactly that channel and card.
func TestPosterSync120(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent(),
		// A lenient channel-create bucket: 123 creations at the observed 5
		// per 5 s would take two minutes; this test is about the plan and
		// the global pacing, BenchmarkPosterSyncMax about the create bucket.
		discordtest.WithRateLimit("POST /guilds/{guild_id}/channels", 200, 5*time.Second))
	fake.AddRole("moderators", 0)
	fake.SetRolePermissions(fake.GuildID(), discordgo.PermissionViewChannel|discordgo.PermissionSendMessages|discordgo.PermissionReadMessageHistory)
	alice := fake.AddMember("alice")
	bob := fake.AddMember("bob")
	carol := fake.AddMember("carol") // an attendee
	prog := posterProgram(t, 73, 47, map[int]string{1: "alice", 2: "bob", 3: "alice;" + bob}, nil)
	b := newPosterBot(t, fake, prog)

	mark := len(fake.Requests())
	rep := sync1(t, b)
	first := fake.Requests()[mark:]
	if len(rep.Created) != 120 || rep.Categories != 3 || rep.CardsPosted != 120 {
		t.Errorf("first sync: %d channels, %d categories, %d cards; want 120, 3, 120\n%s", len(rep.Created), rep.Categories, rep.CardsPosted, rep)
	}
	if n := count(first, "POST /guilds/{guild_id}/channels"); n != 123 {
		t.Errorf("%d channel creations, want 123 (120 channels + 3 categories)", n)
	}
	for _, route := range []string{"PATCH /channels/{channel_id}", "PUT /channels/{channel_id}/permissions/{overwrite_id}"} {
		if n := count(first, route); n != 0 {
			t.Errorf("first sync sent %d %s; each channel must be created whole, in one call", n, route)
		}
	}
	if n := count(first, "POST /channels/{channel_id}/messages"); n != 120 {
		t.Errorf("%d cards posted, want 120", n)
	}
	if n := count(first, "PUT /channels/{channel_id}/messages/pins/{message_id}"); n != 120 {
		t.Errorf("%d pins, want 120", n)
	}
	// About 360 calls at once: the shared pacer keeps them under Discord's 50
	// per second, so not one draws a global 429.
	if global, _ := fake.RateLimited(); global != 0 {
		t.Errorf("%d global 429s, want 0: every REST call goes through the pacer", global)
	}
	t.Logf("first sync: %d requests, peak %d calls in one second (Discord allows 50)", len(first), fake.PeakRate())

	// Categories: Session 1 holds 50 + 23, Session 2 holds 47, in poster order.
	cats := map[string]string{}
	children := map[string]int{}
	for _, c := range fake.Channels() {
		if c.Type == discordgo.ChannelTypeGuildCategory {
			cats[c.ID] = c.Name
		} else if c.ParentID != "" {
			children[c.ParentID]++
		}
	}
	got := map[string]int{}
	for id, name := range cats {
		got[name] = children[id]
	}
	want := map[string]int{"Posters - Session 1": 50, "Posters - Session 1 (2)": 23, "Posters - Session 2": 47}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("channels per category = %v, want %v", got, want)
	}
	chans := posterChannels(fake)
	if len(chans) != 120 {
		t.Fatalf("%d poster channels, want 120", len(chans))
	}
	if c := chans["p51"]; cats[c.ParentID] != "Posters - Session 1 (2)" {
		t.Errorf("p51 is in %q, want the spill category", cats[c.ParentID])
	}
	if c := chans["p74"]; cats[c.ParentID] != "Posters - Session 2" || !strings.HasPrefix(c.Topic, "Poster 74: ") {
		t.Errorf("p74: category %q topic %q", cats[c.ParentID], c.Topic)
	}
	for id, c := range chans {
		msgs := fake.Messages(c.ID)
		if len(msgs) != 1 || !msgs[0].Pinned || len(msgs[0].Embeds) != 1 {
			t.Fatalf("%s: want one pinned card, got %d messages", id, len(msgs))
		}
		e := msgs[0].Embeds[0]
		if !strings.Contains(e.Title, "Learning dynamics") || !strings.HasSuffix(e.Description, "…") || !strings.HasPrefix(e.URL, "https://arxiv.org/") {
			t.Errorf("%s: card %q %q…: want the title, the abstract cut with an ellipsis, the PDF link", id, e.Title, e.Description[:40])
		}
	}

	// Presenters: alice may pin in p1 (and p3) but not in p2; no one may rename or
	// delete a channel, or change its rights.
	perms := func(user, poster string) int64 { return fake.Permissions(user, chans[poster].ID) }
	for _, tc := range []struct {
		user, poster string
		manage       bool
	}{{alice, "p1", true}, {alice, "p3", true}, {bob, "p3", true}, {alice, "p2", false}, {bob, "p1", false}, {bob, "p2", true}, {carol, "p1", false}} {
		p := perms(tc.user, tc.poster)
		if has := p&discordgo.PermissionManageMessages != 0; has != tc.manage {
			t.Errorf("user %s in %s: MANAGE_MESSAGES = %v, want %v", tc.user, tc.poster, has, tc.manage)
		}
		if has := p&discord.PermissionPinMessages != 0; has != tc.manage {
			t.Errorf("user %s in %s: PIN_MESSAGES = %v, want %v", tc.user, tc.poster, has, tc.manage)
		}
		if p&(discordgo.PermissionManageChannels|discordgo.PermissionManageRoles) != 0 {
			t.Errorf("user %s in %s may manage the channel or its rights (%b)", tc.user, tc.poster, p)
		}
	}

	// A second sync makes no write at all.
	mark = len(fake.Requests())
	if rep := sync1(t, b); rep.Changed() {
		t.Errorf("second sync changed something: %s", rep)
	}
	if w := writes(fake, mark); len(w) > 0 {
		t.Errorf("second sync made %d writes, want 0:\n%s", len(w), routes(w))
	}

	// The database is lost: a new bot (empty store) finds every channel and card.
	b.restart(t, prog)
	b2 := b
	mark = len(fake.Requests())
	rep = sync1(t, b2)
	if rep.Recovered != 120 || rep.Changed() {
		t.Errorf("after losing the database: %s; want 120 found again and nothing changed", rep)
	}
	if w := writes(fake, mark); len(w) > 0 {
		t.Errorf("sync after losing the database made %d writes, want 0:\n%s", len(w), routes(w))
	}
	if n := len(fake.Channels()); n != 123+3 { // + the bot's own channels
		t.Errorf("guild has %d channels after the recovery, want 126", n)
	}

	// A changed title edits that channel (name and topic in one call) and its card.
	retitled := posterProgram(t, 73, 47, map[int]string{1: "alice", 2: "bob", 3: "alice;" + bob}, func(i int) string {
		if i == 5 {
			return "A Wholly New Title: Neural Operators"
		}
		return fmt.Sprintf("Poster %d: Learning dynamics with neural ODEs, part %d", i, i)
	})
	b2.SetProgram(retitled)
	mark = len(fake.Requests())
	rep = sync1(t, b2)
	w := writes(fake, mark)
	c5 := chans["p5"]
	card := fake.Messages(c5.ID)[0]
	wantW := []string{"PATCH /channels/" + c5.ID, "PATCH /channels/" + c5.ID + "/messages/" + card.ID}
	if got := strings.Split(routes(w), "\n"); !slices.Equal(got, wantW) {
		t.Errorf("title change made writes:\n%s\nwant exactly:\n%s", routes(w), strings.Join(wantW, "\n"))
	}
	if now, _ := fake.ChannelByName("p5_a-wholly-new-title-neural-operators"); now.ID != c5.ID || !strings.HasPrefix(now.Topic, "A Wholly New Title") {
		t.Errorf("p5 after the title change: %+v", now)
	}
	if card.Embeds[0].Title != "A Wholly New Title: Neural Operators" {
		t.Errorf("p5's card title = %q", card.Embeds[0].Title)
	}

	// Presenter commands, through the real interaction path.
	ctx := context.Background()
	topic := func(user, poster string) *discordtest.InteractionResponse {
		t.Helper()
		in := discordtest.Command("poster", "topic", "text:Come by at 10!")
		in.UserID, in.ChannelID = user, chans[poster].ID
		r, err := fake.Interact(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := topic(alice, "p2"); !r.Ephemeral() || !strings.Contains(r.Content, "Only the presenters of **Poster 2") {
		t.Errorf("alice's /poster topic in p2's channel: %q (ephemeral %v), want a clear refusal", r.Content, r.Ephemeral())
	}
	if r := topic(carol, "p1"); !r.Ephemeral() || !strings.Contains(r.Content, "not listed as one in posters.csv") {
		t.Errorf("an attendee's /poster topic: %q (ephemeral %v), want a clear refusal", r.Content, r.Ephemeral())
	}
	in := discordtest.Command("poster", "topic", "text:Come by at 10!")
	in.UserID = alice // not in a poster channel
	if r, err := fake.Interact(ctx, in); err != nil || !r.Ephemeral() || !strings.Contains(r.Content, "works only in your own poster's channel") {
		t.Errorf("/poster topic outside poster channels: %v %+v", err, r)
	}
	if r := topic(alice, "p1"); !strings.HasPrefix(r.Content, "Done") {
		t.Errorf("alice's /poster topic in her own channel: %q", r.Content)
	}
	mark = len(fake.Requests())
	sync1(t, b2)
	if c, _ := fake.ChannelByName(chans["p1"].Name); c.Topic != "Come by at 10!" {
		t.Errorf("p1's topic = %q after /poster topic", c.Topic)
	}
	if w := writes(fake, mark); len(w) != 1 {
		t.Errorf("the topic change made %d writes, want 1:\n%s", len(w), routes(w))
	}
}

// A file that would exceed the guild's 500 channels is refused before anything
// is created, with the count.
func TestPosterSyncRefusesOverGuildLimit(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	for i := 0; i < 400; i++ {
		fake.AddChannel(fmt.Sprintf("other-%d", i), 0, "")
	}
	b := newPosterBot(t, fake, posterProgram(t, 73, 47, nil, nil))
	mark := len(fake.Requests())
	rep, err := b.SyncPosters(context.Background())
	if err == nil || !strings.Contains(rep.Refused, "more than Discord's 500") || !strings.Contains(rep.Refused, "123 more (120 channels, 3 categories)") {
		t.Errorf("SyncPosters = %v, refused %q; want a refusal with the count", err, rep.Refused)
	}
	if w := writes(fake, mark); len(w) > 0 {
		t.Errorf("a refused sync wrote:\n%s", routes(w))
	}
}

// A presenter who joins after the sync gets their rights at once; /poster
// claim asks for them again; removed posters are archived, never deleted;
// /workshop archive makes every poster channel read-only, and undo reopens them.
func TestPosterPresenterJoinsArchiveAndUndo(t *testing.T) {
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	mod := fake.AddRole("moderators", 0)
	fake.SetRolePermissions(fake.GuildID(), discordgo.PermissionViewChannel|discordgo.PermissionSendMessages|discordgo.PermissionReadMessageHistory)
	moderator := fake.AddMember("mo", mod)
	prog := posterProgram(t, 3, 2, map[int]string{1: "dave", 4: "erin"}, nil)
	b := newPosterBot(t, fake, prog)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- b.Run(ctx, bot.RunOptions{}) }()
	t.Cleanup(func() { cancel(); <-runDone })
	wait := func(what string, cond func(*discordtest.Server) bool) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := fake.WaitFor(wctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	wait("the first sync", func(s *discordtest.Server) bool {
		return len(posterChannels(s)) == 5 && len(s.Messages(posterChannels(s)["p5"].ID)) == 1
	})
	chans := posterChannels(fake)

	dave := fake.AddMember("dave") // a presenter joins
	wait("dave's rights", func(s *discordtest.Server) bool {
		return s.Permissions(dave, chans["p1"].ID)&discordgo.PermissionManageMessages != 0
	})
	if fake.Permissions(dave, chans["p2"].ID)&discordgo.PermissionManageMessages != 0 {
		t.Error("dave may manage messages in p2's channel")
	}

	// A moderator archives: everyone reads, no one writes; undo reopens.
	in := discordtest.Command("workshop", "archive")
	in.UserID = moderator
	if r, err := fake.Interact(ctx, in); err != nil || !strings.HasPrefix(r.Content, "Archiving") {
		t.Fatalf("/workshop archive: %v %+v", err, r)
	}
	wait("read-only channels", func(s *discordtest.Server) bool {
		for _, c := range chans {
			if s.Permissions(dave, c.ID)&discordgo.PermissionSendMessages != 0 {
				return false
			}
		}
		return true
	})
	if fake.Permissions(dave, chans["p1"].ID)&discordgo.PermissionViewChannel == 0 {
		t.Error("dave cannot read his archived channel")
	}
	// The report counts the channels locked apart from presenters' rights: only
	// dave's changed (erin is not in the guild), not @everyone's or the bot's.
	reported := func(what string, parts ...string) {
		t.Helper()
		wait(what, func(s *discordtest.Server) bool {
			ch, _ := s.ChannelByName("moderators")
			for _, m := range s.Messages(ch.ID) {
				all := true
				for _, p := range parts {
					all = all && strings.Contains(m.Content, p)
				}
				if all {
					return true
				}
			}
			return false
		})
	}
	reported("the archive report", "Poster sync: 1 presenter right changed, 5 channels made read-only.")
	in = discordtest.Command("workshop", "archive", "undo:true")
	in.UserID = moderator
	if _, err := fake.Interact(ctx, in); err != nil {
		t.Fatal(err)
	}
	wait("reopened channels", func(s *discordtest.Server) bool {
		return s.Permissions(dave, chans["p1"].ID)&discordgo.PermissionManageMessages != 0 &&
			s.Permissions(moderator, chans["p2"].ID)&discordgo.PermissionSendMessages != 0
	})
	reported("the undo report", "Poster sync: 1 presenter right changed, 5 channels opened again.")

	// Poster p3 leaves the file: its channel moves to the archive category.
	b.SetProgram(&bot.Program{Schedule: prog.Schedule, Posters: slices.DeleteFunc(slices.Clone(prog.Posters), func(p bot.Poster) bool { return p.ID == "p3" })})
	wait("p3 archived", func(s *discordtest.Server) bool {
		c, ok := s.ChannelByName(chans["p3"].Name)
		if !ok {
			return false
		}
		for _, p := range s.Channels() {
			if p.ID == c.ParentID {
				return p.Name == "Archived posters"
			}
		}
		return false
	})
	wait("the moderators told", func(s *discordtest.Server) bool {
		ch, _ := s.ChannelByName("moderators")
		for _, m := range s.Messages(ch.ID) {
			if strings.Contains(m.Content, "Moved to the archive") && strings.Contains(m.Content, chans["p3"].Name) {
				return true
			}
		}
		return false
	})
}

// BenchmarkPosterSync120 is a first sync of 120 posters (73 + 47) against the
// fake with Discord-like rate limits: REST calls per poster (target: at most 3,
// create channel, post card, pin) and wall time. Run it with
// go test -run '^$' -bench PosterSync120 -benchtime 1x ./bot/discord/
func BenchmarkPosterSync120(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fake := discordtest.New(b, discordtest.WithServerMembersIntent(), discordtest.WithRateLimits())
		pb := newPosterBot(b, fake, posterProgram(b, 73, 47, nil, nil))
		mark := len(fake.Requests())
		b.StartTimer()
		start := time.Now()
		rep := sync1(b, pb)
		took := time.Since(start)
		b.StopTimer()
		reqs := fake.Requests()[mark:]
		w := writes(fake, mark)
		perPoster := 0
		for _, r := range reqs {
			if r.Status >= 300 {
				continue // a 429 retried: counted below
			}
			switch r.Route {
			case "POST /channels/{channel_id}/messages", "PUT /channels/{channel_id}/messages/pins/{message_id}":
				perPoster++
			case "POST /guilds/{guild_id}/channels":
				if !strings.Contains(string(r.Body), `"type":4`) {
					perPoster++
				}
			}
		}
		retried := 0
		for _, r := range reqs {
			if r.Status == 429 {
				retried++
			}
		}
		if len(rep.Created) != 120 {
			b.Fatalf("created %d channels", len(rep.Created))
		}
		b.ReportMetric(float64(perPoster)/120, "poster-calls/poster")
		b.ReportMetric(float64(len(reqs))/120, "calls/poster")
		b.ReportMetric(float64(len(w))/120, "writes/poster")
		b.ReportMetric(float64(retried), "429s")
		global, _ := fake.RateLimited()
		b.ReportMetric(float64(global), "global-429s")
		b.ReportMetric(float64(fake.PeakRate()), "peak-calls/s")
		b.ReportMetric(took.Seconds(), "s/sync")
		b.Logf("120 posters: %d requests (%d writes, %d answered 429), %v", len(reqs), len(w), retried, took.Round(time.Millisecond))
		b.StartTimer()
	}
}
