package bot

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Figures are the day in numbers: what the report after the event shows
// (bot/report, `workshopbot report`) and the dashboard's Figures page. They are
// counts only. No asker, voter or member is named or identified: the only names
// are the speakers' and the posters' authors', as schedule.yaml and posters.csv
// list them, and the only text is the program's and that of the questions
// attendees were shown (never one waiting for approval or dismissed).
type Figures struct {
	Workshop  string    `json:"workshop"`
	ShortName string    `json:"short_name"`
	TimeZone  string    `json:"timezone"`
	Generated time.Time `json:"generated"` // the bot's clock when the figures were read

	Summary   FigureSummary    `json:"summary"`
	Sessions  []SessionFigure  `json:"sessions"`  // every session of the program, in order
	Members   []MemberPoint    `json:"members"`   // per window of ActivityBucket, in order
	Questions []TopQuestion    `json:"questions"` // the most voted questions, at most TopQuestions
	Posters   []PosterFigure   `json:"posters"`   // by poster session, then as in posters.csv
	Channels  []ChannelSeries  `json:"channels"`  // messages per window: announcements, questions, all posters
	Reminders []ReminderFigure `json:"reminders"` // every decided reminder, by due time
}

// TopQuestions is how many questions the figures list.
const TopQuestions = 10

// FigureSummary is the table at the top of the report.
type FigureSummary struct {
	MembersKnown bool `json:"members_known"` // the chat service told the member count
	MembersStart int  `json:"members_start"` // at the first window counted
	MembersEnd   int  `json:"members_end"`   // at the last
	MembersPeak  int  `json:"members_peak"`
	Joins        int  `json:"joins"`
	Leaves       int  `json:"leaves"`

	Messages       int `json:"messages"`        // in the counted channels
	PosterMessages int `json:"poster_messages"` // of which in poster channels

	Questions int `json:"questions"` // asked
	// Approved are the questions attendees were shown and that were not
	// dismissed: open, on stage or answered.
	Approved  int `json:"approved"`
	Answered  int `json:"answered"`
	Dismissed int `json:"dismissed"`
	Waiting   int `json:"waiting"` // still waiting for approval
	Votes     int `json:"votes"`   // on questions that were not dismissed

	RemindersOnTime  int     `json:"reminders_on_time"`
	RemindersLate    int     `json:"reminders_late"`
	RemindersSkipped int     `json:"reminders_skipped"`
	RemindersFailed  int     `json:"reminders_failed"`  // failed, or unknown after a crash
	LatenessMedian   float64 `json:"lateness_median_s"` // of the reminders posted, in seconds
	LatenessMax      float64 `json:"lateness_max_s"`

	DMsSent    int `json:"dms_sent"`
	DMsRefused int `json:"dms_refused"` // the user's DMs were closed, or the send failed
	DMsSkipped int `json:"dms_skipped"`

	Posters          int `json:"posters"`
	PostersCheckedIn int `json:"posters_checked_in"` // a presenter ran /poster here
}

// SessionFigure is one session: its time (the report draws it as a band) and
// the questions asked for it.
type SessionFigure struct {
	ID       string                 `json:"id"`
	Title    string                 `json:"title"`
	Kind     Kind                   `json:"kind"`
	Speakers []string               `json:"speakers,omitempty"`
	Start    time.Time              `json:"start"`
	End      time.Time              `json:"end"`
	Asked    int                    `json:"asked"`
	Approved int                    `json:"approved"` // as in FigureSummary
	ByStatus map[QuestionStatus]int `json:"by_status"`
	Votes    int                    `json:"votes"`
}

// TakesQuestions reports whether the questions chart shows s: a panel, or a
// session someone asked a question for.
func (s SessionFigure) TakesQuestions() bool { return s.Kind == KindPanel || s.Asked > 0 }

// MemberPoint is the guild's membership at the end of one window.
type MemberPoint struct {
	At      time.Time `json:"at"` // the window's end
	Joins   int       `json:"joins"`
	Leaves  int       `json:"leaves"`
	Members int       `json:"members"`
	Known   bool      `json:"known"` // Members is the chat service's count, not only joins less leaves
}

// TopQuestion is one of the most voted questions. It says nothing of who asked.
type TopQuestion struct {
	ID      int64          `json:"id"`
	Session string         `json:"session"` // the session's title
	Text    string         `json:"text"`
	Votes   int            `json:"votes"`
	Status  QuestionStatus `json:"status"`
}

// PosterFigure is one poster and the activity in its channel.
type PosterFigure struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Authors   []string `json:"authors,omitempty"`
	Session   int      `json:"session"` // the poster session number
	Messages  int      `json:"messages"`
	CheckedIn bool     `json:"checked_in"`
}

// ChannelSeries is the messages of one channel (or of all poster channels) per
// window, with windows that had none left out.
type ChannelSeries struct {
	Channel string         `json:"channel"` // ChannelAnnouncements, ChannelQuestions or "posters"
	Counts  []MessageCount `json:"counts"`
}

// ChannelPosters names the series of all poster channels together.
const ChannelPosters = "posters"

// ReminderFigure is one decided reminder.
type ReminderFigure struct {
	SessionID string         `json:"session_id"`
	Title     string         `json:"title"`
	Lead      string         `json:"lead"`
	Due       time.Time      `json:"due"`
	Status    ReminderStatus `json:"status"`
	PostedAt  time.Time      `json:"posted_at,omitzero"`
	Lateness  float64        `json:"lateness_s"` // PostedAt less Due, in seconds; 0 if not posted
}

// Posted reports whether the reminder went out.
func (r ReminderFigure) Posted() bool { return r.Status == StatusSent || r.Status == StatusLate }

// FigureSource is what the figures are read from. bot/sqlite's DB implements
// it, opened by the running bot or read-only on a copy.
type FigureSource interface {
	Store
	Questions(ctx context.Context, f QuestionFilter) ([]Question, error)
	DMRecords(ctx context.Context) ([]DMRecord, error)
	PosterRecords(ctx context.Context) ([]PosterRecord, error)
	Activity(ctx context.Context) (ActivityCounts, error)
}

// ReadFigures reads what src holds and computes the figures of prog at now.
func ReadFigures(ctx context.Context, prog *Program, src FigureSource, now time.Time) (Figures, error) {
	var in FigureInput
	var err error
	if in.Questions, err = src.Questions(ctx, QuestionFilter{}); err != nil {
		return Figures{}, fmt.Errorf("figures: %w", err)
	}
	if in.Reminders, err = src.Reminders(ctx); err != nil {
		return Figures{}, fmt.Errorf("figures: %w", err)
	}
	if in.DMs, err = src.DMRecords(ctx); err != nil {
		return Figures{}, fmt.Errorf("figures: %w", err)
	}
	if in.Posters, err = src.PosterRecords(ctx); err != nil {
		return Figures{}, fmt.Errorf("figures: %w", err)
	}
	if in.Activity, err = src.Activity(ctx); err != nil {
		return Figures{}, fmt.Errorf("figures: %w", err)
	}
	return ComputeFigures(prog, in, now), nil
}

// Figures reads the figures of the program in force from the bot's store,
// counts not yet flushed included.
func (b *Bot) Figures(ctx context.Context) (Figures, error) {
	src, ok := b.store.(FigureSource)
	if !ok {
		return Figures{}, fmt.Errorf("figures: the store (%T) keeps no figures", b.store)
	}
	if err := b.FlushActivity(ctx); err != nil {
		b.log.Warn("figures without the latest counts", "err", err)
	}
	return ReadFigures(ctx, b.Program(), src, b.clock.Now())
}

// FigureInput is everything the figures are computed from.
type FigureInput struct {
	Questions []Question
	Reminders []ReminderRecord
	DMs       []DMRecord
	Posters   []PosterRecord
	Activity  ActivityCounts
}

// ComputeFigures is the pure computation of the figures.
func ComputeFigures(prog *Program, in FigureInput, now time.Time) Figures {
	s := prog.Schedule
	f := Figures{
		Workshop: s.Workshop.Name, ShortName: s.Workshop.ShortName, TimeZone: s.Workshop.Location.String(),
		Generated: now,
		Sessions:  []SessionFigure{}, Members: []MemberPoint{}, Questions: []TopQuestion{},
		Posters: []PosterFigure{}, Channels: []ChannelSeries{}, Reminders: []ReminderFigure{},
	}
	titles := map[string]string{}
	for _, sess := range s.Sessions {
		titles[sess.ID] = sess.Title
	}
	f.addSessions(s, in.Questions, titles)
	f.addMembers(in.Activity)
	f.addPosters(prog, in.Posters, in.Activity)
	f.addReminders(in.Reminders, titles)
	f.addDMs(in.DMs)
	return f
}

// addSessions counts the sessions' questions, and picks the top ones.
func (f *Figures) addSessions(s *Schedule, questions []Question, titles map[string]string) {
	sum := &f.Summary
	bySession := map[string]int{}
	for _, sess := range s.Sessions {
		bySession[sess.ID] = len(f.Sessions)
		f.Sessions = append(f.Sessions, SessionFigure{ID: sess.ID, Title: sess.Title, Kind: sess.Kind, Speakers: sess.Speakers,
			Start: sess.Start, End: sess.End, ByStatus: map[QuestionStatus]int{}})
	}
	var shown []Question
	for _, q := range questions {
		i, ok := bySession[q.SessionID]
		if !ok { // a session since removed from the program
			i = len(f.Sessions)
			bySession[q.SessionID] = i
			f.Sessions = append(f.Sessions, SessionFigure{ID: q.SessionID, Title: q.SessionID, Kind: KindOther, ByStatus: map[QuestionStatus]int{}})
		}
		sf := &f.Sessions[i]
		sf.Asked++
		sf.ByStatus[q.Status]++
		sum.Questions++
		switch q.Status {
		case QuestionOpen, QuestionOnStage, QuestionAnswered:
			sf.Approved++
			sf.Votes += q.Votes
			sum.Approved++
			sum.Votes += q.Votes
			shown = append(shown, q)
		case QuestionWaiting:
			sum.Waiting++
		}
		switch q.Status {
		case QuestionAnswered:
			sum.Answered++
		case QuestionDismissed:
			sum.Dismissed++
		}
	}
	slices.SortStableFunc(shown, func(a, b Question) int {
		return cmp.Or(cmp.Compare(b.Votes, a.Votes), a.AskedAt.Compare(b.AskedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, q := range shown[:min(len(shown), TopQuestions)] {
		title := titles[q.SessionID]
		if title == "" {
			title = q.SessionID
		}
		f.Questions = append(f.Questions, TopQuestion{ID: q.ID, Session: title, Text: q.Text, Votes: q.Votes, Status: q.Status})
	}
}

// addMembers draws the members over time.
func (f *Figures) addMembers(activity ActivityCounts) {
	sum := &f.Summary
	for i, m := range activity.Members {
		p := MemberPoint{At: m.Bucket.Add(ActivityBucket), Joins: m.Joins, Leaves: m.Leaves, Members: m.Members, Known: m.Known}
		sum.Joins += m.Joins
		sum.Leaves += m.Leaves
		if !p.Known { // carry the count on from the window before (none: from 0)
			base, known := 0, false
			if i > 0 {
				base, known = f.Members[i-1].Members, f.Members[i-1].Known
			}
			p.Members, p.Known = max(0, base+m.Joins-m.Leaves), known
		}
		f.Members = append(f.Members, p)
		if p.Known {
			if !sum.MembersKnown {
				sum.MembersKnown, sum.MembersStart = true, p.Members-m.Joins+m.Leaves
			}
			sum.MembersEnd = p.Members
			sum.MembersPeak = max(sum.MembersPeak, p.Members, sum.MembersStart)
		}
	}
}

// addPosters counts the messages of each poster channel, and of the bot's
// channels over time.
func (f *Figures) addPosters(prog *Program, posters []PosterRecord, activity ActivityCounts) {
	sum := &f.Summary
	channelOf := map[string]string{} // channel id -> poster id
	checked := map[string]bool{}
	for _, r := range posters {
		if r.ChannelID != "" {
			channelOf[r.ChannelID] = r.PosterID
		}
		checked[r.PosterID] = !r.HereAt.IsZero()
	}
	perPoster := map[string]int{}
	series := map[string]map[time.Time]int{}
	add := func(channel string, m MessageCount) {
		if series[channel] == nil {
			series[channel] = map[time.Time]int{}
		}
		series[channel][m.Bucket] += m.Messages
	}
	for _, m := range activity.Messages {
		sum.Messages += m.Messages
		if id, ok := channelOf[m.Channel]; ok {
			perPoster[id] += m.Messages
			sum.PosterMessages += m.Messages
			add(ChannelPosters, m)
			continue
		}
		add(m.Channel, m)
	}
	for _, p := range prog.Posters {
		f.Posters = append(f.Posters, PosterFigure{ID: p.ID, Title: p.Title, Authors: p.Authors, Session: p.Session,
			Messages: perPoster[p.ID], CheckedIn: checked[p.ID]})
		if checked[p.ID] {
			sum.PostersCheckedIn++
		}
	}
	sum.Posters = len(prog.Posters)
	slices.SortStableFunc(f.Posters, func(a, b PosterFigure) int { return cmp.Compare(a.Session, b.Session) })
	for _, ch := range []string{ChannelAnnouncements, ChannelQuestions, ChannelPosters} {
		cs := ChannelSeries{Channel: ch, Counts: []MessageCount{}}
		for _, t := range slices.SortedFunc(maps.Keys(series[ch]), time.Time.Compare) {
			cs.Counts = append(cs.Counts, MessageCount{Channel: ch, Bucket: t, Messages: series[ch][t]})
		}
		f.Channels = append(f.Channels, cs)
	}
}

// addReminders lists the decided reminders, with their lateness.
func (f *Figures) addReminders(reminders []ReminderRecord, titles map[string]string) {
	sum := &f.Summary
	var late []float64
	for _, r := range reminders {
		rf := ReminderFigure{SessionID: r.Key.SessionID, Title: titles[r.Key.SessionID], Lead: r.Key.Lead.String(),
			Due: r.Due, Status: r.Status, PostedAt: r.PostedAt}
		if rf.Title == "" {
			rf.Title = r.Key.SessionID
		}
		switch r.Status {
		case StatusSent:
			sum.RemindersOnTime++
		case StatusLate:
			sum.RemindersLate++
		case StatusSkipped:
			sum.RemindersSkipped++
		case StatusFailed, StatusUnknown:
			sum.RemindersFailed++
		case StatusPending:
			continue // not decided yet
		}
		if rf.Posted() && !r.PostedAt.IsZero() {
			rf.Lateness = max(0, r.PostedAt.Sub(r.Due).Seconds())
			late = append(late, rf.Lateness)
		}
		f.Reminders = append(f.Reminders, rf)
	}
	if len(late) > 0 {
		slices.Sort(late)
		sum.LatenessMedian, sum.LatenessMax = late[len(late)/2], late[len(late)-1]
	}
}

// addDMs counts the direct messages by outcome.
func (f *Figures) addDMs(dms []DMRecord) {
	sum := &f.Summary
	for _, d := range dms {
		switch d.Status {
		case StatusSent:
			sum.DMsSent++
		case StatusFailed:
			sum.DMsRefused++
		case StatusSkipped:
			sum.DMsSkipped++
		}
	}
}

// SafeCell keeps a spreadsheet from reading a CSV cell as a formula, as the
// questions export does: for the report's CSV files (bot/report).
func SafeCell(cell string) string { return defuse(cell) }
