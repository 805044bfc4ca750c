package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Rights on poster channels. A presenter may run the conversation in their own
// channel (pin, delete messages, share files) but holds nothing that could
// rename or delete it (MANAGE_CHANNELS) or change its rights (MANAGE_ROLES).
const (
	PresenterRights = PermViewChannel | PermSendMessages | PermPinMessages | PermManageMessages | PermEmbedLinks | PermAttachFiles | PermReadMessageHistory
	// Once archived (/workshop archive), everyone may read and no one but the
	// bot may write.
	archivedPresenterRights = PermViewChannel | PermReadMessageHistory
	archivedBotRights       = PermViewChannel | PermSendMessages | PermEmbedLinks | PermReadMessageHistory
	archivedEveryoneDeny    = PermSendMessages
)

// Overwrite is a channel's permission overwrite for a role or a member.
type Overwrite struct {
	ID     string // role or user id; the guild id is @everyone
	Member bool
	Allow  int64
	Deny   int64
}

// GuildChannel is a channel or a category as the guild holds it.
type GuildChannel struct {
	ID         string
	Name       string
	Topic      string
	ParentID   string
	Category   bool
	Overwrites []Overwrite
}

// ChannelSpec is a channel or category to create, in one call.
type ChannelSpec struct {
	Name       string
	Topic      string
	ParentID   string
	Category   bool
	Overwrites []Overwrite
}

// ChannelEdit changes a channel in one call; nil fields stay as they are.
type ChannelEdit struct {
	Name     *string
	Topic    *string
	ParentID *string
}

// PosterGuild is what a poster sync needs of the chat service. Implemented by
// bot/discord and bot/console; the bot detects it on its Transport.
type PosterGuild interface {
	// GuildIdentity returns the id of @everyone (the guild's id) and the bot's user id.
	GuildIdentity() (everyone, self string)
	// GuildChannels lists the guild's text channels and categories.
	GuildChannels(ctx context.Context) ([]GuildChannel, error)
	// GuildMembers lists the guild's members (ID and Name, the username).
	GuildMembers(ctx context.Context) ([]User, error)
	// CreateChannel creates a channel with its name, topic, parent and
	// overwrites in one call.
	CreateChannel(ctx context.Context, c ChannelSpec) (GuildChannel, error)
	// EditChannel changes a channel in one call.
	EditChannel(ctx context.Context, channelID string, e ChannelEdit) error
	// SetOverwrite creates or replaces one overwrite of a channel.
	SetOverwrite(ctx context.Context, channelID string, o Overwrite) error
	// DeleteOverwrite removes the overwrite for targetID, if there is one.
	DeleteOverwrite(ctx context.Context, channelID, targetID string) error
	// PostCard posts a card (m.Channel is ignored) and returns its message id.
	PostCard(ctx context.Context, channelID string, m Message) (string, error)
	// EditCard makes a posted card show m; ErrNotFound if it is gone.
	EditCard(ctx context.Context, channelID, messageID string, m Message) error
	// Pin pins a message.
	Pin(ctx context.Context, channelID, messageID string) error
	// PinnedCard finds the card the bot pinned in a channel: its message id
	// ("" if none) and embeds.
	PinnedCard(ctx context.Context, channelID string) (string, []Embed, error)
}

// PosterRecord is what the bot remembers of a poster's channel.
type PosterRecord struct {
	PosterID      string
	ChannelID     string
	CardMessageID string
	CardHash      string    // CardHash of the card as last posted or edited
	Topic         string    // set by a presenter with /poster topic; "" for the generated one
	Links         []Link    // added by presenters with /poster link
	HereAt        time.Time // the last /poster here
}

// PosterStore keeps poster records and the archive switch. Implemented by bot/sqlite.
type PosterStore interface {
	PosterRecords(ctx context.Context) ([]PosterRecord, error)
	// PutPosterRecord inserts or replaces the record of r.PosterID.
	PutPosterRecord(ctx context.Context, r PosterRecord) error
	// PostersArchived reports whether poster channels are read-only (/workshop archive).
	PostersArchived(ctx context.Context) (bool, error)
	SetPostersArchived(ctx context.Context, archived bool) error
}

// PosterWant is one poster's channel as the program wants it.
type PosterWant struct {
	Poster     Poster
	IDPart     string
	Name       string
	Topic      string
	Category   string
	Overwrites []Overwrite
	Card       Message
	CardHash   string
	Presenters []string // resolved user ids
	Unresolved []string // presenters not found among the guild's members
}

// PosterDesired is the guild's poster channels as the program wants them.
type PosterDesired struct {
	Categories []string // in order, each holding at most MaxCategoryChannels posters
	Posters    []PosterWant
	Prefix     string // "Posters - Session ": categories whose name starts so hold posters
	Everyone   string
	Self       string // the bot's user id: its own overwrite is no presenter's right
	Archived   bool
}

// DesiredPosters computes the poster channels prog wants: per poster session in
// order, categories of at most 50 channels in poster order; per poster a
// channel name, topic, card and presenters' rights, resolved through members.
func DesiredPosters(prog *Program, recs map[string]PosterRecord, members Members, archived bool, everyone, self string) PosterDesired {
	cat := prog.Schedule.Discord.PosterCategory
	if cat == "" {
		cat = DefaultPosterCategory
	}
	d := PosterDesired{Prefix: cat + " - Session ", Everyone: everyone, Self: self, Archived: archived}
	parts := posterIDParts(prog.Posters)
	bySession := map[int][]Poster{}
	var sessions []int
	for _, p := range prog.Posters {
		if _, ok := bySession[p.Session]; !ok {
			sessions = append(sessions, p.Session)
		}
		bySession[p.Session] = append(bySession[p.Session], p)
	}
	slices.Sort(sessions)
	for _, n := range sessions {
		for i, p := range bySession[n] {
			name := fmt.Sprintf("%s%d", d.Prefix, n)
			if k := i / MaxCategoryChannels; k > 0 {
				name = fmt.Sprintf("%s (%d)", name, k+1)
			}
			if i%MaxCategoryChannels == 0 {
				d.Categories = append(d.Categories, name)
			}
			rec := recs[p.ID]
			w := PosterWant{Poster: p, IDPart: parts[p.ID], Category: name}
			w.Name = PosterChannelName(w.IDPart, p.Title)
			w.Topic = PosterTopic(p, rec.Links)
			if rec.Topic != "" {
				w.Topic = Truncate(rec.Topic, MaxTopic)
			}
			w.Card = PosterCard(prog.Schedule, p, rec.Links)
			w.CardHash = CardHash(w.Card.Embeds)
			for _, who := range p.Presenters {
				if id, ok := members.Resolve(who); ok {
					if !slices.Contains(w.Presenters, id) {
						w.Presenters = append(w.Presenters, id)
					}
				} else {
					w.Unresolved = append(w.Unresolved, who)
				}
			}
			w.Overwrites = posterOverwrites(w.Presenters, archived, everyone, self)
			d.Posters = append(d.Posters, w)
		}
	}
	return d
}

// presenterOverwrite reports whether the overwrite for id is a presenter's
// rights, not @everyone's or the bot's own.
func (d PosterDesired) presenterOverwrite(id string) bool {
	return id != d.Everyone && id != d.Self
}

// Members are the guild's members as presenters are looked up in them. Ids
// and usernames are kept apart: Discord allows all-digit usernames, and a
// member whose username is a listed id must not take that presenter's rights.
type Members struct {
	IDs   map[string]bool   // user ids
	Names map[string]string // lower-case username -> user id
}

// Resolve finds the user id of a presenter entry of posters.csv: a snowflake
// matches only a user id, anything else only a username.
func (m Members) Resolve(who string) (string, bool) {
	if snowflakeRE.MatchString(who) {
		return who, m.IDs[who]
	}
	id, ok := m.Names[strings.ToLower(who)]
	return id, ok
}

func (m *Members) add(u User) {
	if m.IDs == nil {
		m.IDs, m.Names = map[string]bool{}, map[string]string{}
	}
	m.IDs[u.ID] = true
	if u.Name != "" {
		m.Names[strings.ToLower(u.Name)] = u.ID
	}
}

// posterOverwrites are the overwrites a poster channel should carry.
func posterOverwrites(presenters []string, archived bool, everyone, self string) []Overwrite {
	var out []Overwrite
	rights := PresenterRights
	if archived {
		// The bot's own overwrite first: once @everyone is denied
		// SEND_MESSAGES the bot no longer holds it in the channel, and Discord
		// lets an overwrite grant only what the bot holds there.
		if self != "" {
			out = append(out, Overwrite{ID: self, Member: true, Allow: archivedBotRights})
		}
		out = append(out, Overwrite{ID: everyone, Deny: archivedEveryoneDeny})
		rights = archivedPresenterRights
	}
	for _, id := range presenters {
		if id != self {
			out = append(out, Overwrite{ID: id, Member: true, Allow: rights})
		}
	}
	return out
}

// MatchPosterChannels finds each wanted poster's channel: the recorded one if
// it still exists, else one recovered from the guild by the id part of its name
// (in a poster or archive category, or anywhere under exactly the wanted name).
// It returns the records as they should be, and which of them were recovered.
func MatchPosterChannels(d PosterDesired, guild []GuildChannel, recs map[string]PosterRecord) (map[string]PosterRecord, int) {
	byID := map[string]GuildChannel{}
	for _, c := range guild {
		byID[c.ID] = c
	}
	taken := map[string]bool{}
	out := map[string]PosterRecord{}
	for _, w := range d.Posters {
		rec := recs[w.Poster.ID]
		rec.PosterID = w.Poster.ID
		if c, ok := byID[rec.ChannelID]; ok && !c.Category && !taken[c.ID] {
			taken[c.ID] = true
		} else {
			rec.ChannelID, rec.CardMessageID, rec.CardHash = "", "", ""
		}
		out[w.Poster.ID] = rec
	}
	recovered := 0
	for _, w := range d.Posters {
		rec := out[w.Poster.ID]
		if rec.ChannelID != "" {
			continue
		}
		for _, c := range guild {
			if c.Category || taken[c.ID] {
				continue
			}
			inPosters := posterCategory(d, byID[c.ParentID])
			if (inPosters && idPartOf(c.Name) == w.IDPart) || c.Name == w.Name {
				rec.ChannelID = c.ID
				taken[c.ID] = true
				recovered++
				break
			}
		}
		out[w.Poster.ID] = rec
	}
	return out, recovered
}

// posterCategory reports whether c is a category of poster or archived channels.
func posterCategory(d PosterDesired, c GuildChannel) bool {
	return c.Category && (strings.HasPrefix(c.Name, d.Prefix) || strings.HasPrefix(c.Name, archiveCategory))
}

// PosterPlan is what a sync will do. An unchanged program and guild plan nothing.
type PosterPlan struct {
	Categories []string     // categories to create, in order
	Creates    []PosterWant // channels to create (each then gets its card, pinned)
	Edits      []PosterEdit // channels to rename, retopic or move, one call each
	Rights     []RightsChange
	Cards      []CardChange // cards to post (MessageID "") or edit
	Archive    []PosterEdit // channels of posters no longer in the file, to move to the archive
	Refused    string       // non-empty: the guild cannot hold the plan; nothing is done
}

// PosterEdit changes one channel; Category is a category name, "" to keep it.
type PosterEdit struct {
	PosterID  string
	ChannelID string
	Was       string // the channel's current name, for reports
	Name      *string
	Topic     *string
	Category  string
}

// RightsChange sets and removes overwrites of one channel.
type RightsChange struct {
	PosterID  string
	ChannelID string
	Set       []Overwrite
	Delete    []string
}

// CardChange posts (and pins) or edits one card.
type CardChange struct {
	PosterID  string
	ChannelID string
	MessageID string // "" to post and pin
}

// Writes counts the write calls the plan makes at least (each created channel
// also posts and pins its card).
func (p PosterPlan) Writes() int {
	n := len(p.Categories) + 3*len(p.Creates) + len(p.Edits) + len(p.Cards) + len(p.Archive)
	for _, r := range p.Rights {
		n += len(r.Set) + len(r.Delete)
	}
	for _, c := range p.Cards {
		if c.MessageID == "" {
			n++ // the pin
		}
	}
	return n
}

// PlanPosterSync is the pure heart of a sync: from the channels the program
// wants, the guild's channels and the records (as MatchPosterChannels left
// them), what to create, edit, grant, post and archive. It refuses, before
// anything is created, a plan that would exceed the guild's 500 channels.
func PlanPosterSync(d PosterDesired, guild []GuildChannel, recs map[string]PosterRecord) PosterPlan {
	var p PosterPlan
	byID := map[string]GuildChannel{}
	catID := map[string]string{} // category name -> id
	inCat := map[string]int{}    // category id -> channels in it
	for _, c := range guild {
		byID[c.ID] = c
		if c.Category {
			if _, dup := catID[c.Name]; !dup {
				catID[c.Name] = c.ID
			}
		} else if c.ParentID != "" {
			inCat[c.ParentID]++
		}
	}
	for _, name := range d.Categories {
		if _, ok := catID[name]; !ok {
			p.Categories = append(p.Categories, name)
		}
	}
	wanted := map[string]bool{}
	var moves []PosterEdit
	for _, w := range d.Posters {
		rec := recs[w.Poster.ID]
		c, ok := byID[rec.ChannelID]
		if rec.ChannelID == "" || !ok {
			p.Creates = append(p.Creates, w)
			continue
		}
		wanted[c.ID] = true
		if e, move := p.planChannel(d, w, rec, c, catID); move {
			moves = append(moves, e)
		}
	}
	p.planArchive(d, guild, recs, wanted, byID, catID, inCat)
	p.Edits = append(p.Edits, orderMoves(moves, byID, catID, inCat)...)

	total := len(guild) + len(p.Categories) + len(p.Creates)
	if total > MaxGuildChannels {
		p.Refused = fmt.Sprintf("the guild has %d channels and categories; the posters need %d more (%d channels, %d categories): %d in all, more than Discord's %d. Nothing was created; remove posters from posters.csv or channels from the server",
			len(guild), len(p.Categories)+len(p.Creates), len(p.Creates), len(p.Categories), total, MaxGuildChannels)
	}
	return p
}

// planChannel plans what an existing poster channel c needs: an edit (added
// to p, or returned with move true when it changes category, for orderMoves),
// its rights and its card.
func (p *PosterPlan) planChannel(d PosterDesired, w PosterWant, rec PosterRecord, c GuildChannel, catID map[string]string) (PosterEdit, bool) {
	e := PosterEdit{PosterID: w.Poster.ID, ChannelID: c.ID, Was: c.Name}
	if c.Name != w.Name {
		e.Name = &w.Name
	}
	if c.Topic != w.Topic {
		e.Topic = &w.Topic
	}
	if id, ok := catID[w.Category]; !ok || c.ParentID != id {
		e.Category = w.Category
	}
	move := false
	if e.Name != nil || e.Topic != nil || e.Category != "" {
		if e.Category != "" {
			move = true
		} else {
			p.Edits = append(p.Edits, e)
		}
	}
	if set, del := rightsDiff(c.Overwrites, w.Overwrites, d.Everyone, d.Archived); len(set)+len(del) > 0 {
		p.Rights = append(p.Rights, RightsChange{PosterID: w.Poster.ID, ChannelID: c.ID, Set: set, Delete: del})
	}
	switch {
	case rec.CardMessageID == "":
		p.Cards = append(p.Cards, CardChange{PosterID: w.Poster.ID, ChannelID: c.ID})
	case rec.CardHash != w.CardHash:
		p.Cards = append(p.Cards, CardChange{PosterID: w.Poster.ID, ChannelID: c.ID, MessageID: rec.CardMessageID})
	}
	return e, move
}

// planArchive plans the channels of posters that left the file: recorded
// ones, and recoverable ones in poster categories, never deleted, moved to
// the archive. They move first, making room for the moves between
// categories, then the new channels come (see applyPosterPlan).
func (p *PosterPlan) planArchive(d PosterDesired, guild []GuildChannel, recs map[string]PosterRecord, wanted map[string]bool,
	byID map[string]GuildChannel, catID map[string]string, inCat map[string]int) {
	recorded := map[string]string{}
	for id, r := range recs {
		if r.ChannelID != "" {
			recorded[r.ChannelID] = id
		}
	}
	archiveFill := map[string]int{}
	for _, c := range guild {
		if c.Category || wanted[c.ID] {
			continue
		}
		parent := byID[c.ParentID]
		_, known := recorded[c.ID]
		isPoster := known || (strings.HasPrefix(parent.Name, d.Prefix) && parent.Category && strings.Contains(c.Name, posterNameSep))
		if !isPoster || (parent.Category && strings.HasPrefix(parent.Name, archiveCategory)) {
			continue
		}
		p.Archive = append(p.Archive, PosterEdit{PosterID: recorded[c.ID], ChannelID: c.ID, Was: c.Name, Category: archiveSlot(catID, inCat, archiveFill)})
	}
	for _, a := range p.Archive {
		if _, ok := catID[a.Category]; !ok && !slices.Contains(p.Categories, a.Category) {
			p.Categories = append(p.Categories, a.Category)
		}
		inCat[byID[a.ChannelID].ParentID]--
	}
}

// archiveSlot picks the first archive category with room.
func archiveSlot(catID map[string]string, inCat, fill map[string]int) string {
	for k := 1; ; k++ {
		name := archiveCategory
		if k > 1 {
			name = fmt.Sprintf("%s (%d)", archiveCategory, k)
		}
		if inCat[catID[name]]+fill[name] < MaxCategoryChannels {
			fill[name]++
			return name
		}
	}
}

// orderMoves orders moves between categories so that no category ever holds
// more than 50 channels: a move into a full category waits for one out of it.
func orderMoves(moves []PosterEdit, byID map[string]GuildChannel, catID map[string]string, inCat map[string]int) []PosterEdit {
	count := map[string]int{} // by category name
	nameOf := map[string]string{}
	for name, id := range catID {
		nameOf[id] = name
		count[name] = inCat[id]
	}
	var out []PosterEdit
	for len(moves) > 0 {
		progress := false
		var rest []PosterEdit
		for _, m := range moves {
			if count[m.Category] < MaxCategoryChannels {
				count[m.Category]++
				count[nameOf[byID[m.ChannelID].ParentID]]--
				out = append(out, m)
				progress = true
			} else {
				rest = append(rest, m)
			}
		}
		if !progress { // a cycle of full categories: let Discord say which fails
			return append(out, rest...)
		}
		moves = rest
	}
	return out
}

// rightsDiff compares a channel's overwrites with the wanted ones. The sync
// manages member overwrites, and the @everyone overwrite of the archive.
func rightsDiff(current, want []Overwrite, everyone string, archived bool) (set []Overwrite, del []string) {
	have := map[string]Overwrite{}
	for _, o := range current {
		have[o.ID] = o
	}
	wantIDs := map[string]bool{}
	for _, o := range want {
		wantIDs[o.ID] = true
		if h, ok := have[o.ID]; !ok || h.Allow != o.Allow || h.Deny != o.Deny || h.Member != o.Member {
			set = append(set, o)
		}
	}
	for _, o := range current {
		if wantIDs[o.ID] {
			continue
		}
		archiveMark := o.ID == everyone && !o.Member && o.Allow == 0 && o.Deny == archivedEveryoneDeny
		if o.Member || (archiveMark && !archived) {
			del = append(del, o.ID)
		}
	}
	return set, del
}

// PosterReport says what a sync did.
type PosterReport struct {
	Categories  int
	Created     []string // channel names
	Edited      []string // "old → new" or the name
	Rights      int      // presenters' overwrites set or removed
	ReadOnly    int      // channels made read-only (/workshop archive)
	Reopened    int      // channels opened again (/workshop archive undo:true)
	CardsPosted int
	CardsEdited int
	Archived    []string // channel names
	Recovered   int      // mappings recovered from the guild (the database had none)
	Unresolved  []string // presenters not (yet) in the guild
	Failed      []string // what could not be done, and why
	Refused     string
	Deferred    []string // channels whose name or topic waits for Discord's budget
}

// Changed reports whether the sync wrote anything to the guild.
func (r PosterReport) Changed() bool {
	return r.Categories+len(r.Created)+len(r.Edited)+r.Rights+r.ReadOnly+r.Reopened+r.CardsPosted+r.CardsEdited+len(r.Archived) > 0
}

// String is the report as the moderators read it.
func (r PosterReport) String() string {
	if r.Refused != "" {
		return "Poster sync refused: " + r.Refused
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(len(r.Created), "channel created", "channels created")
	add(r.Categories, "category created", "categories created")
	add(len(r.Edited), "channel updated", "channels updated")
	add(r.CardsPosted, "card posted", "cards posted")
	add(r.CardsEdited, "card edited", "cards edited")
	add(r.Rights, "presenter right changed", "presenter rights changed")
	add(r.ReadOnly, "channel made read-only", "channels made read-only")
	add(r.Reopened, "channel opened again", "channels opened again")
	add(len(r.Archived), "channel archived", "channels archived")
	add(r.Recovered, "channel found again in the server", "channels found again in the server")
	var b strings.Builder
	if len(parts) == 0 {
		b.WriteString("Poster sync: nothing to change.")
	} else {
		b.WriteString("Poster sync: " + strings.Join(parts, ", ") + ".")
	}
	list := func(head string, items []string) {
		if len(items) > 0 {
			fmt.Fprintf(&b, "\n%s: %s", head, strings.Join(items, ", "))
		}
	}
	list("Updated", r.Edited)
	list("Moved to the archive (posters no longer in posters.csv; never deleted)", r.Archived)
	list("Presenters not in the server yet (they get their rights when they join)", r.Unresolved)
	list("Waiting for Discord's limit of 2 name or topic changes per channel per 10 minutes (applied by themselves)", r.Deferred)
	list("Failed", r.Failed)
	return Truncate(b.String(), MaxContent)
}

// errNoPosterGuild: the transport cannot hold poster channels, or no store was given.
var errNoPosterGuild = errors.New("poster channels are not supported by this transport or store")

// SyncPosters brings the guild's poster channels in step with the program in
// force: it creates what is missing, edits what changed, grants presenters
// their rights and archives channels of posters that left the file. An
// unchanged program makes no write. It never deletes a channel.
func (b *Bot) SyncPosters(ctx context.Context) (PosterReport, error) {
	pg, ok := b.out.(PosterGuild)
	if !ok || b.ps == nil {
		return PosterReport{}, errNoPosterGuild
	}
	b.posters.syncing.Lock()
	defer b.posters.syncing.Unlock()
	prog := b.Program()
	var rep PosterReport

	list, err := b.ps.PosterRecords(ctx)
	if err != nil {
		return rep, fmt.Errorf("poster sync: read records: %w", err)
	}
	recs := map[string]PosterRecord{}
	for _, r := range list {
		recs[r.PosterID] = r
	}
	archived, err := b.ps.PostersArchived(ctx)
	if err != nil {
		return rep, fmt.Errorf("poster sync: read archive state: %w", err)
	}
	guild, err := pg.GuildChannels(ctx)
	if err != nil {
		return rep, fmt.Errorf("poster sync: list channels: %w", err)
	}
	members, err := b.posterMembers(ctx, pg, prog)
	if err != nil {
		return rep, err
	}
	everyone, self := pg.GuildIdentity()
	d := DesiredPosters(prog, recs, members, archived, everyone, self)
	matched, recovered := MatchPosterChannels(d, guild, recs)
	rep.Recovered = recovered
	// A channel found again without its card: look for the card pinned in it.
	for _, w := range d.Posters {
		r := matched[w.Poster.ID]
		if r.ChannelID == "" || r.CardMessageID != "" {
			continue
		}
		id, embeds, err := pg.PinnedCard(ctx, r.ChannelID)
		if err != nil {
			return rep, fmt.Errorf("poster sync: find the card of %s: %w", w.Poster.ID, err)
		}
		if id != "" {
			r.CardMessageID, r.CardHash = id, CardHash(embeds)
			matched[w.Poster.ID] = r
		}
	}
	for _, w := range d.Posters {
		rep.Unresolved = append(rep.Unresolved, w.Unresolved...)
	}
	planRecs := maps.Clone(matched)
	for id, r := range recs {
		if _, ok := planRecs[id]; !ok {
			planRecs[id] = r // a poster that left the file: its channel goes to the archive
		}
	}
	plan := PlanPosterSync(d, guild, planRecs)
	if plan.Refused != "" {
		rep.Refused = plan.Refused
		b.log.Error("poster sync refused", "reason", plan.Refused)
		return rep, fmt.Errorf("poster sync: %s", plan.Refused)
	}
	// Channels found again serve their presenters' commands at once; each new
	// one does as soon as it is recorded, not when the whole sync is over
	// (480 channels at Discord's pace take minutes).
	b.setPlaces(d, matched)
	b.applyPosterPlan(ctx, pg, d, plan, guild, recs, matched, &rep)
	b.setPlaces(d, matched)
	b.log.Info("poster sync", "created", len(rep.Created), "categories", rep.Categories, "edited", len(rep.Edited),
		"cards_posted", rep.CardsPosted, "cards_edited", rep.CardsEdited, "rights", rep.Rights,
		"archived", len(rep.Archived), "recovered", rep.Recovered, "failed", len(rep.Failed))
	return rep, nil
}

// posterMembers are the guild's members, and users the bot learned of from
// joins and commands. The guild's list wins over a learned username, which may
// be stale.
func (b *Bot) posterMembers(ctx context.Context, pg PosterGuild, prog *Program) (Members, error) {
	var out Members
	b.posters.mu.Lock()
	for _, u := range b.posters.known {
		out.add(u)
	}
	b.posters.mu.Unlock()
	need := false
	for _, p := range prog.Posters {
		need = need || len(p.Presenters) > 0
	}
	if need {
		list, err := pg.GuildMembers(ctx)
		if err != nil {
			return Members{}, fmt.Errorf("poster sync: list members: %w", err)
		}
		for _, u := range list {
			out.add(u)
		}
	}
	return out, nil
}

// applyPosterPlan carries the plan out, recording each poster's channel as soon
// as it exists, so that a crash half-way loses nothing. A failure is reported
// and the rest goes on.
func (b *Bot) applyPosterPlan(ctx context.Context, pg PosterGuild, d PosterDesired, plan PosterPlan,
	guild []GuildChannel, stored, matched map[string]PosterRecord, rep *PosterReport) {
	a := &posterApply{b: b, pg: pg, d: d, matched: matched, rep: rep,
		catID: map[string]string{}, wantOf: map[string]PosterWant{}}
	for _, w := range d.Posters {
		a.wantOf[w.Poster.ID] = w
	}
	a.recordMatched(ctx, stored)
	a.categories(ctx, guild, plan.Categories)
	// Archive first and move between categories next, so that every category
	// has room for what comes in; then create.
	a.archive(ctx, plan.Archive)
	a.edit(ctx, plan.Edits)
	if !a.create(ctx, plan.Creates) {
		return
	}
	a.rights(ctx, plan.Rights)
	a.cards(ctx, plan.Cards)
}

// posterApply is one run of applyPosterPlan: what its steps share.
type posterApply struct {
	b       *Bot
	pg      PosterGuild
	d       PosterDesired
	matched map[string]PosterRecord // by poster id; updated as channels and cards come
	rep     *PosterReport
	catID   map[string]string     // category ids by name
	wantOf  map[string]PosterWant // by poster id
}

// fail reports a step that failed; the sync goes on with the next.
func (a *posterApply) fail(what string, err error) {
	a.b.log.Error("poster sync: "+what, "err", err)
	a.rep.Failed = append(a.rep.Failed, what+": "+err.Error())
}

// recordMatched stores the mappings found again (and records of posters seen
// for the first time).
func (a *posterApply) recordMatched(ctx context.Context, stored map[string]PosterRecord) {
	for id, r := range a.matched {
		if old, ok := stored[id]; !ok || old.ChannelID != r.ChannelID || old.CardMessageID != r.CardMessageID || old.CardHash != r.CardHash {
			if r.ChannelID == "" && !ok {
				continue
			}
			if err := a.b.ps.PutPosterRecord(ctx, r); err != nil {
				a.fail("record "+id, err)
			}
		}
	}
}

// categories learns the guild's categories and creates those the plan needs.
func (a *posterApply) categories(ctx context.Context, guild []GuildChannel, create []string) {
	for _, c := range guild {
		if c.Category {
			if _, dup := a.catID[c.Name]; !dup {
				a.catID[c.Name] = c.ID
			}
		}
	}
	for _, name := range create {
		c, err := a.pg.CreateChannel(ctx, ChannelSpec{Name: name, Category: true})
		if err != nil {
			a.fail("create category "+name, err)
			continue
		}
		a.catID[name] = c.ID
		a.rep.Categories++
	}
}

// archive moves the channels of removed posters to the archive categories.
func (a *posterApply) archive(ctx context.Context, archive []PosterEdit) {
	for _, e := range archive {
		id, ok := a.catID[e.Category]
		if !ok {
			a.fail("archive #"+e.Was, fmt.Errorf("category %q does not exist", e.Category))
			continue
		}
		if err := a.pg.EditChannel(ctx, e.ChannelID, ChannelEdit{ParentID: &id}); err != nil {
			a.fail("archive #"+e.Was, err)
			continue
		}
		a.rep.Archived = append(a.rep.Archived, "#"+e.Was)
	}
}

// edit renames, retopics and moves channels.
func (a *posterApply) edit(ctx context.Context, edits []PosterEdit) {
	now := a.b.clock.Now()
	for _, e := range edits {
		// A name or topic change spends one of Discord's two per channel per
		// 10 minutes, shared with /poster topic: beyond them it waits for
		// the sync that the budget allows (a move between categories goes
		// on at once).
		if e.Name != nil || e.Topic != nil {
			if next, ok := a.b.topicSlot(e.PosterID, now); !ok {
				a.b.posterRetryAt(next)
				a.rep.Deferred = append(a.rep.Deferred, "#"+e.Was)
				if e.Category == "" {
					continue
				}
				e.Name, e.Topic = nil, nil
			}
		}
		ce := ChannelEdit{Name: e.Name, Topic: e.Topic}
		if e.Category != "" {
			id, ok := a.catID[e.Category]
			if !ok {
				a.fail("move #"+e.Was, fmt.Errorf("category %q does not exist", e.Category))
				continue
			}
			ce.ParentID = &id
		}
		if err := a.pg.EditChannel(ctx, e.ChannelID, ce); err != nil {
			a.fail("update #"+e.Was, err)
			continue
		}
		if e.Name != nil {
			a.rep.Edited = append(a.rep.Edited, "#"+e.Was+" → #"+*e.Name)
		} else {
			a.rep.Edited = append(a.rep.Edited, "#"+e.Was)
		}
	}
}

// create makes the new posters' channels, each recorded, placed and given its
// card at once. It returns false if ctx ended, and the sync with it.
func (a *posterApply) create(ctx context.Context, creates []PosterWant) bool {
	for _, w := range creates {
		if ctx.Err() != nil {
			a.fail("sync", ctx.Err())
			return false
		}
		parent, ok := a.catID[w.Category]
		if !ok {
			a.fail("create #"+w.Name, fmt.Errorf("category %q does not exist", w.Category))
			continue
		}
		c, err := a.pg.CreateChannel(ctx, ChannelSpec{Name: w.Name, Topic: w.Topic, ParentID: parent, Overwrites: w.Overwrites})
		if err != nil {
			a.fail("create #"+w.Name, err)
			continue
		}
		rec := a.matched[w.Poster.ID]
		rec.PosterID, rec.ChannelID, rec.CardMessageID, rec.CardHash = w.Poster.ID, c.ID, "", ""
		a.rep.Created = append(a.rep.Created, w.Name)
		for _, o := range w.Overwrites {
			if a.d.presenterOverwrite(o.ID) {
				a.rep.Rights++
			}
		}
		if err := a.b.ps.PutPosterRecord(ctx, rec); err != nil {
			a.fail("record #"+w.Name, err)
		}
		a.b.addPlace(w, rec.ChannelID)
		rec = a.b.postCard(ctx, a.pg, w, rec, a.rep, a.fail)
		a.matched[w.Poster.ID] = rec
	}
	return true
}

// rights sets and removes overwrites on existing channels.
func (a *posterApply) rights(ctx context.Context, changes []RightsChange) {
	for _, r := range changes {
		// The report counts presenters' rights apart from the overwrites that lock
		// or open a whole channel (@everyone's and the bot's own), once a channel.
		locked := false
		count := func(id string) {
			if a.d.presenterOverwrite(id) {
				a.rep.Rights++
			} else {
				locked = true
			}
		}
		for _, o := range r.Set {
			if err := a.pg.SetOverwrite(ctx, r.ChannelID, o); err != nil {
				a.fail("rights in "+r.ChannelID+" for "+o.ID, err)
				continue
			}
			count(o.ID)
		}
		for _, id := range r.Delete {
			if err := a.pg.DeleteOverwrite(ctx, r.ChannelID, id); err != nil {
				a.fail("remove rights in "+r.ChannelID+" for "+id, err)
				continue
			}
			count(id)
		}
		switch {
		case locked && a.d.Archived:
			a.rep.ReadOnly++
		case locked:
			a.rep.Reopened++
		}
	}
}

// cards edits the cards that changed, and posts again those someone deleted.
func (a *posterApply) cards(ctx context.Context, cards []CardChange) {
	for _, c := range cards {
		w := a.wantOf[c.PosterID]
		rec := a.matched[c.PosterID]
		if c.MessageID != "" {
			err := a.pg.EditCard(ctx, c.ChannelID, c.MessageID, w.Card)
			if err == nil {
				rec.CardHash = w.CardHash
				a.rep.CardsEdited++
				if err := a.b.ps.PutPosterRecord(ctx, rec); err != nil {
					a.fail("record the card of "+c.PosterID, err)
				}
				a.matched[c.PosterID] = rec
				continue
			}
			if !errors.Is(err, ErrNotFound) {
				a.fail("edit the card of "+c.PosterID, err)
				continue
			}
			rec.CardMessageID = "" // deleted by someone: post it again
		}
		a.matched[c.PosterID] = a.b.postCard(ctx, a.pg, w, rec, a.rep, a.fail)
	}
}

// postCard posts and pins a poster's card and records it.
func (b *Bot) postCard(ctx context.Context, pg PosterGuild, w PosterWant, rec PosterRecord, rep *PosterReport, fail func(string, error)) PosterRecord {
	card := w.Card
	card.Channel = rec.ChannelID
	card.Nonce = b.cardNonce(card.Nonce)
	msgID, err := pg.PostCard(ctx, rec.ChannelID, card)
	if err != nil {
		fail("post the card of "+w.Poster.ID, err)
		return rec
	}
	rec.CardMessageID, rec.CardHash = msgID, w.CardHash
	rep.CardsPosted++
	if err := b.ps.PutPosterRecord(ctx, rec); err != nil {
		fail("record the card of "+w.Poster.ID, err)
	}
	if err := pg.Pin(ctx, rec.ChannelID, msgID); err != nil {
		fail("pin the card of "+w.Poster.ID, err)
	}
	return rec
}

// setPlaces remembers where posters live, for reminders and commands.
func (b *Bot) setPlaces(d PosterDesired, recs map[string]PosterRecord) {
	places := map[string]PosterPlace{}
	for _, w := range d.Posters {
		if r := recs[w.Poster.ID]; r.ChannelID != "" {
			places[w.Poster.ID] = PosterPlace{ChannelID: r.ChannelID, PresenterIDs: slices.Clone(w.Presenters)}
		}
	}
	b.posters.mu.Lock()
	b.posters.places = places
	b.posters.mu.Unlock()
	b.changed() // the dashboard shows how many posters are placed
}

// addPlace makes one new poster channel known to commands and reminders.
// The map is replaced, not changed: withPlaces hands it out.
func (b *Bot) addPlace(w PosterWant, channelID string) {
	b.posters.mu.Lock()
	places := maps.Clone(b.posters.places)
	if places == nil {
		places = map[string]PosterPlace{}
	}
	places[w.Poster.ID] = PosterPlace{ChannelID: channelID, PresenterIDs: slices.Clone(w.Presenters)}
	b.posters.places = places
	b.posters.mu.Unlock()
}

// withPlaces is prog with Places filled from the last sync.
func (b *Bot) withPlaces(prog *Program) *Program {
	b.posters.mu.Lock()
	places := b.posters.places
	b.posters.mu.Unlock()
	if places == nil {
		return prog
	}
	p := *prog
	p.Places = places
	return &p
}

// posterState is the bot's poster machinery: the loop's requests, what it
// learned of members, and where posters live.
type posterState struct {
	syncing sync.Mutex // one sync at a time
	wake    chan struct{}

	mu         sync.Mutex
	want       bool            // a sync is requested
	report     bool            // tell the moderators what the next sync did, even nothing
	posts      []Message       // announcements (/poster here) waiting for the loop
	known      map[string]User // user id -> user, from joins and commands
	places     map[string]PosterPlace
	topicEdits map[string][]time.Time // poster id -> name and topic changes made, for Discord's 2 per 10 minutes
	retryAt    time.Time              // the next sync asked for: a deferred name or topic change, or a retry after a failure; zero if none
	retry      chan struct{}          // signalled when retryAt moved earlier
}

func newPosterState() posterState {
	return posterState{wake: make(chan struct{}, 1), retry: make(chan struct{}, 1), known: map[string]User{}, topicEdits: map[string][]time.Time{}}
}

// posterRetryAt asks for a sync at at, when a deferred name or topic change
// may go or a failed sync is tried again (the earliest of those asked).
func (b *Bot) posterRetryAt(at time.Time) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	if b.posters.retryAt.IsZero() || at.Before(b.posters.retryAt) {
		b.posters.retryAt = at
		signal(b.posters.retry)
	}
}

// RequestPosterSync asks the poster loop for a sync; report makes it tell the
// moderators what changed even when nothing did. It never blocks.
func (b *Bot) RequestPosterSync(report bool) {
	b.posters.mu.Lock()
	b.posters.want = true
	b.posters.report = b.posters.report || report
	b.posters.mu.Unlock()
	b.kickPosters()
}

func (b *Bot) kickPosters() { signal(b.posters.wake) }

// MemberJoined is called by a transport when someone joins the guild: a listed
// presenter gets their rights at once.
func (b *Bot) MemberJoined(u User) {
	if greenListed(b.Program(), u) {
		b.green.mu.Lock()
		b.green.known[u.ID] = u
		b.green.mu.Unlock()
		b.greenDirty(true) // mention them, and let them into the green room
		b.poke()
	}
	if !b.learnPresenter(b.Program(), u) {
		return
	}
	b.log.Info("presenter joined", "user", u.ID, "name", u.Name)
	b.RequestPosterSync(false)
}

// learnPresenter remembers u's id if u presents a poster of prog.
func (b *Bot) learnPresenter(prog *Program, u User) bool {
	if u.ID == "" || !slices.ContainsFunc(prog.Posters, func(p Poster) bool { return isPresenter(p, u) }) {
		return false
	}
	b.posters.mu.Lock()
	b.posters.known[u.ID] = u
	b.posters.mu.Unlock()
	return true
}

// runPosters runs the poster loop, with a first sync, when the transport can
// hold poster channels, until ctx ends.
func (b *Bot) runPosters(ctx context.Context) {
	if _, ok := b.out.(PosterGuild); !ok || b.ps == nil {
		return
	}
	b.RequestPosterSync(false)
	b.posterLoop(ctx)
}

// posterLoop runs requested syncs and posts queued announcements, outside the
// 3-second deadline of the commands that asked for them.
func (b *Bot) posterLoop(ctx context.Context) {
	failures := 0 // syncs in a row that left something undone
	for {
		var deferred <-chan time.Time
		b.posters.mu.Lock()
		if at := b.posters.retryAt; !at.IsZero() {
			deferred = b.clock.After(at.Sub(b.clock.Now()))
		}
		b.posters.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-b.posters.wake:
		case <-b.posters.retry:
			continue // an earlier deferred change: wait for it instead
		case <-deferred:
			b.posters.mu.Lock()
			b.posters.retryAt = time.Time{}
			b.posters.want = true
			b.posters.mu.Unlock()
		}
		b.posters.mu.Lock()
		want, report, posts := b.posters.want, b.posters.report, b.posters.posts
		b.posters.want, b.posters.report, b.posters.posts = false, false, nil
		b.posters.mu.Unlock()
		for _, m := range posts {
			if _, err := b.out.Post(ctx, m); err != nil {
				b.log.Error("poster announcement", "channel", m.Channel, "err", err)
			}
		}
		if !want {
			continue
		}
		rep, err := b.SyncPosters(ctx)
		if ctx.Err() != nil {
			return // stopping: what was done is recorded, the rest waits for the next start
		}
		switch {
		case err != nil && rep.Refused == "":
			b.log.Error("poster sync failed", "err", err)
			b.notifyModerators(ctx, "⚠️ Poster sync failed: "+err.Error())
		case report || len(rep.Archived) > 0 || rep.Refused != "" || len(rep.Failed) > 0:
			// What moderators asked for, or must act on; the rest is in the log.
			b.notifyModerators(ctx, rep.String())
		}
		// A sync that Discord let down (a card not posted, a channel not
		// made) is tried again, later each time, until one goes through: no
		// poster waits for the next edit of posters.csv. A refused one waits
		// for the organizers.
		if rep.Refused == "" && (err != nil || len(rep.Failed) > 0) {
			b.posterRetryAt(b.clock.Now().Add(posterRetryBackoff(failures)))
			failures++
		} else {
			failures = 0
		}
	}
}

// posterRetryBackoff is the wait before trying again after n failed syncs
// in a row: 30 s, doubling, at most 10 minutes.
func posterRetryBackoff(n int) time.Duration {
	return min(30*time.Second<<min(n, 5), 10*time.Minute)
}
