package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxPosterLinks is how many links presenters may add to a card with /poster
// link (our own bound; Discord's are in limits.go).
const MaxPosterLinks = 10

// archiveCategory is the category that receives the channels of posters removed
// from posters.csv; "(2)", "(3)"... follow when it is full.
const archiveCategory = "Archived posters"

// posterNameSep separates the poster id from the title in a channel name. Slug
// never writes it, and idParts never contain it, so the id part of a name is
// everything before the first one: that is how a lost mapping is recovered.
const posterNameSep = "_"

// posterIDParts gives each poster the part of its channel name that names it:
// the slug of its id, made unique in file order ("p1", then "p1-2" for "P1").
func posterIDParts(posters []Poster) map[string]string {
	base := map[string]bool{}
	for _, p := range posters {
		base[Slug(p.ID)] = true
	}
	out := make(map[string]string, len(posters))
	used := map[string]bool{}
	for _, p := range posters {
		part := Slug(p.ID)
		if part == "" {
			part = "poster"
		}
		if used[part] {
			for n := 2; ; n++ {
				cand := fmt.Sprintf("%s-%d", part, n)
				if !used[cand] && !base[cand] {
					part = cand
					break
				}
			}
		}
		used[part] = true
		out[p.ID] = part
	}
	return out
}

// PosterChannelName is a poster's channel name: its id part, then the slug of
// its title, cut at a word to fit Discord's 100 characters. Names of posters
// with unique id parts are unique. A title with nothing to spell in ASCII (only
// emoji or CJK) gives just the id part.
func PosterChannelName(idPart, title string) string {
	s := Slug(title)
	if s == "" {
		return truncateName(idPart)
	}
	name := idPart + posterNameSep + s
	if len(name) <= MaxChannelName { // Slug and id parts are ASCII: bytes are characters
		return name
	}
	cut := name[:MaxChannelName]
	if i := strings.LastIndexByte(cut, '-'); i > len(idPart)+1 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "-"+posterNameSep)
}

func truncateName(s string) string {
	if len(s) > MaxChannelName {
		s = strings.TrimRight(s[:MaxChannelName], "-")
	}
	return s
}

// idPartOf is the id part of a poster channel name.
func idPartOf(name string) string {
	part, _, _ := strings.Cut(name, posterNameSep)
	return part
}

// PosterTopic is a poster channel's topic: title, authors and links, within
// Discord's 1024 characters.
func PosterTopic(p Poster, added []Link) string {
	parts := []string{p.Title}
	if len(p.Authors) > 0 {
		parts = append(parts, "by "+strings.Join(p.Authors, ", "))
	}
	for _, l := range posterLinks(p, added) {
		parts = append(parts, l.Name+": "+l.URL)
	}
	return Truncate(strings.Join(parts, " · "), MaxTopic)
}

// posterLinks are the PDF and video links of the file, then those presenters added.
func posterLinks(p Poster, added []Link) []Link {
	var out []Link
	if p.PDF != "" {
		out = append(out, Link{Name: "PDF", URL: p.PDF})
	}
	if p.Video != "" {
		out = append(out, Link{Name: "Video", URL: p.Video})
	}
	return append(out, added...)
}

// posterSession is the poster session (of the schedule) a poster is presented in.
func posterSession(s *Schedule, p Poster) (Session, bool) {
	for _, sess := range s.Sessions {
		if sess.Kind == KindPosters && sess.PosterSession == p.Session {
			return sess, true
		}
	}
	return Session{}, false
}

// PosterCard is the one place that turns a poster into the card pinned in its
// channel: title (linking the PDF), abstract cut cleanly to fit, authors,
// presenters, session time as a Discord timestamp, links. It keeps within every
// embed limit, the 6000-character total included.
func PosterCard(s *Schedule, p Poster, added []Link) Message {
	e := Embed{Title: Truncate(p.Title, MaxEmbedTitle), URL: p.PDF, Footer: "Poster " + p.ID}
	field := func(name, value string) {
		if value != "" {
			e.Fields = append(e.Fields, EmbedField{Name: name, Value: Truncate(value, MaxEmbedFieldValue)})
		}
	}
	field("Authors", strings.Join(p.Authors, ", "))
	var who []string
	for _, name := range p.Presenters {
		if snowflakeRE.MatchString(name) {
			who = append(who, "<@"+name+">")
		} else {
			who = append(who, "@"+name)
		}
	}
	field("Presenters", strings.Join(who, ", "))
	if sess, ok := posterSession(s, p); ok {
		field("Session", fmt.Sprintf("%s — %s (%s)", sess.Title, stamp(sess.Start, 'F'), stamp(sess.Start, 'R')))
	}
	// Links are dropped whole rather than cut: half a Markdown link is broken.
	var links []string
	n := 0
	for _, l := range posterLinks(p, added) {
		md := "[" + strings.ReplaceAll(l.Name, "]", "") + "](" + l.URL + ")"
		if n+utf8.RuneCountInString(md)+3 > MaxEmbedFieldValue {
			break
		}
		links = append(links, md)
		n += utf8.RuneCountInString(md) + 3
	}
	field("Links", strings.Join(links, " · "))
	if p.Abstract != "" {
		room := min(MaxEmbedDescription, MaxEmbedTotal-embedLength(e))
		if room > 20 {
			e.Description = Truncate(p.Abstract, room)
		}
	}
	return Message{Embeds: []Embed{e}, Nonce: "pc:" + p.ID}
}

// embedLength counts the characters Discord counts towards the 6000 total.
func embedLength(e Embed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description) + utf8.RuneCountInString(e.Footer)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

// CardHash identifies what a card shows, so that a sync edits a card only when
// it would change. Cards read back from the guild hash the same as rendered.
func CardHash(embeds []Embed) string {
	h := sha256.New()
	for _, e := range embeds {
		fmt.Fprintf(h, "%q\x00%q\x00%q\x00%q\x00", strings.TrimSpace(e.Title), e.URL, strings.TrimSpace(e.Description), strings.TrimSpace(e.Footer))
		for _, f := range e.Fields {
			fmt.Fprintf(h, "%q\x00%q\x00%v\x00", strings.TrimSpace(f.Name), strings.TrimSpace(f.Value), f.Inline)
		}
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// isPresenter reports whether u is one of p's presenters: an entry that is a
// snowflake matches only a user id, any other entry only a username. Discord
// allows all-digit usernames, so a member named like a listed id is not that
// presenter.
func isPresenter(p Poster, u User) bool {
	return slices.ContainsFunc(p.Presenters, func(name string) bool { return isAccount(name, u) })
}
