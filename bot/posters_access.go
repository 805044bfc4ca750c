package bot

import (
	"context"
	"slices"
	"time"
)

// PostersOn reports whether this bot runs poster channels: the transport can
// hold them and Config.Posters is set.
func (b *Bot) PostersOn() bool { return b.postersOn() }

// PosterIn finds the poster whose channel is channelID.
func (b *Bot) PosterIn(prog *Program, channelID string) (Poster, PosterPlace, bool) {
	return b.posterIn(prog, channelID)
}

// PosterStore is Config.Posters: nil when poster channels are off.
func (b *Bot) PosterStore() PosterStore { return b.ps }

// LearnPresenter remembers u's id if u presents a poster of prog, and
// reports whether u does.
func (b *Bot) LearnPresenter(prog *Program, u User) bool { return b.learnPresenter(prog, u) }

// PosterPlaces is where the posters live, by poster id, as the syncs left
// it. The map is never changed once returned.
func (b *Bot) PosterPlaces() map[string]PosterPlace {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	return b.posters.places
}

// AnnounceLater has the poster loop post m, outside the 3-second deadline
// of the command that asked for it.
func (b *Bot) AnnounceLater(m Message) {
	b.posters.mu.Lock()
	b.posters.posts = append(b.posters.posts, m)
	b.posters.mu.Unlock()
	b.kickPosters()
}

// QueuedPosterPosts is what the poster loop will post when it next runs.
func (b *Bot) QueuedPosterPosts() []Message {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	return slices.Clone(b.posters.posts)
}

// PosterRetryAt is when a sync deferred for Discord's rename budget is asked
// for; zero if none is.
func (b *Bot) PosterRetryAt() time.Time {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	return b.posters.retryAt
}

// RunPosters runs the poster loop, with a first sync, when the transport can
// hold poster channels, until ctx ends: the posters feature's loop.
func (b *Bot) RunPosters(ctx context.Context) { b.runPosters(ctx) }

// TopicNext says whether one of Discord's two name and topic changes per 10
// minutes is free for posterID's channel at now, and if not, when it is.
func (b *Bot) TopicNext(posterID string, now time.Time) (time.Time, bool) {
	return b.topicNext(posterID, now)
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

// topicNext says whether one of Discord's two name and topic changes per 10
// minutes is free for posterID's channel at now, and if not, when it is.
func (b *Bot) topicNext(posterID string, now time.Time) (time.Time, bool) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	_, next, ok := b.recentTopicEdits(posterID, now)
	return next, ok
}

// topicSlot reserves one of Discord's two name and topic changes per 10
// minutes (the poster sync spends them), or says when the next is free.
func (b *Bot) topicSlot(posterID string, now time.Time) (time.Time, bool) {
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	recent, next, ok := b.recentTopicEdits(posterID, now)
	if ok {
		recent = append(recent, now)
	}
	b.posters.topicEdits[posterID] = recent
	return next, ok
}

// recentTopicEdits are posterID's name and topic changes within Discord's
// window at now, whether one more is free, and if not, when it is. The
// caller holds b.posters.mu.
func (b *Bot) recentTopicEdits(posterID string, now time.Time) (recent []time.Time, next time.Time, ok bool) {
	for _, t := range b.posters.topicEdits[posterID] {
		if now.Sub(t) < TopicEditWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= MaxTopicEdits {
		return recent, recent[0].Add(TopicEditWindow), false
	}
	return recent, time.Time{}, true
}

// Stamp writes t as a Discord timestamp (<t:…:style>), which every reader
// sees in their own time zone.
func Stamp(t time.Time, style byte) string { return stamp(t, style) }

// CheckURL says what is wrong with a link ("" if nothing).
func CheckURL(s string) string { return checkURL(s) }

// IsPresenter reports whether u presents p.
func IsPresenter(p Poster, u User) bool { return isPresenter(p, u) }
