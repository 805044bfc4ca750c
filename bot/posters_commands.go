package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// hereEvery is how often a poster may announce /poster here.
const hereEvery = 10 * time.Minute

// Discord lets a channel's name and topic change twice per 10 minutes
// (no documented figure; observed, and what the fake enforces).
const (
	topicEdits      = 2
	topicEditWindow = 10 * time.Minute
)

var posterSpecs = []CommandSpec{
	{Name: "posters", Description: "Find posters by words of their title or authors", Options: []OptionSpec{
		{Name: "query", Description: "Words of the title or an author's name (empty: all posters)", Type: OptionString, MaxLength: 100},
		{Name: "page", Description: "Page of the results", Type: OptionInteger},
	}},
	{Name: "poster topic", Description: "Presenters: set your poster channel's topic", Options: []OptionSpec{
		{Name: "text", Description: "The new topic", Type: OptionString, Required: true, MaxLength: MaxTopic},
	}},
	{Name: "poster link", Description: "Presenters: add a named link to your poster's card", Options: []OptionSpec{
		{Name: "name", Description: "What the link is, like Slides or Code", Type: OptionString, Required: true, MaxLength: 40},
		{Name: "url", Description: "The link (https://...)", Type: OptionString, Required: true, MaxLength: 500},
	}},
	{Name: "poster here", Description: "Presenters: tell everyone you are at your poster now"},
	{Name: "poster claim", Description: "Presenters: get your rights (pin, manage messages) in your poster's channel"},
	{Name: "workshop sync", Description: "Bring the poster channels in step with posters.csv now", Moderator: true},
	{Name: "workshop archive", Description: "Make all poster channels read-only after the workshop", Moderator: true, Options: []OptionSpec{
		{Name: "undo", Description: "Open the poster channels again", Type: OptionBoolean},
	}},
}

// PostersFeature is /posters, /poster and /workshop sync|archive, and the
// loop that keeps the poster channels in step with posters.csv (when the
// transport can hold them and Config.Posters is set).
func PostersFeature() Feature {
	f := Feature{
		Name:  "posters",
		Specs: posterSpecs,
		Commands: map[string]Handler{
			"posters":          (*Bot).findPosters,
			"poster claim":     (*Bot).claimPoster,
			"workshop sync":    (*Bot).workshopSync,
			"workshop archive": (*Bot).workshopArchive,
		},
		Run: (*Bot).runPosters,
	}
	for _, name := range []string{"topic", "link", "here"} {
		f.Commands["poster "+name] = (*Bot).presenterCommand
	}
	return f
}

// postersOn reports whether this bot runs poster channels.
func (b *Bot) postersOn() bool {
	_, ok := b.out.(PosterGuild)
	return ok && b.ps != nil
}

// posterIn finds the poster whose channel is channelID.
func (b *Bot) posterIn(prog *Program, channelID string) (Poster, PosterPlace, bool) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	for _, p := range prog.Posters {
		if pl, ok := b.posters.places[p.ID]; ok && pl.ChannelID == channelID {
			return p, pl, true
		}
	}
	return Poster{}, PosterPlace{}, false
}

// presenterCommand handles /poster topic, link and here: only a presenter of
// the poster, in the poster's own channel.
func (b *Bot) presenterCommand(ctx context.Context, prog *Program, c Command, now time.Time) Reply {
	if !b.postersOn() {
		return ephemeral("Poster channels are not run by this bot.")
	}
	p, place, ok := b.posterIn(prog, c.Channel)
	if !ok {
		return ephemeral(fmt.Sprintf("`/%s` works only in your own poster's channel, and this is not a poster channel. Go to your poster's channel (find it with `/posters`) and try again there.", c.Name))
	}
	if !isPresenter(p, c.User) {
		return ephemeral(fmt.Sprintf("Only the presenters of **%s** can use `/%s` here, and you are not listed as one in posters.csv. If this is your poster, ask the organizers to add your Discord username (%s) to its presenters.", p.Title, c.Name, c.User.Name))
	}
	b.learnPresenter(prog, c.User)
	// An archived channel is read-only for everyone: a topic, a link or an
	// announcement now would change what the archive shows, or send people
	// to a poster nobody is at.
	archived, err := b.ps.PostersArchived(ctx)
	if err != nil {
		return b.internal(err, "read poster archive state", "poster", p.ID)
	}
	if archived {
		return ephemeral(fmt.Sprintf("The poster channels are archived (read-only) since the workshop ended, so `/%s` changes nothing now. If you need a change, ask a moderator: `/workshop archive undo:true` opens the channels again.", c.Name))
	}
	rec, err := b.posterRecord(ctx, p.ID)
	if err != nil {
		return b.internal(err, "read poster record", "poster", p.ID)
	}
	switch c.Name {
	case "poster topic":
		text := strings.Join(strings.Fields(c.Options["text"]), " ")
		if text == "" {
			return ephemeral("The topic is empty; write the text the channel's header should show.")
		}
		if n := utf8.RuneCountInString(text); n > MaxTopic {
			return ephemeral(fmt.Sprintf("The topic is %d characters; Discord allows %d. Please shorten it.", n, MaxTopic))
		}
		rec.Topic = text
		if err := b.ps.PutPosterRecord(ctx, rec); err != nil {
			return b.internal(err, "store poster topic", "poster", p.ID)
		}
		b.log.Info("poster topic set", "poster", p.ID, "user", c.User.ID)
		b.RequestPosterSync(false)
		// The sync spends the budget; a topic set twice before it runs is one
		// change. Beyond the budget the sync waits, and says when here.
		if next, free := b.topicNext(p.ID, now); !free {
			return ephemeral(fmt.Sprintf("Saved. Discord lets a channel's name and topic change only twice in 10 minutes, so the topic of <#%s> will change %s, to:\n> %s", place.ChannelID, stamp(next, 'R'), text))
		}
		return ephemeral("Done: the topic of <#" + place.ChannelID + "> will read:\n> " + text)
	case "poster link":
		name := strings.TrimSpace(c.Options["name"])
		url := strings.TrimSpace(c.Options["url"])
		if name == "" || utf8.RuneCountInString(name) > 40 {
			return ephemeral("Give the link a name of 1 to 40 characters, like Slides or Code.")
		}
		if msg := checkURL(url); msg != "" {
			return ephemeral("That link is not valid: " + msg + ".")
		}
		i := slices.IndexFunc(rec.Links, func(l Link) bool { return strings.EqualFold(l.Name, name) })
		switch {
		case i >= 0:
			rec.Links[i] = Link{Name: name, URL: url}
		case len(rec.Links) >= MaxPosterLinks:
			return ephemeral(fmt.Sprintf("Your card already has %d added links, the most it can hold. Replace one by adding a link with the same name.", MaxPosterLinks))
		default:
			rec.Links = append(rec.Links, Link{Name: name, URL: url})
		}
		if err := b.ps.PutPosterRecord(ctx, rec); err != nil {
			return b.internal(err, "store poster link", "poster", p.ID)
		}
		b.log.Info("poster link added", "poster", p.ID, "user", c.User.ID, "name", name)
		b.RequestPosterSync(false)
		return ephemeral(fmt.Sprintf("Done: the card in <#%s> will show the link **%s**.", place.ChannelID, name))
	case "poster here":
		if !rec.HereAt.IsZero() && now.Sub(rec.HereAt) < hereEvery {
			return ephemeral(fmt.Sprintf("Your poster was announced %s; you can announce it again %s.", stamp(rec.HereAt, 'R'), stamp(rec.HereAt.Add(hereEvery), 'R')))
		}
		rec.HereAt = now
		if err := b.ps.PutPosterRecord(ctx, rec); err != nil {
			return b.internal(err, "store poster here", "poster", p.ID)
		}
		who := c.User.Name
		if c.User.ID != "" {
			who = "<@" + c.User.ID + ">"
		}
		m := Message{Channel: ChannelAnnouncements, Nonce: fmt.Sprintf("here:%s:%d", p.ID, now.Unix()),
			Content: Truncate(fmt.Sprintf("🪧 %s is at their poster now: **%s** — come to <#%s>", who, p.Title, place.ChannelID), MaxContent)}
		b.posters.mu.Lock()
		b.posters.posts = append(b.posters.posts, m)
		b.posters.mu.Unlock()
		b.kickPosters()
		return ephemeral("Done: the announcements channel will say you are at your poster.")
	}
	return ephemeral(fmt.Sprintf("Unknown command `/%s`.", c.Name))
}

// topicNext says whether one of Discord's two name and topic changes per 10
// minutes is free for posterID's channel at now, and if not, when it is.
func (b *Bot) topicNext(posterID string, now time.Time) (time.Time, bool) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	var recent []time.Time
	for _, t := range b.posters.topicEdits[posterID] {
		if now.Sub(t) < topicEditWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= topicEdits {
		return recent[0].Add(topicEditWindow), false
	}
	return time.Time{}, true
}

// topicSlot reserves one of Discord's two name and topic changes per 10
// minutes (the poster sync spends them), or says when the next is free.
func (b *Bot) topicSlot(posterID string, now time.Time) (time.Time, bool) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	var recent []time.Time
	for _, t := range b.posters.topicEdits[posterID] {
		if now.Sub(t) < topicEditWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= topicEdits {
		b.posters.topicEdits[posterID] = recent
		return recent[0].Add(topicEditWindow), false
	}
	b.posters.topicEdits[posterID] = append(recent, now)
	return time.Time{}, true
}

// posterRecord reads one poster's record (empty if none yet).
func (b *Bot) posterRecord(ctx context.Context, id string) (PosterRecord, error) {
	list, err := b.ps.PosterRecords(ctx)
	if err != nil {
		return PosterRecord{}, err
	}
	for _, r := range list {
		if r.PosterID == id {
			return r, nil
		}
	}
	return PosterRecord{PosterID: id}, nil
}

// claimPoster handles /poster claim: a listed presenter asks for their rights.
func (b *Bot) claimPoster(_ context.Context, prog *Program, c Command, _ time.Time) Reply {
	if !b.postersOn() {
		return ephemeral("Poster channels are not run by this bot.")
	}
	var mine []Poster
	for _, p := range prog.Posters {
		if isPresenter(p, c.User) {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return ephemeral(fmt.Sprintf("You are not listed as a presenter in posters.csv, neither by your username (%s) nor by your user id. If you present a poster, ask the organizers to add you to its presenters.", c.User.Name))
	}
	b.learnPresenter(prog, c.User)
	b.RequestPosterSync(false)
	var where []string
	b.posters.mu.Lock()
	for _, p := range mine {
		if pl, ok := b.posters.places[p.ID]; ok {
			where = append(where, "<#"+pl.ChannelID+">")
		} else {
			where = append(where, "**"+p.Title+"**")
		}
	}
	b.posters.mu.Unlock()
	b.log.Info("presenter claim", "user", c.User.ID, "posters", len(mine))
	return ephemeral("Your presenter rights (pin and manage messages) are being applied in " + strings.Join(where, ", ") + ". They take a few seconds.")
}

// findPosters handles /posters: posters whose title, authors or id contain
// every word of the query, with their channels, a page at a time.
func (b *Bot) findPosters(_ context.Context, prog *Program, c Command, _ time.Time) Reply {
	query := strings.TrimSpace(c.Options["query"])
	words := strings.Fields(strings.ToLower(query))
	var found []Poster
	for _, p := range prog.Posters {
		hay := strings.ToLower(p.ID + " " + p.Title + " " + strings.Join(p.Authors, " "))
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return ephemeral(fmt.Sprintf("No poster matches %q. Try fewer words, or `/posters` for all of them.", Truncate(query, 100)))
	}
	b.posters.mu.Lock()
	places := b.posters.places
	b.posters.mu.Unlock()
	var lines []string
	for _, p := range found {
		line := "• **" + Truncate(p.Title, 200) + "**"
		if len(p.Authors) > 0 {
			line += " — " + Truncate(strings.Join(p.Authors, ", "), 200)
		}
		if pl, ok := places[p.ID]; ok {
			line += " · <#" + pl.ChannelID + ">"
		} else {
			line += " · poster " + p.ID
		}
		lines = append(lines, line)
	}
	pages := pageLines(lines, MaxContent-200)
	page := 1
	if v := c.Options["page"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(pages) {
			return ephemeral(fmt.Sprintf("There are %d pages of results; pick a page from 1 to %d.", len(pages), len(pages)))
		}
		page = n
	}
	head := fmt.Sprintf("%d posters", len(found))
	if query != "" {
		head += fmt.Sprintf(" matching %q", query)
	}
	if len(pages) > 1 {
		head += fmt.Sprintf(", page %d of %d", page, len(pages))
	}
	text := head + ":\n" + strings.Join(pages[page-1], "\n")
	if page < len(pages) {
		next := fmt.Sprintf("/posters page:%d", page+1)
		if query != "" {
			next = fmt.Sprintf("/posters query:%s page:%d", query, page+1)
		}
		text += "\nMore: `" + next + "`"
	}
	return ephemeral(Truncate(text, MaxContent))
}

// pageLines groups lines into pages of at most max characters each.
func pageLines(lines []string, max int) [][]string {
	var pages [][]string
	var cur []string
	n := 0
	for _, l := range lines {
		ln := utf8.RuneCountInString(l) + 1
		if len(cur) > 0 && n+ln > max {
			pages = append(pages, cur)
			cur, n = nil, 0
		}
		cur = append(cur, l)
		n += ln
	}
	return append(pages, cur)
}

// workshopSync handles /workshop sync: the sync runs in the poster loop, and
// its report goes to the moderators channel.
func (b *Bot) workshopSync(_ context.Context, _ *Program, c Command, _ time.Time) Reply {
	if !b.postersOn() {
		return ephemeral("Poster channels are not run by this bot.")
	}
	b.log.Info("poster sync asked", "moderator", c.User.ID)
	b.RequestPosterSync(true)
	return ephemeral("Poster sync started. What changed will be posted in the moderators channel in a moment.")
}

// workshopArchive handles /workshop archive [undo]: all poster channels
// read-only, or open again.
func (b *Bot) workshopArchive(ctx context.Context, _ *Program, c Command, _ time.Time) Reply {
	if !b.postersOn() {
		return ephemeral("Poster channels are not run by this bot.")
	}
	archive := !parseBool(c.Options["undo"])
	if err := b.ps.SetPostersArchived(ctx, archive); err != nil {
		return b.internal(err, "set archive", "archive", archive)
	}
	b.log.Info("poster channels archive", "archived", archive, "moderator", c.User.ID)
	b.RequestPosterSync(true)
	if archive {
		return ephemeral("Archiving: every poster channel becomes read-only (presenters and attendees can read but not write). `/workshop archive undo:true` opens them again. The report follows in the moderators channel.")
	}
	return ephemeral("Opening the poster channels again: presenters get back their rights and everyone can write. The report follows in the moderators channel.")
}
