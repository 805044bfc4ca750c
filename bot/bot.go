package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Deduplicator is implemented by transports on which posting the same Message.Nonce
// twice yields one message (Discord's enforce_nonce). The bot retries an interrupted
// reminder only on such a transport; elsewhere it prefers a lost reminder to a
// duplicate.
type Deduplicator interface {
	Deduplicates() bool
}

// Config is what a Bot is made of. Program, Clock, Store and Transport are
// required.
type Config struct {
	// Features are the bot's features, in the order /help lists their
	// commands. A command or button prefix that two features register is an
	// error, as is a feature whose Init finds what it needs missing.
	Features  []Feature
	Program   *Program
	Clock     Clock
	Store     Store
	Transport Transport
	Logger    *slog.Logger
	// Questions keeps panel questions; nil turns /ask and /questions off.
	Questions QuestionStore
	// Posters keeps poster channels' records; nil turns poster channels off.
	Posters PosterStore
	// NoEvents turns off the scheduled-events mirror even on a transport that can
	// do it: a rehearsal on a staging guild runs on a virtual clock in the past,
	// and Discord refuses events that start in the past.
	NoEvents bool
	// Instance is an id of the bot's database (sqlite.DB.InstanceID), put in
	// the nonces of the cards the bot edits later (questions, posters).
	// Discord answers a nonce it has seen (enforce_nonce) with the message it
	// already has: two bots with separate databases on one guild, both
	// posting card "q:1", would otherwise share one card and each edit the
	// other's. Empty: nonces without it.
	Instance string
}

// Bot runs the workshop: it posts reminders when they fall due and answers commands.
type Bot struct {
	clock Clock
	store Store
	out   Transport
	log   *slog.Logger
	qs    QuestionStore

	ps      PosterStore
	posters posterState // poster channels: the loop's requests and where posters live

	eventWake chan struct{} // the program changed: mirror it in the guild's scheduled events
	noEvents  bool          // Config.NoEvents
	instance  string        // Config.Instance
	reloader  *Reloader     // set by NewReloader: /workshop delay applies its edit through it

	mu      sync.Mutex
	prog    *Program
	upSince time.Time     // when Run started: reminders due before it were missed while down
	wake    chan struct{} // a new program or a finished post: look again now
	done    bool          // every reminder of the current program is decided

	announced *Program // the program whose changes were last announced (changes.go)

	subs subscribers // told of every change the dashboard shows (notify.go)

	activity activityCounter // counts for the figures, not yet in the store (activity.go)

	green greenRoom // the green room between steps (greenroom_run.go)

	remind remindState // /remindme's roles (remindme_roles.go)

	// The store's abilities that the features registered need, taken by
	// their Init: nil when the feature is not registered.
	announcedStore AnnouncedStore // NoticesFeature
	dmStore        DMStore        // RemindMeFeature
	roleStore      RoleStore      // RemindMeFeature
	greenStore     GreenStore     // GreenRoomFeature
	eventStore     EventStore     // EventsFeature

	features []Feature // Config.Features
	router   router    // their commands and buttons (feature.go)
}

// New returns a Bot ready to Run.
func New(cfg Config) (*Bot, error) {
	if cfg.Program == nil || cfg.Clock == nil || cfg.Store == nil || cfg.Transport == nil {
		return nil, errors.New("new bot: program, clock, store and transport are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt, err := newRouter(cfg.Features)
	if err != nil {
		return nil, err
	}
	b := &Bot{
		features: cfg.Features,
		router:   rt,
		clock:    cfg.Clock,
		store:    cfg.Store,
		out:      cfg.Transport,
		log:      log,
		prog:     cfg.Program,
		wake:     make(chan struct{}, 1),
		qs:       cfg.Questions,

		ps:      cfg.Posters,
		posters: newPosterState(),

		eventWake: make(chan struct{}, 1),
		noEvents:  cfg.NoEvents,
		instance:  cfg.Instance,

		green: newGreenRoom(),
	}
	for _, f := range cfg.Features {
		if f.Init == nil {
			continue
		}
		if err := f.Init(b); err != nil {
			return nil, fmt.Errorf("new bot: feature %s: %w", f.Name, err)
		}
	}
	return b, nil
}

// QuestionStore is Config.Questions: nil when questions are not collected.
func (b *Bot) QuestionStore() QuestionStore { return b.qs }

// Logger is the bot's logger, for its features.
func (b *Bot) Logger() *slog.Logger { return b.log }

// Clock is the bot's clock: features never read the wall clock for the
// workshop's time.
func (b *Bot) Clock() Clock { return b.clock }

// Transport is what the bot posts with.
func (b *Bot) Transport() Transport { return b.out }

// Changed tells the dashboard's subscribers that something it shows changed.
func (b *Bot) Changed() { b.changed() }

// CardNonce is the nonce of a card the bot edits later: nonce in this bot's
// database (Config.Instance).
func (b *Bot) CardNonce(nonce string) string { return b.cardNonce(nonce) }

// cardNonce is the nonce of a card the bot edits later: nonce in this
// bot's database (Config.Instance).
func (b *Bot) cardNonce(nonce string) string {
	if b.instance == "" || nonce == "" {
		return nonce
	}
	return b.instance + ":" + nonce
}

// Program is the program in force.
func (b *Bot) Program() *Program {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.prog
}

// SetProgram puts a new (validated) program in force; reminders follow it at once.
func (b *Bot) SetProgram(p *Program) {
	b.mu.Lock()
	b.prog = p
	b.done = false
	b.mu.Unlock()
	signal(b.wake)
	signal(b.eventWake)
	b.RequestPosterSync(false) // titles, sessions or presenters may have changed
	b.greenDirty(false)        // listed people or times may have changed
	b.changed()
}

// signal wakes the loop that waits on ch, without ever blocking: a wake-up already
// pending covers this one, since loops read the latest state when they wake.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Done reports whether every reminder of the program in force has been decided
// (posted, skipped or failed). A rehearsal ends there.
func (b *Bot) Done() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done
}

// RunOptions tune Run.
type RunOptions struct {
	// StopWhenDone makes Run return once every reminder is decided (rehearsals).
	StopWhenDone bool
}

// Run posts reminders as they fall due until ctx is done (or, with StopWhenDone,
// until the program has no reminder left). A post in flight when ctx ends is
// finished first, within a few seconds.
func (b *Bot) Run(ctx context.Context, opt RunOptions) error {
	b.mu.Lock()
	b.upSince = b.clock.Now()
	b.mu.Unlock()
	if err := b.recover(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while settling: the error is the cancellation itself
		}
		return err
	}
	defer b.runFeatures(ctx)()
	defer b.startActivity(ctx)()
	for {
		next, err := b.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopping: the error is the cancellation itself
			}
			return err
		}
		if next.IsZero() && opt.StopWhenDone {
			return nil
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = b.clock.After(next.Sub(b.clock.Now()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-timer:
		}
	}
}

// Step posts or skips what is due now and returns when to look again (zero: nothing
// left). It is Run's body, exported for tests that drive the clock themselves.
func (b *Bot) Step(ctx context.Context) (time.Time, error) {
	prog := b.Program()
	if err := b.announce(ctx, prog); err != nil {
		return time.Time{}, err
	}
	recs, err := b.records(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := b.clock.Now()
	b.mu.Lock()
	up := b.upSince
	b.mu.Unlock()
	d := Decide(Plan(prog.Schedule), recs, now, up, prog.Schedule.Reminders.CatchUp)
	for _, r := range d.Skip {
		rec := ReminderRecord{Key: r.Key, Due: r.Due, Status: StatusSkipped, Nonce: r.Nonce()}
		if err := b.store.PutReminder(ctx, rec); err != nil {
			return time.Time{}, fmt.Errorf("skip reminder %s: %w", keyString(r.Key), err)
		}
		b.log.Warn("reminder skipped: missed while down by more than the catch-up window, or its session is over",
			"session", r.Key.SessionID, "lead", r.Key.Lead, "due", r.Due, "late", now.Sub(r.Due))
		b.changed()
	}
	if err := b.postDue(ctx, prog, d, now); err != nil {
		return time.Time{}, err
	}
	next, sent := d.Next, len(d.Post)+len(d.Late) > 0
	for _, f := range b.features {
		if f.Step == nil {
			continue
		}
		fNext, fSent, err := f.Step(b, ctx, prog, up)
		if err != nil {
			return time.Time{}, err
		}
		next, sent = earliest(next, fNext), sent || fSent
	}
	b.mu.Lock()
	b.done = d.Next.IsZero() && b.prog == prog
	b.mu.Unlock()
	if sent {
		// Posting took time: look again at once rather than trusting d.Next.
		return b.clock.Now(), nil
	}
	return next, nil
}

// runFeatures starts the features' own loops; stop cancels them and waits
// for each to return.
func (b *Bot) runFeatures(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, f := range b.features {
		if f.Run != nil {
			wg.Go(func() { f.Run(b, ctx) })
		}
	}
	return func() { cancel(); wg.Wait() }
}

func (b *Bot) records(ctx context.Context) (map[ReminderKey]ReminderRecord, error) {
	list, err := b.store.Reminders(ctx)
	if err != nil {
		return nil, fmt.Errorf("read reminders: %w", err)
	}
	m := make(map[ReminderKey]ReminderRecord, len(list))
	for _, r := range list {
		m[r.Key] = r
	}
	return m, nil
}

// postDue posts the reminders of d that are due now: of each session only the
// shortest lead (the others are recorded as superseded), and the sessions due
// together bundled into as few messages as hold them.
func (b *Bot) postDue(ctx context.Context, prog *Program, d Decision, now time.Time) error {
	late := map[ReminderKey]bool{}
	for _, r := range d.Late {
		late[r.Key] = true
	}
	keep, superseded := Supersede(append(append([]Reminder{}, d.Late...), d.Post...))
	lead := maxLead(prog.Schedule.Reminders.Leads)
	pings := map[string]bool{} // sessions whose role-pinging reminder was superseded
	for _, r := range superseded {
		pings[r.Key.SessionID] = pings[r.Key.SessionID] || r.Key.Lead == lead
		rec := ReminderRecord{Key: r.Key, Due: r.Due, Status: StatusSuperseded, Nonce: r.Nonce()}
		if err := b.store.PutReminder(ctx, rec); err != nil {
			return fmt.Errorf("supersede reminder %s: %w", keyString(r.Key), err)
		}
		b.log.Info("reminder superseded: a shorter lead of its session is due at the same time",
			"session", r.Key.SessionID, "lead", r.Key.Lead, "due", r.Due)
		b.changed()
	}
	if len(keep) == 0 {
		return nil
	}
	prog = b.withPlaces(prog) // poster reminders link the poster channels
	parts := make([]ReminderPart, len(keep))
	for i, r := range keep {
		m := RenderReminder(prog, r, now, late[r.Key])
		m.PingRole = m.PingRole || pings[r.Key.SessionID]
		parts[i] = ReminderPart{Reminder: r, Late: late[r.Key], Message: m}
	}
	for _, bundle := range BundleReminders(parts) {
		if err := b.post(ctx, prog, bundle, now); err != nil {
			return err
		}
	}
	return nil
}

// post records the bundle's reminders as pending, posts it and records the
// outcome of each. Only a store error stops the bot: a transport failure is
// recorded and reported.
func (b *Bot) post(ctx context.Context, prog *Program, bundle ReminderBundle, now time.Time) error {
	msg := bundle.Message
	recs := make([]ReminderRecord, len(bundle.Parts))
	for i, p := range bundle.Parts {
		recs[i] = ReminderRecord{Key: p.Reminder.Key, Due: p.Reminder.Due, Status: StatusPending, Nonce: msg.Nonce}
		if err := b.store.PutReminder(ctx, recs[i]); err != nil {
			return fmt.Errorf("record reminder %s: %w", keyString(p.Reminder.Key), err)
		}
	}
	pctx, cancel := inFlight(ctx)
	defer cancel()
	posted, err := b.out.Post(pctx, msg)
	at := b.clock.Now()
	if err != nil {
		titles := make([]string, len(bundle.Parts))
		for i, p := range bundle.Parts {
			titles[i] = fmt.Sprintf("**%s** (%s before)", p.Reminder.Session.Title, p.Reminder.Key.Lead)
		}
		b.notifyModerators(pctx, fmt.Sprintf("⚠️ The reminder for %s could not be posted: %v", strings.Join(titles, ", "), err))
	}
	for i, p := range bundle.Parts {
		r, rec := p.Reminder, &recs[i]
		if err != nil {
			rec.Status, rec.Error = StatusFailed, err.Error()
			b.log.Error("reminder failed", "session", r.Key.SessionID, "lead", r.Key.Lead, "err", err)
		} else {
			rec.Status = StatusSent
			if p.Late {
				rec.Status = StatusLate
			}
			rec.PostedAt, rec.ChannelID, rec.MessageID = at, posted.ChannelID, posted.MessageID
			b.log.Info("reminder posted", "session", r.Key.SessionID, "lead", r.Key.Lead,
				"due", r.Due, "lateness", at.Sub(r.Due), "caught_up", p.Late, "bundled", len(bundle.Parts),
				"channel", posted.ChannelID, "message", posted.MessageID)
		}
		if err := b.store.PutReminder(pctx, *rec); err != nil {
			return fmt.Errorf("record reminder %s: %w", keyString(r.Key), err)
		}
	}
	b.changed()
	if err == nil {
		for _, p := range bundle.Parts {
			b.postPosterExtras(pctx, prog, p.Reminder, now, p.Late)
		}
	}
	return nil
}

// notifyModerators tells the moderators about something that went wrong; if even
// that fails, the log is all that is left.
func (b *Bot) notifyModerators(ctx context.Context, text string) {
	if _, err := b.out.Post(ctx, Message{Channel: ChannelModerators, Content: Truncate(text, MaxContent)}); err != nil {
		b.log.Error("notify moderators", "err", err, "text", text)
	}
}

// recover settles reminders left pending by a crash: retried with their nonce on a
// transport that deduplicates (and only within the catch-up window), otherwise
// recorded as unknown, since posting again could duplicate them.
func (b *Bot) recover(ctx context.Context) error {
	recs, err := b.store.Reminders(ctx)
	if err != nil {
		return fmt.Errorf("read reminders: %w", err)
	}
	dedup := false
	if d, ok := b.out.(Deduplicator); ok {
		dedup = d.Deduplicates()
	}
	for _, rec := range recs {
		if rec.Status != StatusPending {
			continue
		}
		if dedup {
			// Left pending: Step posts it again with the same nonce (or skips it
			// if the catch-up window has passed).
			b.log.Info("reminder interrupted by a restart: retrying with its nonce", "session", rec.Key.SessionID, "lead", rec.Key.Lead)
			continue
		}
		rec.Status = StatusUnknown
		rec.Error = "interrupted while posting; not retried, to avoid a duplicate"
		if err := b.store.PutReminder(ctx, rec); err != nil {
			return fmt.Errorf("settle reminder %s: %w", keyString(rec.Key), err)
		}
		b.log.Warn("reminder interrupted by a restart: it may or may not have been posted", "session", rec.Key.SessionID, "lead", rec.Key.Lead)
	}
	return b.recoverGreen(ctx, dedup)
}

func keyString(k ReminderKey) string {
	return fmt.Sprintf("%s/%s", k.SessionID, k.Lead)
}

// Bounds on a post in flight: in normal running, and once shutdown has begun.
const (
	postTimeout  = 30 * time.Second
	drainTimeout = 4 * time.Second
)

// InFlight is the context of one post: it outlives a shutdown request by a
// few seconds, so that stopping finishes the post in hand (and records it)
// without hanging on a Discord that does not answer.
func InFlight(ctx context.Context) (context.Context, context.CancelFunc) { return inFlight(ctx) }

// inFlight is the context of one post: it outlives a shutdown request by at most
// drainTimeout, so that stopping finishes the reminder in hand (and records it)
// without hanging on a Discord that does not answer.
func inFlight(ctx context.Context) (context.Context, context.CancelFunc) {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(drainTimeout, cancel)
		context.AfterFunc(pctx, func() { t.Stop() })
	})
	return pctx, func() { stop(); cancel() }
}
