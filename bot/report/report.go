// Package report turns the bot's figures (bot.Figures) into what organizers
// hand to the conference and the venue after the event: one self-contained
// HTML page with a summary table and SVG charts (drawn with gonum.org/v1/plot),
// the same figures as JSON, and one CSV per table. The dashboard's Figures page
// (bot/web) is the same page, refreshed as the day goes on.
//
// It reads nothing itself: main hands it figures read from the database. It
// must never import bot/discord, bot/sqlite or bot/web.
package report

import (
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"workshopbot/bot"
)

// Options change how the HTML page is made.
type Options struct {
	// Stylesheet, if set, is linked instead of the style being written into the
	// page (a page served under a Content-Security-Policy without inline styles).
	Stylesheet string
	// Refresh, if set, makes a browser reload the page this often.
	Refresh time.Duration
	// Back, if set, is a link back (to the dashboard).
	Back string
}

// CSS is the page's style, written into the page or served as Options.Stylesheet.
//
//go:embed report.css
var CSS string

//go:embed report.html
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"clock": func(t time.Time, loc *time.Location) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("15:04")
	},
	"stamp":   func(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") },
	"seconds": func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) },
	"join":    strings.Join,
	"status":  func(m map[bot.QuestionStatus]int, s string) int { return m[bot.QuestionStatus(s)] },
	"css":     func(s string) template.CSS { return template.CSS(s) },
}).Parse(pageSource))

// pageData is what report.html is given.
type pageData struct {
	F        bot.Figures
	Loc      *time.Location
	Charts   []chartData
	Opt      Options
	Refresh  int // seconds
	CSS      string
	Summary  []kv
	Statuses []string
}

type chartData struct {
	Chart
	Src template.URL // the SVG as a data: URL
}

// WriteHTML writes the report page of f to w. The charts are SVG images in
// data: URLs, so the file opens anywhere, with no network.
func WriteHTML(w io.Writer, f bot.Figures, opt Options) error {
	loc, err := time.LoadLocation(f.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	charts, err := Charts(f, loc)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	d := pageData{F: f, Loc: loc, Opt: opt, Refresh: int(opt.Refresh.Seconds()), Summary: summaryRows(f.Summary)}
	if opt.Stylesheet == "" {
		d.CSS = CSS
	}
	for _, st := range statusOrder {
		d.Statuses = append(d.Statuses, string(st))
	}
	for _, c := range charts {
		// A data: URL the template's escaper lets through: made here from bytes
		// gonum wrote, never from text a user typed.
		src := template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(c.SVG))
		d.Charts = append(d.Charts, chartData{Chart: c, Src: src})
	}
	if err := page.Execute(w, d); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	return nil
}

// WriteJSON writes f as indented JSON.
func WriteJSON(w io.Writer, f bot.Figures) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	if err := e.Encode(f); err != nil {
		return fmt.Errorf("report: write JSON: %w", err)
	}
	return nil
}

// Table is one table of the figures, for CSV.
type Table struct {
	Name string // the file name without .csv
	Rows [][]string
}

// Tables are the figures as tables, a header row first: summary, sessions,
// members, questions, posters, channels, reminders.
func Tables(f bot.Figures) []Table {
	itoa := strconv.Itoa
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	s := f.Summary
	summary := Table{Name: "summary", Rows: [][]string{{"figure", "value"}}}
	for _, kv := range summaryRows(s) {
		summary.Rows = append(summary.Rows, []string{kv.Name, kv.Value})
	}
	sessions := Table{Name: "sessions", Rows: [][]string{{"session", "title", "kind", "speakers", "start", "end", "asked", "approved",
		"answered", "onstage", "open", "waiting", "dismissed", "votes"}}}
	for _, x := range f.Sessions {
		sessions.Rows = append(sessions.Rows, []string{x.ID, x.Title, string(x.Kind), strings.Join(x.Speakers, "; "), ts(x.Start), ts(x.End),
			itoa(x.Asked), itoa(x.Approved), itoa(x.ByStatus[bot.QuestionAnswered]), itoa(x.ByStatus[bot.QuestionOnStage]),
			itoa(x.ByStatus[bot.QuestionOpen]), itoa(x.ByStatus[bot.QuestionWaiting]), itoa(x.ByStatus[bot.QuestionDismissed]), itoa(x.Votes)})
	}
	members := Table{Name: "members", Rows: [][]string{{"at", "joins", "leaves", "members", "known"}}}
	for _, m := range f.Members {
		members.Rows = append(members.Rows, []string{ts(m.At), itoa(m.Joins), itoa(m.Leaves), itoa(m.Members), strconv.FormatBool(m.Known)})
	}
	questions := Table{Name: "questions", Rows: [][]string{{"question", "session", "votes", "status", "text"}}}
	for _, q := range f.Questions {
		questions.Rows = append(questions.Rows, []string{"Q" + strconv.FormatInt(q.ID, 10), q.Session, itoa(q.Votes), string(q.Status), q.Text})
	}
	posters := Table{Name: "posters", Rows: [][]string{{"poster", "poster_session", "title", "authors", "messages", "checked_in"}}}
	for _, p := range f.Posters {
		posters.Rows = append(posters.Rows, []string{p.ID, itoa(p.Session), p.Title, strings.Join(p.Authors, "; "), itoa(p.Messages), strconv.FormatBool(p.CheckedIn)})
	}
	channels := Table{Name: "channels", Rows: [][]string{{"channel", "window_start", "messages"}}}
	for _, c := range f.Channels {
		for _, m := range c.Counts {
			channels.Rows = append(channels.Rows, []string{c.Channel, ts(m.Bucket), itoa(m.Messages)})
		}
	}
	reminders := Table{Name: "reminders", Rows: [][]string{{"session", "title", "lead", "due", "status", "posted", "lateness_s"}}}
	for _, r := range f.Reminders {
		reminders.Rows = append(reminders.Rows, []string{r.SessionID, r.Title, r.Lead, ts(r.Due), string(r.Status), ts(r.PostedAt),
			strconv.FormatFloat(r.Lateness, 'f', 3, 64)})
	}
	return []Table{summary, sessions, members, questions, posters, channels, reminders}
}

// WriteCSV writes t as CSV. Cells that a spreadsheet would take for a formula
// are prefixed with a quote, as the questions export does.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	for _, row := range t.Rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = bot.SafeCell(c)
		}
		if err := cw.Write(out); err != nil {
			return fmt.Errorf("report: write %s.csv: %w", t.Name, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write %s.csv: %w", t.Name, err)
	}
	return nil
}

// kv is one row of the summary table.
type kv struct{ Name, Value string }

// summaryRows is the summary table, in the order the page and summary.csv show it.
func summaryRows(s bot.FigureSummary) []kv {
	itoa := strconv.Itoa
	sec := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	rows := []kv{}
	if s.MembersKnown {
		rows = append(rows, kv{"members at the start", itoa(s.MembersStart)}, kv{"members at the end", itoa(s.MembersEnd)}, kv{"members at the peak", itoa(s.MembersPeak)})
	}
	return append(rows,
		kv{"joined", itoa(s.Joins)},
		kv{"left", itoa(s.Leaves)},
		kv{"messages (announcements, questions, posters)", itoa(s.Messages)},
		kv{"messages in poster channels", itoa(s.PosterMessages)},
		kv{"questions asked", itoa(s.Questions)},
		kv{"questions approved", itoa(s.Approved)},
		kv{"questions answered", itoa(s.Answered)},
		kv{"questions dismissed", itoa(s.Dismissed)},
		kv{"questions still waiting for approval", itoa(s.Waiting)},
		kv{"votes", itoa(s.Votes)},
		kv{"reminders on time", itoa(s.RemindersOnTime)},
		kv{"reminders late", itoa(s.RemindersLate)},
		kv{"reminders skipped", itoa(s.RemindersSkipped)},
		kv{"reminders failed", itoa(s.RemindersFailed)},
		kv{"reminder lateness, median (s)", sec(s.LatenessMedian)},
		kv{"reminder lateness, worst (s)", sec(s.LatenessMax)},
		kv{"direct messages sent", itoa(s.DMsSent)},
		kv{"direct messages refused", itoa(s.DMsRefused)},
		kv{"direct messages skipped", itoa(s.DMsSkipped)},
		kv{"posters", itoa(s.Posters)},
		kv{"posters whose presenter checked in", itoa(s.PostersCheckedIn)},
	)
}
