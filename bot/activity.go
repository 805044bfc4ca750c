package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// ActivityBucket is the window the bot counts activity in: messages and member
// joins and leaves are kept per channel and per 10 minutes, never one by one.
const ActivityBucket = 10 * time.Minute

// ActivityKind is what a transport saw happen in the guild.
type ActivityKind int

// The kinds of activity a transport reports.
const (
	ActivityMessage ActivityKind = iota + 1 // someone (not a bot) posted in Channel
	ActivityJoin                            // someone joined the guild
	ActivityLeave                           // someone left the guild (or was removed)
	ActivityMembers                         // the guild has Members members (told at connection)
)

// Activity is one thing a transport saw, for the figures: what kind, where, and
// never what was said or by whom.
type Activity struct {
	Kind ActivityKind
	// Channel is where a message was posted: a logical channel
	// (ChannelAnnouncements, ChannelQuestions) or a poster channel's id.
	Channel string
	Members int // for ActivityMembers
}

// MessageCount is how many messages people posted in a channel in one window.
type MessageCount struct {
	Channel  string
	Bucket   time.Time // the window's start (UTC, a multiple of ActivityBucket)
	Messages int
}

// MemberCount is what happened to the guild's membership in one window.
type MemberCount struct {
	Bucket time.Time
	Joins  int
	Leaves int
	// Members is the member count at the window's end, if Known: the count the
	// chat service gave at connection, plus joins, less leaves since.
	Members int
	Known   bool
}

// ActivityCounts are counts of activity, in windows of ActivityBucket.
type ActivityCounts struct {
	Messages []MessageCount // by channel, then window
	Members  []MemberCount  // by window
}

// ActivityStore keeps the activity counts. Implemented by bot/sqlite; without it
// the bot counts nothing.
type ActivityStore interface {
	// AddActivity adds c to what is stored: messages, joins and leaves are
	// summed per window; a known member count replaces the stored one.
	AddActivity(ctx context.Context, c ActivityCounts) error
	// Activity returns everything stored.
	Activity(ctx context.Context) (ActivityCounts, error)
}

// activityFlush is how often (real time) counted activity is written to the
// store. A crash loses at most this much of it; a shutdown loses none.
const activityFlush = 15 * time.Second

// activityCounter holds activity counted since the last flush. Record takes only its
// mutex, never the bot's or the store's, so that counting a message costs a map
// update on the gateway's reader and nothing on the way of a command.
type activityCounter struct {
	mu       sync.Mutex
	messages map[messageKey]int
	members  map[time.Time]*MemberCount
	total    int  // the guild's member count as last known
	known    bool // total is known
}

type messageKey struct {
	channel string
	bucket  time.Time
}

// Record counts one piece of activity at the bot's clock. Messages count only in
// the announcements and questions channels and in poster channels; elsewhere
// (moderators, general chat) the bot looks away. Safe to call from any goroutine;
// it never blocks on the store.
func (b *Bot) Record(a Activity) {
	if a.Kind == ActivityMessage && !b.countsMessages(a.Channel) {
		return
	}
	bucket := b.clock.Now().UTC().Truncate(ActivityBucket)
	r := &b.activity
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.Kind == ActivityMessage {
		if r.messages == nil {
			r.messages = map[messageKey]int{}
		}
		r.messages[messageKey{a.Channel, bucket}]++
		return
	}
	if r.members == nil {
		r.members = map[time.Time]*MemberCount{}
	}
	m := r.members[bucket]
	if m == nil {
		m = &MemberCount{Bucket: bucket}
		r.members[bucket] = m
	}
	switch a.Kind {
	case ActivityJoin:
		m.Joins++
		r.total++
	case ActivityLeave:
		m.Leaves++
		r.total = max(0, r.total-1)
	case ActivityMembers:
		r.total, r.known = a.Members, true
	}
	m.Members, m.Known = r.total, r.known
}

// countsMessages reports whether messages in channel are counted.
func (b *Bot) countsMessages(channel string) bool {
	if channel == ChannelAnnouncements || channel == ChannelQuestions {
		return true
	}
	if channel == "" {
		return false
	}
	b.posters.mu.Lock()
	defer b.posters.mu.Unlock()
	for _, p := range b.posters.places {
		if p.ChannelID == channel {
			return true
		}
	}
	return false
}

// take empties the activityCounter and returns what it held.
func (r *activityCounter) take() ActivityCounts {
	r.mu.Lock()
	msgs, mems := r.messages, r.members
	r.messages, r.members = nil, nil
	r.mu.Unlock()
	var c ActivityCounts
	for k, n := range msgs {
		c.Messages = append(c.Messages, MessageCount{Channel: k.channel, Bucket: k.bucket, Messages: n})
	}
	slices.SortFunc(c.Messages, func(a, b MessageCount) int {
		if n := strings.Compare(a.Channel, b.Channel); n != 0 {
			return n
		}
		return a.Bucket.Compare(b.Bucket)
	})
	for _, k := range slices.SortedFunc(maps.Keys(mems), time.Time.Compare) {
		c.Members = append(c.Members, *mems[k])
	}
	return c
}

// putBack returns counts a failed flush took, so that the next flush writes them.
func (r *activityCounter) putBack(c ActivityCounts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.messages == nil {
		r.messages = map[messageKey]int{}
	}
	for _, m := range c.Messages {
		r.messages[messageKey{m.Channel, m.Bucket}] += m.Messages
	}
	if r.members == nil {
		r.members = map[time.Time]*MemberCount{}
	}
	for _, m := range c.Members {
		cur := r.members[m.Bucket]
		if cur == nil {
			r.members[m.Bucket] = &m
			continue
		}
		// cur is newer: its member count stands.
		cur.Joins += m.Joins
		cur.Leaves += m.Leaves
		if !cur.Known {
			cur.Members, cur.Known = m.Members, m.Known
		}
	}
}

// FlushActivity writes the activity counted so far to the store. Run calls it
// every few seconds and when it stops; tests call it to see the counts at once.
func (b *Bot) FlushActivity(ctx context.Context) error {
	st, ok := b.store.(ActivityStore)
	if !ok {
		return nil
	}
	c := b.activity.take()
	if len(c.Messages) == 0 && len(c.Members) == 0 {
		return nil
	}
	if err := st.AddActivity(ctx, c); err != nil {
		b.activity.putBack(c)
		return fmt.Errorf("flush activity: %w", err)
	}
	return nil
}

// startActivity runs the flush loop until ctx ends or stop is called, then
// flushes once more; stop waits for that.
func (b *Bot) startActivity(ctx context.Context) (stop func()) {
	if _, ok := b.store.(ActivityStore); !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Real time, not the bot's clock: this bounds what a crash loses, which
		// is a matter of seconds on the wall, at any rehearsal speed.
		t := time.NewTicker(activityFlush)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
				defer cancel()
				if err := b.FlushActivity(fctx); err != nil {
					b.log.Warn("activity counts lost at shutdown", "err", err)
				}
				return
			case <-t.C:
				if err := b.FlushActivity(ctx); err != nil && ctx.Err() == nil {
					b.log.Warn("activity counts not written; trying again later", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
