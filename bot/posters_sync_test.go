package bot

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// validChannelName is what Discord keeps as a text channel's name unchanged.
var validChannelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)

func TestPosterChannelNames(t *testing.T) {
	long := strings.Repeat("Neural ordinary differential equations ", 8)[:300]
	posters := []Poster{
		{ID: "p1", Title: "GRAND: Graph Neural Diffusion 🚀🔥"},
		{ID: "p2", Title: "Équations différentielles neuronales à São Paulo — Straße"},
		{ID: "p3", Title: "神经常微分方程"},
		{ID: "p4", Title: "Input/Output: PDEs / ODEs // SDEs"},
		{ID: "p5", Title: long},
		{ID: "P5", Title: long}, // differs from p5 only by case
		{ID: "p5-2", Title: long},
		{ID: "a.b_c", Title: "🚀"},
		{ID: "x", Title: "   "},
		{ID: "A-very-long-poster-id-with-forty-chars-x", Title: long},
	}
	parts := posterIDParts(posters)
	seen := map[string]string{}
	for _, p := range posters {
		name := PosterChannelName(parts[p.ID], p.Title)
		switch {
		case !validChannelName.MatchString(name):
			t.Errorf("%s %q: name %q is not a valid channel name", p.ID, p.Title, name)
		case utf8.RuneCountInString(name) > MaxChannelName:
			t.Errorf("%s: name %q is %d characters", p.ID, name, utf8.RuneCountInString(name))
		case seen[name] != "":
			t.Errorf("%s and %s share the name %q", seen[name], p.ID, name)
		case idPartOf(name) != parts[p.ID]:
			t.Errorf("%s: name %q does not parse back to its id part %q", p.ID, name, parts[p.ID])
		}
		seen[name] = p.ID
		t.Logf("%-42s %q -> %s", p.ID, Truncate(p.Title, 30), name)
	}
	for id, want := range map[string]string{"p1": "p1_grand-graph-neural-diffusion", "p2": "p2_equations-differentielles-neuronales-a-sao-paulo-strasse",
		"p3": "p3", "p4": "p4_input-output-pdes-odes-sdes", "a.b_c": "a-b-c"} {
		var title string
		for _, p := range posters {
			if p.ID == id {
				title = p.Title
			}
		}
		if got := PosterChannelName(parts[id], title); got != want {
			t.Errorf("%s: name %q, want %q", id, got, want)
		}
	}
	if parts["P5"] == parts["p5"] || parts["P5"] == parts["p5-2"] {
		t.Errorf("id parts collide: p5=%s P5=%s p5-2=%s", parts["p5"], parts["P5"], parts["p5-2"])
	}
}

func TestPosterCardWithinLimits(t *testing.T) {
	s := testPosterSchedule()
	var authors []string
	for i := 0; i < 400; i++ {
		authors = append(authors, fmt.Sprintf("Author Number %d", i))
	}
	p := Poster{ID: "p1", Session: 1, Title: strings.Repeat("Long title ", 40), Authors: authors,
		Presenters: []string{"alice", "123456789012345678"}, Abstract: strings.Repeat("An abstract sentence. ", 500),
		PDF: "https://arxiv.org/abs/2106.10934", Video: "https://youtu.be/x"}
	var links []Link
	for i := 0; i < MaxPosterLinks; i++ {
		links = append(links, Link{Name: fmt.Sprintf("Link %d", i), URL: "https://example.org/" + strings.Repeat("x", 150)})
	}
	m := PosterCard(s, p, links)
	e := m.Embeds[0]
	if n := utf8.RuneCountInString(e.Title); n > MaxEmbedTitle {
		t.Errorf("title is %d characters", n)
	}
	if n := utf8.RuneCountInString(e.Description); n > MaxEmbedDescription || n < 1000 || !strings.HasSuffix(e.Description, "…") {
		t.Errorf("description is %d characters, want cut cleanly within the limit", n)
	}
	if n := embedLength(e); n > MaxEmbedTotal {
		t.Errorf("embed totals %d characters, more than %d", n, MaxEmbedTotal)
	}
	for _, f := range e.Fields {
		if n := utf8.RuneCountInString(f.Value); n > MaxEmbedFieldValue {
			t.Errorf("field %s is %d characters", f.Name, n)
		}
	}
	text := fmt.Sprint(e.Fields)
	for _, want := range []string{"@alice", "<@123456789012345678>", "<t:", "[PDF](https://arxiv.org/abs/2106.10934)"} {
		if !strings.Contains(text, want) {
			t.Errorf("card fields lack %q: %s", want, text)
		}
	}
	if topic := PosterTopic(p, links); utf8.RuneCountInString(topic) > MaxTopic {
		t.Errorf("topic is %d characters", utf8.RuneCountInString(topic))
	}
}

func testPosterSchedule() *Schedule {
	loc, _ := time.LoadLocation("America/New_York")
	start := time.Date(2021, 12, 14, 9, 45, 0, 0, loc)
	return &Schedule{
		Workshop:  Workshop{Name: "W", ShortName: "W", Location: loc, Date: time.Date(2021, 12, 14, 0, 0, 0, 0, loc)},
		Discord:   DiscordConfig{PosterCategory: "Posters"},
		Reminders: ReminderConfig{Leads: []time.Duration{15 * time.Minute, 0}},
		Sessions: []Session{
			{ID: "ps1", Kind: KindPosters, PosterSession: 1, Title: "Poster Session 1", Start: start, End: start.Add(time.Hour)},
			{ID: "ps2", Kind: KindPosters, PosterSession: 2, Title: "Poster Session 2", Start: start.Add(4 * time.Hour), End: start.Add(5 * time.Hour)},
		},
	}
}

// guildFor is the guild a perfect sync of d leaves: every category and
// channel as wanted, ids "cat:<name>" and "ch:<poster>".
func guildFor(d PosterDesired) ([]GuildChannel, map[string]PosterRecord) {
	var g []GuildChannel
	for _, c := range d.Categories {
		g = append(g, GuildChannel{ID: "cat:" + c, Name: c, Category: true})
	}
	recs := map[string]PosterRecord{}
	for _, w := range d.Posters {
		g = append(g, GuildChannel{ID: "ch:" + w.Poster.ID, Name: w.Name, Topic: w.Topic, ParentID: "cat:" + w.Category, Overwrites: w.Overwrites})
		recs[w.Poster.ID] = PosterRecord{PosterID: w.Poster.ID, ChannelID: "ch:" + w.Poster.ID, CardMessageID: "m:" + w.Poster.ID, CardHash: w.CardHash}
	}
	return g, recs
}

func testPosters(n1, n2 int) []Poster {
	var ps []Poster
	for i := 1; i <= n1+n2; i++ {
		s := 1
		if i > n1 {
			s = 2
		}
		ps = append(ps, Poster{ID: fmt.Sprintf("p%d", i), Session: s, Title: fmt.Sprintf("Poster number %d", i), Presenters: []string{fmt.Sprintf("user%d", i)}})
	}
	return ps
}

func TestPlanPosterSync(t *testing.T) {
	sched := testPosterSchedule()
	members := Members{Names: map[string]string{"user1": "u1", "user2": "u2"}}
	prog := &Program{Schedule: sched, Posters: testPosters(73, 47)}
	base := DesiredPosters(prog, nil, members, false, "everyone", "botid")
	guild, recs := guildFor(base)

	type want struct {
		cats, creates, edits, rights, cards, archive int
		refused                                      bool
	}
	tests := []struct {
		name  string
		d     PosterDesired
		guild []GuildChannel
		recs  map[string]PosterRecord
		want  want
	}{
		{"empty guild: everything is created", base, nil, nil, want{cats: 3, creates: 120}},
		{"unchanged: nothing to do", base, guild, recs, want{}},
		{"records lost but channels there: the cards are found again", base, guild, func() map[string]PosterRecord {
			m, _ := MatchPosterChannels(base, guild, nil)
			for id, r := range m {
				r.CardMessageID, r.CardHash = "m:"+id, recs[id].CardHash // as PinnedCard finds them
				m[id] = r
			}
			return m
		}(), want{}},
		{"a title changed: one edit, one card", func() PosterDesired {
			p := &Program{Schedule: sched, Posters: testPosters(73, 47)}
			p.Posters[4].Title = "Renamed"
			return DesiredPosters(p, nil, members, false, "everyone", "botid")
		}(), guild, recs, want{edits: 1, cards: 1}},
		{"a presenter joined: one overwrite", func() PosterDesired {
			m := Members{Names: map[string]string{"user1": "u1", "user2": "u2", "user3": "u3"}}
			return DesiredPosters(prog, nil, m, false, "everyone", "botid")
		}(), guild, recs, want{rights: 1}},
		{"a poster left the file: archived", func() PosterDesired {
			p := &Program{Schedule: sched, Posters: testPosters(73, 47)[1:]}
			return DesiredPosters(p, nil, members, false, "everyone", "botid")
		}(), guild, recs, want{archive: 1, cats: 1, edits: 1}}, // p51 moves up into Session 1
		// Archived: @everyone may not write and the bot may, in every channel; the two
		// presenters found read only.
		{"archived: every channel read-only", DesiredPosters(prog, nil, members, true, "everyone", "botid"), guild, recs, want{rights: 2*120 + 2}},
		{"a guild too full: refused", base, func() []GuildChannel {
			g := []GuildChannel{}
			for i := 0; i < 400; i++ {
				g = append(g, GuildChannel{ID: fmt.Sprint(i), Name: fmt.Sprint("c", i)})
			}
			return g
		}(), nil, want{cats: 3, creates: 120, refused: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := MatchPosterChannels(tc.d, tc.guild, tc.recs)
			p := PlanPosterSync(tc.d, tc.guild, recs)
			rights := 0
			for _, r := range p.Rights {
				rights += len(r.Set) + len(r.Delete)
			}
			got := want{len(p.Categories), len(p.Creates), len(p.Edits), rights, len(p.Cards), len(p.Archive), p.Refused != ""}
			if got != tc.want {
				t.Errorf("plan = %+v, want %+v", got, tc.want)
			}
			if tc.want == (want{}) && p.Writes() != 0 {
				t.Errorf("an unchanged program plans %d writes", p.Writes())
			}
		})
	}
}

// Spill: when a poster leaves, the posters after it in its session move up,
// one category move for the first poster of the spill category, and never
// more than 50 channels in a category at any step.
func TestPlanPosterSyncSpillMoves(t *testing.T) {
	sched := testPosterSchedule()
	prog := &Program{Schedule: sched, Posters: testPosters(73, 47)}
	guild, recs := guildFor(DesiredPosters(prog, nil, Members{}, false, "everyone", "bot"))
	prog2 := &Program{Schedule: sched, Posters: testPosters(73, 47)[1:]}
	d := DesiredPosters(prog2, nil, Members{}, false, "everyone", "bot")
	m, _ := MatchPosterChannels(d, guild, recs)
	p := PlanPosterSync(d, guild, m)
	var moves []string
	for _, e := range p.Edits {
		if e.Category != "" {
			moves = append(moves, e.PosterID+"->"+e.Category)
		}
	}
	if len(moves) != 1 || moves[0] != "p51->Posters - Session 1" {
		t.Errorf("moves = %v, want p51 into Posters - Session 1", moves)
	}
	if len(p.Archive) != 1 || p.Archive[0].ChannelID != "ch:p1" || p.Archive[0].Category != archiveCategory {
		t.Errorf("archive = %+v, want p1 to %q", p.Archive, archiveCategory)
	}
}

// TestPosterReportPlurals: one of a thing is said in the singular.
func TestPosterReportPlurals(t *testing.T) {
	tests := []struct {
		r    PosterReport
		want string
	}{
		{PosterReport{Edited: []string{"p1"}, Rights: 1}, "Poster sync: 1 channel updated, 1 presenter right changed.\nUpdated: p1"},
		{PosterReport{Edited: []string{"p1", "p2"}, CardsPosted: 2}, "Poster sync: 2 channels updated, 2 cards posted.\nUpdated: p1, p2"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v:\n%s\nwant\n%s", tt.r, got, tt.want)
		}
	}
}
