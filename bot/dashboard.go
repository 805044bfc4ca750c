package bot

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Overview is the day as the organizers' dashboard and the livestream overlay
// show it (bot/web): the program with the bot's clock, the reminder log, the
// question queue and the poster channels. It holds only what attendees can see
// on the chat service already: anonymous askers stay anonymous, and questions
// waiting for approval are counted, not shown.
type Overview struct {
	Workshop  string    `json:"workshop"`
	ShortName string    `json:"short_name"`
	TimeZone  string    `json:"timezone"` // IANA name of the workshop's time zone
	Now       time.Time `json:"now"`      // the bot's clock when the snapshot was taken
	// Speed is how many of the bot's seconds pass per real second (1 on the day,
	// more in a rehearsal), so that a page can run the countdowns on by itself.
	Speed    float64           `json:"speed"`
	Sessions []OverviewSession `json:"sessions"`
	Live     *OverviewSession  `json:"live,omitempty"` // the session running at Now
	Next     *OverviewSession  `json:"next,omitempty"` // the next session to start after Now

	Reminders      []ReminderEntry        `json:"reminders"` // due first
	ReminderCounts map[ReminderStatus]int `json:"reminder_counts"`

	QuestionsOn    bool                   `json:"questions_on"` // the bot collects questions
	Questions      []QuestionEntry        `json:"questions"`    // on stage first, then open by votes
	OnStage        *QuestionEntry         `json:"on_stage,omitempty"`
	QuestionCounts map[QuestionStatus]int `json:"question_counts"`

	Posters PosterStatus `json:"posters"`

	// GreenRoom is who of the next sessions' speakers and chairs has checked
	// in (greenroom_run.go); empty when no session lists anyone.
	GreenRoom []GreenEntry `json:"green_room"`
}

// OverviewSession is one session of the program.
type OverviewSession struct {
	ID       string    `json:"id"`
	Kind     Kind      `json:"kind"`
	Title    string    `json:"title"`
	Speakers []string  `json:"speakers,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// ReminderEntry is one line of the reminder log.
type ReminderEntry struct {
	SessionID string         `json:"session_id"`
	Title     string         `json:"title"`
	Lead      string         `json:"lead"` // "15m0s"; "0s" is the reminder at the start
	Due       time.Time      `json:"due"`
	Status    ReminderStatus `json:"status"` // "planned" if not decided yet
	PostedAt  time.Time      `json:"posted_at,omitzero"`
	Link      string         `json:"link,omitempty"` // the posted message, where the chat service has URLs
	Error     string         `json:"error,omitempty"`
}

// StatusPlanned is the status a reminder entry shows before the bot decided it.
const StatusPlanned ReminderStatus = "planned"

// QuestionEntry is a question as the dashboard lists it.
type QuestionEntry struct {
	ID        int64          `json:"id"`
	Session   string         `json:"session"` // the session's title
	Text      string         `json:"text"`
	Asker     string         `json:"asker"` // "anonymous" when asked so
	Votes     int            `json:"votes"`
	Status    QuestionStatus `json:"status"`
	AskedAt   time.Time      `json:"asked_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// PosterStatus says how far the poster channels are set up.
type PosterStatus struct {
	// Enabled is false when the transport cannot hold poster channels (the
	// console) or no poster store was given.
	Enabled bool `json:"enabled"`
	Posters int  `json:"posters"` // posters in posters.csv
	Placed  int  `json:"placed"`  // posters whose channel the last sync found or made
}

// MessageLink turns where a message landed into a URL a browser opens; nil (or
// an empty result) shows no link.
type MessageLink func(channelID, messageID string) string

// Overview reads the state the dashboard shows. link, if not nil, makes the
// reminder log's links.
func (b *Bot) Overview(ctx context.Context, link MessageLink) (Overview, error) {
	prog := b.Program()
	s := prog.Schedule
	now := b.clock.Now()
	snap := Overview{
		Workshop: s.Workshop.Name, ShortName: s.Workshop.ShortName, TimeZone: s.Workshop.Location.String(),
		Now: now, Speed: 1,
		ReminderCounts: map[ReminderStatus]int{}, QuestionCounts: map[QuestionStatus]int{},
		Reminders: []ReminderEntry{}, Questions: []QuestionEntry{}, Sessions: []OverviewSession{},
	}
	if sc, ok := b.clock.(interface{ Speed() float64 }); ok {
		snap.Speed = sc.Speed()
	}
	for _, sess := range s.Sessions {
		e := OverviewSession{ID: sess.ID, Kind: sess.Kind, Title: sess.Title, Speakers: sess.Speakers, Start: sess.Start, End: sess.End}
		snap.Sessions = append(snap.Sessions, e)
		if snap.Live == nil && !now.Before(sess.Start) && now.Before(sess.End) {
			snap.Live = &e
		}
		if snap.Next == nil && sess.Start.After(now) {
			snap.Next = &e
		}
	}

	recs, err := b.records(ctx)
	if err != nil {
		return Overview{}, fmt.Errorf("overview: %w", err)
	}
	for _, r := range Plan(s) {
		e := ReminderEntry{SessionID: r.Key.SessionID, Title: r.Session.Title, Lead: r.Key.Lead.String(), Due: r.Due, Status: StatusPlanned}
		if rec, ok := recs[r.Key]; ok {
			e.Status, e.PostedAt, e.Error = rec.Status, rec.PostedAt, rec.Error
			if link != nil && rec.MessageID != "" {
				e.Link = link(rec.ChannelID, rec.MessageID)
			}
		}
		snap.ReminderCounts[e.Status]++
		snap.Reminders = append(snap.Reminders, e)
	}

	if b.qs != nil {
		if err := b.overviewQuestions(ctx, s, &snap); err != nil {
			return Overview{}, err
		}
	}

	snap.Posters = b.posterStatus(prog)
	if snap.GreenRoom, err = b.greenOverview(ctx, prog, now); err != nil {
		return Overview{}, fmt.Errorf("overview: %w", err)
	}
	if snap.GreenRoom == nil {
		snap.GreenRoom = []GreenEntry{}
	}
	return snap, nil
}

// overviewQuestions adds the questions to snap: the counts, the queue, and
// what is on stage.
func (b *Bot) overviewQuestions(ctx context.Context, s *Schedule, snap *Overview) error {
	snap.QuestionsOn = true
	qs, err := b.qs.Questions(ctx, QuestionFilter{})
	if err != nil {
		return fmt.Errorf("overview: read questions: %w", err)
	}
	for _, q := range qs { // top-voted first, oldest first among equals
		snap.QuestionCounts[q.Status]++
		if q.Status != QuestionOpen && q.Status != QuestionOnStage {
			continue
		}
		snap.Questions = append(snap.Questions, QuestionEntry{
			ID: q.ID, Session: sessionTitle(s, q.SessionID), Text: q.Text, Asker: askerLabel(q, false),
			Votes: q.Votes, Status: q.Status, AskedAt: q.AskedAt, UpdatedAt: q.UpdatedAt,
		})
	}
	// On stage first (the latest pulled on top), then the queue as stored.
	slices.SortStableFunc(snap.Questions, func(x, y QuestionEntry) int {
		xs, ys := x.Status == QuestionOnStage, y.Status == QuestionOnStage
		switch {
		case xs && ys:
			return y.UpdatedAt.Compare(x.UpdatedAt)
		case xs:
			return -1
		case ys:
			return 1
		}
		return 0
	})
	if len(snap.Questions) > 0 && snap.Questions[0].Status == QuestionOnStage {
		q := snap.Questions[0]
		snap.OnStage = &q
	}
	return nil
}

// posterStatus reads how many posters the last poster sync placed.
func (b *Bot) posterStatus(prog *Program) PosterStatus {
	_, guild := b.out.(PosterGuild)
	st := PosterStatus{Enabled: guild && b.ps != nil, Posters: len(prog.Posters)}
	b.posters.mu.Lock()
	places := b.posters.places
	b.posters.mu.Unlock()
	for _, p := range prog.Posters {
		if pl, ok := places[p.ID]; ok && pl.ChannelID != "" {
			st.Placed++
		}
	}
	return st
}

// DashboardUser is who the dashboard's actions run as: a moderator of prog, so
// that a button on the dashboard goes through Handle exactly as the slash
// command does, with the same checks and replies.
func DashboardUser(prog *Program) User {
	return User{ID: "dashboard", Name: "dashboard", Roles: []string{prog.Schedule.Discord.Moderators}}
}
