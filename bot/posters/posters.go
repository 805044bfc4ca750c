// Package posters is the poster channels' commands: /posters to find a
// poster, the presenters' /poster topic|link|here|claim, and the moderators'
// /workshop sync|archive. It is a bot.Feature (Feature), registered in main,
// whose loop is the bot's poster sync (bot.Bot.RunPosters): the sync, the
// channels' names and cards and the reminders' poster lists stay in package
// bot, which the reminders and the green room share.
//
// It imports package bot, and never a transport (bot/discord, bot/console,
// bot/web) nor another feature's package (bot/questions).
package posters

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"workshopbot/bot"
)

// Store keeps the poster channels' records and whether they are archived.
// bot/sqlite and bot/postgres implement it; the bot hands it over as
// Config.Posters.
type Store interface {
	PosterRecords(ctx context.Context) ([]bot.PosterRecord, error)
	PutPosterRecord(ctx context.Context, r bot.PosterRecord) error
	PostersArchived(ctx context.Context) (bool, error)
	SetPostersArchived(ctx context.Context, archived bool) error
}

// The bot's poster store is one.
var _ Store = bot.PosterStore(nil)

// Feature is /posters, /poster and /workshop sync|archive, and the loop that
// keeps the poster channels in step with posters.csv (when the transport can
// hold them and Config.Posters is set).
func Feature() bot.Feature {
	f := bot.Feature{
		Name:  "posters",
		Specs: specs,
		Commands: map[string]bot.Handler{
			"posters":          findPosters,
			"poster claim":     claimPoster,
			"workshop sync":    workshopSync,
			"workshop archive": workshopArchive,
		},
		Run: func(b *bot.Bot, ctx context.Context) { b.RunPosters(ctx) },
	}
	for _, name := range []string{"topic", "link", "here"} {
		f.Commands["poster "+name] = presenterCommand
	}
	return f
}

func parseBool(s string) bool {
	v, _ := strconv.ParseBool(s)
	return v
}

// hereEvery is how often a poster may announce /poster here.
const hereEvery = 10 * time.Minute

var specs = []bot.CommandSpec{
	{Name: "posters", Description: "Find posters by words of their title or authors", Options: []bot.OptionSpec{
		{Name: "query", Description: "Words of the title or an author's name (empty: all posters)", Type: bot.OptionString, MaxLength: 100},
		{Name: "page", Description: "Page of the results", Type: bot.OptionInteger},
	}},
	{Name: "poster topic", Description: "Presenters: set your poster channel's topic", Options: []bot.OptionSpec{
		{Name: "text", Description: "The new topic", Type: bot.OptionString, Required: true, MaxLength: bot.MaxTopic},
	}},
	{Name: "poster link", Description: "Presenters: add a named link to your poster's card", Options: []bot.OptionSpec{
		{Name: "name", Description: "What the link is, like Slides or Code", Type: bot.OptionString, Required: true, MaxLength: 40},
		{Name: "url", Description: "The link (https://...)", Type: bot.OptionString, Required: true, MaxLength: 500},
	}},
	{Name: "poster here", Description: "Presenters: tell everyone you are at your poster now"},
	{Name: "poster claim", Description: "Presenters: get your rights (pin, manage messages) in your poster's channel"},
	{Name: "workshop sync", Description: "Bring the poster channels in step with posters.csv now", Moderator: true},
	{Name: "workshop archive", Description: "Make all poster channels read-only after the workshop", Moderator: true, Options: []bot.OptionSpec{
		{Name: "undo", Description: "Open the poster channels again", Type: bot.OptionBoolean},
	}},
}

// presenterCommand handles /poster topic, link and here: only a presenter of
// the poster, in the poster's own channel.
func presenterCommand(b *bot.Bot, ctx context.Context, prog *bot.Program, c bot.Command, now time.Time) bot.Reply {
	if !b.PostersOn() {
		return bot.Ephemeral("Poster channels are not run by this bot.")
	}
	p, place, ok := b.PosterIn(prog, c.Channel)
	if !ok {
		return bot.Ephemeral(fmt.Sprintf("`/%s` works only in your own poster's channel, and this is not a poster channel. Go to your poster's channel (find it with `/posters`) and try again there.", c.Name))
	}
	if !bot.IsPresenter(p, c.User) {
		return bot.Ephemeral(fmt.Sprintf("Only the presenters of **%s** can use `/%s` here, and you are not listed as one in posters.csv. If this is your poster, ask the organizers to add your Discord username (%s) to its presenters.", p.Title, c.Name, c.User.Name))
	}
	b.LearnPresenter(prog, c.User)
	// An archived channel is read-only for everyone: a topic, a link or an
	// announcement now would change what the archive shows, or send people
	// to a poster nobody is at.
	archived, err := b.PosterStore().PostersArchived(ctx)
	if err != nil {
		return b.Internal(err, "read poster archive state", "poster", p.ID)
	}
	if archived {
		return bot.Ephemeral(fmt.Sprintf("The poster channels are archived (read-only) since the workshop ended, so `/%s` changes nothing now. If you need a change, ask a moderator: `/workshop archive undo:true` opens the channels again.", c.Name))
	}
	rec, err := record(ctx, b.PosterStore(), p.ID)
	if err != nil {
		return b.Internal(err, "read poster record", "poster", p.ID)
	}
	switch c.Name {
	case "poster topic":
		return setTopic(b, ctx, c, now, p, place, rec)
	case "poster link":
		return addLink(b, ctx, c, p, place, rec)
	case "poster here":
		return announceHere(b, ctx, c, now, p, place, rec)
	}
	return bot.Ephemeral(fmt.Sprintf("Unknown command `/%s`.", c.Name))
}

// setTopic handles /poster topic for a presenter of p, in its channel.
func setTopic(b *bot.Bot, ctx context.Context, c bot.Command, now time.Time, p bot.Poster, place bot.PosterPlace, rec bot.PosterRecord) bot.Reply {
	text := strings.Join(strings.Fields(c.Options["text"]), " ")
	if text == "" {
		return bot.Ephemeral("The topic is empty; write the text the channel's header should show.")
	}
	if n := utf8.RuneCountInString(text); n > bot.MaxTopic {
		return bot.Ephemeral(fmt.Sprintf("The topic is %d characters; Discord allows %d. Please shorten it.", n, bot.MaxTopic))
	}
	rec.Topic = text
	if err := b.PosterStore().PutPosterRecord(ctx, rec); err != nil {
		return b.Internal(err, "store poster topic", "poster", p.ID)
	}
	b.Logger().Info("poster topic set", "poster", p.ID, "user", c.User.ID)
	b.RequestPosterSync(false)
	// The sync spends the budget; a topic set twice before it runs is one
	// change. Beyond the budget the sync waits, and says when here.
	if next, free := b.TopicNext(p.ID, now); !free {
		return bot.Ephemeral(fmt.Sprintf("Saved. Discord lets a channel's name and topic change only twice in 10 minutes, so the topic of <#%s> will change %s, to:\n> %s", place.ChannelID, bot.Stamp(next, 'R'), text))
	}
	return bot.Ephemeral("Done: the topic of <#" + place.ChannelID + "> will read:\n> " + text)
}

// addLink handles /poster link for a presenter of p, in its channel.
func addLink(b *bot.Bot, ctx context.Context, c bot.Command, p bot.Poster, place bot.PosterPlace, rec bot.PosterRecord) bot.Reply {
	name := strings.TrimSpace(c.Options["name"])
	url := strings.TrimSpace(c.Options["url"])
	if name == "" || utf8.RuneCountInString(name) > 40 {
		return bot.Ephemeral("Give the link a name of 1 to 40 characters, like Slides or Code.")
	}
	if msg := bot.CheckURL(url); msg != "" {
		return bot.Ephemeral("That link is not valid: " + msg + ".")
	}
	i := slices.IndexFunc(rec.Links, func(l bot.Link) bool { return strings.EqualFold(l.Name, name) })
	switch {
	case i >= 0:
		rec.Links[i] = bot.Link{Name: name, URL: url}
	case len(rec.Links) >= bot.MaxPosterLinks:
		return bot.Ephemeral(fmt.Sprintf("Your card already has %d added links, the most it can hold. Replace one by adding a link with the same name.", bot.MaxPosterLinks))
	default:
		rec.Links = append(rec.Links, bot.Link{Name: name, URL: url})
	}
	if err := b.PosterStore().PutPosterRecord(ctx, rec); err != nil {
		return b.Internal(err, "store poster link", "poster", p.ID)
	}
	b.Logger().Info("poster link added", "poster", p.ID, "user", c.User.ID, "name", name)
	b.RequestPosterSync(false)
	return bot.Ephemeral(fmt.Sprintf("Done: the card in <#%s> will show the link **%s**.", place.ChannelID, name))
}

// announceHere handles /poster here for a presenter of p, in its channel.
func announceHere(b *bot.Bot, ctx context.Context, c bot.Command, now time.Time, p bot.Poster, place bot.PosterPlace, rec bot.PosterRecord) bot.Reply {
	if !rec.HereAt.IsZero() && now.Sub(rec.HereAt) < hereEvery {
		return bot.Ephemeral(fmt.Sprintf("Your poster was announced %s; you can announce it again %s.", bot.Stamp(rec.HereAt, 'R'), bot.Stamp(rec.HereAt.Add(hereEvery), 'R')))
	}
	rec.HereAt = now
	if err := b.PosterStore().PutPosterRecord(ctx, rec); err != nil {
		return b.Internal(err, "store poster here", "poster", p.ID)
	}
	who := c.User.Name
	if c.User.ID != "" {
		who = "<@" + c.User.ID + ">"
	}
	m := bot.Message{Channel: bot.ChannelAnnouncements, Nonce: fmt.Sprintf("here:%s:%d", p.ID, now.Unix()),
		Content: bot.Truncate(fmt.Sprintf("🪧 %s is at their poster now: **%s** — come to <#%s>", who, p.Title, place.ChannelID), bot.MaxContent)}
	b.AnnounceLater(m)
	return bot.Ephemeral("Done: the announcements channel will say you are at your poster.")
}

// record reads one poster's record (empty if none yet).
func record(ctx context.Context, st Store, id string) (bot.PosterRecord, error) {
	list, err := st.PosterRecords(ctx)
	if err != nil {
		return bot.PosterRecord{}, err
	}
	for _, r := range list {
		if r.PosterID == id {
			return r, nil
		}
	}
	return bot.PosterRecord{PosterID: id}, nil
}

// claimPoster handles /poster claim: a listed presenter asks for their rights.
func claimPoster(b *bot.Bot, _ context.Context, prog *bot.Program, c bot.Command, _ time.Time) bot.Reply {
	if !b.PostersOn() {
		return bot.Ephemeral("Poster channels are not run by this bot.")
	}
	var mine []bot.Poster
	for _, p := range prog.Posters {
		if bot.IsPresenter(p, c.User) {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return bot.Ephemeral(fmt.Sprintf("You are not listed as a presenter in posters.csv, neither by your username (%s) nor by your user id. If you present a poster, ask the organizers to add you to its presenters.", c.User.Name))
	}
	b.LearnPresenter(prog, c.User)
	b.RequestPosterSync(false)
	var where []string
	places := b.PosterPlaces()
	for _, p := range mine {
		if pl, ok := places[p.ID]; ok {
			where = append(where, "<#"+pl.ChannelID+">")
		} else {
			where = append(where, "**"+p.Title+"**")
		}
	}
	b.Logger().Info("presenter claim", "user", c.User.ID, "posters", len(mine))
	return bot.Ephemeral("Your presenter rights (pin and manage messages) are being applied in " + strings.Join(where, ", ") + ". They take a few seconds.")
}

// findPosters handles /posters: posters whose title, authors or id contain
// every word of the query, with their channels, a page at a time.
func findPosters(b *bot.Bot, _ context.Context, prog *bot.Program, c bot.Command, _ time.Time) bot.Reply {
	query := strings.TrimSpace(c.Options["query"])
	words := strings.Fields(strings.ToLower(query))
	var found []bot.Poster
	for _, p := range prog.Posters {
		hay := strings.ToLower(p.ID + " " + p.Title + " " + strings.Join(p.Authors, " "))
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return bot.Ephemeral(fmt.Sprintf("No poster matches %q. Try fewer words, or `/posters` for all of them.", bot.Truncate(query, 100)))
	}
	places := b.PosterPlaces()
	var lines []string
	for _, p := range found {
		line := "• **" + bot.Truncate(p.Title, 200) + "**"
		if len(p.Authors) > 0 {
			line += " — " + bot.Truncate(strings.Join(p.Authors, ", "), 200)
		}
		if pl, ok := places[p.ID]; ok {
			line += " · <#" + pl.ChannelID + ">"
		} else {
			line += " · poster " + p.ID
		}
		lines = append(lines, line)
	}
	pages := pageLines(lines, bot.MaxContent-200)
	page := 1
	if v := c.Options["page"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(pages) {
			return bot.Ephemeral(fmt.Sprintf("There are %d pages of results; pick a page from 1 to %d.", len(pages), len(pages)))
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
	return bot.Ephemeral(bot.Truncate(text, bot.MaxContent))
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
func workshopSync(b *bot.Bot, _ context.Context, _ *bot.Program, c bot.Command, _ time.Time) bot.Reply {
	if !b.PostersOn() {
		return bot.Ephemeral("Poster channels are not run by this bot.")
	}
	b.Logger().Info("poster sync asked", "moderator", c.User.ID)
	b.RequestPosterSync(true)
	return bot.Ephemeral("Poster sync started. What changed will be posted in the moderators channel in a moment.")
}

// workshopArchive handles /workshop archive [undo]: all poster channels
// read-only, or open again.
func workshopArchive(b *bot.Bot, ctx context.Context, _ *bot.Program, c bot.Command, _ time.Time) bot.Reply {
	if !b.PostersOn() {
		return bot.Ephemeral("Poster channels are not run by this bot.")
	}
	archive := !parseBool(c.Options["undo"])
	if err := b.PosterStore().SetPostersArchived(ctx, archive); err != nil {
		return b.Internal(err, "set archive", "archive", archive)
	}
	b.Logger().Info("poster channels archive", "archived", archive, "moderator", c.User.ID)
	b.RequestPosterSync(true)
	if archive {
		return bot.Ephemeral("Archiving: every poster channel becomes read-only (presenters and attendees can read but not write). `/workshop archive undo:true` opens them again. The report follows in the moderators channel.")
	}
	return bot.Ephemeral("Opening the poster channels again: presenters get back their rights and everyone can write. The report follows in the moderators channel.")
}
