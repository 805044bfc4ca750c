package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

// day builds a program of known shape and what the bot stored about it: 5
// sessions (one a break, two panels), 7 posters in 2 poster sessions, 9
// questions, 6 reminders.
func day(t *testing.T) bot.Figures {
	t.Helper()
	at := func(h, m int) time.Time { return time.Date(2026, 6, 12, h, m, 0, 0, time.UTC) }
	sched := &bot.Schedule{
		Workshop: bot.Workshop{Name: "Test Workshop", ShortName: "TW", Location: time.UTC, Date: at(0, 0)},
		Sessions: []bot.Session{
			{ID: "talk", Kind: bot.KindInvited, Title: "A talk", Speakers: []string{"Ada Lovelace"}, Start: at(9, 0), End: at(9, 45)},
			{ID: "panel-1", Kind: bot.KindPanel, Title: "Morning panel", Start: at(9, 45), End: at(10, 30)},
			{ID: "break", Kind: bot.KindBreak, Title: "Coffee", Start: at(10, 30), End: at(11, 0)},
			{ID: "posters-1", Kind: bot.KindPosters, Title: "Posters", PosterSession: 1, Start: at(11, 0), End: at(12, 0)},
			{ID: "panel-2", Kind: bot.KindPanel, Title: "Closing panel", Start: at(12, 0), End: at(13, 0)},
		},
	}
	var posters []bot.Poster
	for i := range 7 {
		posters = append(posters, bot.Poster{ID: fmt.Sprintf("P%d", i+1), Session: 1 + i/4, Title: fmt.Sprintf("Poster %d", i+1), Authors: []string{"An Author"}})
	}
	prog := &bot.Program{Schedule: sched, Posters: posters}
	var in bot.FigureInput
	statuses := []bot.QuestionStatus{bot.QuestionAnswered, bot.QuestionAnswered, bot.QuestionOpen, bot.QuestionDismissed, bot.QuestionWaiting, bot.QuestionOnStage}
	for i, st := range statuses {
		in.Questions = append(in.Questions, bot.Question{ID: int64(i + 1), SessionID: "panel-1", Text: fmt.Sprintf("Question %d?", i+1),
			AskerID: fmt.Sprintf("u%d", i), AskerName: fmt.Sprintf("secret-name-%d", i), Anonymous: i%2 == 0, Status: st, Votes: i, AskedAt: at(9, 50+i)})
	}
	for i := range 3 {
		in.Questions = append(in.Questions, bot.Question{ID: int64(10 + i), SessionID: "talk", Text: "About the talk?", AskerID: "u9",
			AskerName: "secret-name-9", Status: bot.QuestionOpen, Votes: 10 + i, AskedAt: at(9, 10+i)})
	}
	for i, st := range []bot.ReminderStatus{bot.StatusSent, bot.StatusSent, bot.StatusLate, bot.StatusSkipped, bot.StatusFailed, bot.StatusSent} {
		due := at(9, 10*i)
		r := bot.ReminderRecord{Key: bot.ReminderKey{SessionID: "talk", Lead: time.Duration(i) * time.Minute}, Due: due, Status: st}
		if st == bot.StatusSent || st == bot.StatusLate {
			r.PostedAt = due.Add(time.Duration(i+1) * time.Second)
		}
		in.Reminders = append(in.Reminders, r)
	}
	in.Posters = []bot.PosterRecord{{PosterID: "P1", ChannelID: "c1", HereAt: at(11, 2)}, {PosterID: "P5", ChannelID: "c5"}}
	in.Activity = bot.ActivityCounts{
		Messages: []bot.MessageCount{
			{Channel: "c1", Bucket: at(11, 0), Messages: 4}, {Channel: "c5", Bucket: at(11, 10), Messages: 2},
			{Channel: bot.ChannelQuestions, Bucket: at(9, 50), Messages: 3},
		},
		Members: []bot.MemberCount{{Bucket: at(9, 0), Joins: 5, Members: 105, Known: true}, {Bucket: at(9, 10), Leaves: 2}},
	}
	return bot.ComputeFigures(prog, in, at(13, 0))
}

// fills counts the SVG's filled paths of each colour.
func fills(t *testing.T, svg []byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			for _, a := range se.Attr {
				if a.Name.Local != "style" {
					continue
				}
				for _, part := range strings.Split(a.Value, ";") {
					if c, ok := strings.CutPrefix(part, "fill:"); ok && c != "none" {
						out[c]++
					}
				}
			}
		}
	}
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

func TestChartsHaveOneMarkPerSessionAndPoster(t *testing.T) {
	f := day(t)
	charts, err := Charts(f, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]int{}
	for _, c := range charts {
		byID[c.ID] = fills(t, c.SVG)
	}
	// Members: a band per session (breaks in their own colour).
	bands := byID["members"][hex(bandColors[0])] + byID["members"][hex(bandColors[1])]
	if bands != 4 || byID["members"][hex(breakColor)] != 1 {
		t.Errorf("members chart: %d session bands and %d break bands, want 4 and 1", bands, byID["members"][hex(breakColor)])
	}
	// Questions: a bar per session that takes questions (2 panels and the
	// talk) in each status's colour, plus the legend's swatch.
	for _, st := range statusOrder {
		if got := byID["questions"][hex(statusColor[st])]; got != 3+1 {
			t.Errorf("questions chart, %s: %d marks, want 3 bars and 1 legend swatch", st, got)
		}
	}
	// Top questions: the shown ones only (not waiting, not dismissed): 7.
	if got := byID["top-questions"][hex(voteColor)]; got != 7 || len(f.Questions) != 7 {
		t.Errorf("top questions chart: %d bars, %d questions; want 7", got, len(f.Questions))
	}
	// Posters: 4 in session 1 and 3 in session 2, plus a swatch each.
	if a, b := byID["posters"][hex(posterColors[0])], byID["posters"][hex(posterColors[1])]; a != 4+1 || b != 3+1 {
		t.Errorf("posters chart: %d and %d marks, want 5 and 4", a, b)
	}
	// Lateness: a bar per posted reminder (3 on time, 1 late) and a swatch each.
	if a, b := byID["lateness"][hex(lateColor[bot.StatusSent])], byID["lateness"][hex(lateColor[bot.StatusLate])]; a != 3+1 || b != 1+1 {
		t.Errorf("lateness chart: %d and %d marks, want 4 and 2", a, b)
	}
}

func TestFiguresOfTheDay(t *testing.T) {
	f := day(t)
	s := f.Summary
	want := bot.FigureSummary{
		MembersKnown: true, MembersStart: 100, MembersEnd: 103, MembersPeak: 105, Joins: 5, Leaves: 2,
		Messages: 9, PosterMessages: 6,
		Questions: 9, Approved: 7, Answered: 2, Dismissed: 1, Waiting: 1, Votes: 0 + 1 + 2 + 5 + 10 + 11 + 12,
		RemindersOnTime: 3, RemindersLate: 1, RemindersSkipped: 1, RemindersFailed: 1, LatenessMedian: 3, LatenessMax: 6,
		Posters: 7, PostersCheckedIn: 1,
	}
	if s != want {
		t.Errorf("summary:\n got %+v\nwant %+v", s, want)
	}
	if f.Posters[0].Messages != 4 || !f.Posters[0].CheckedIn || f.Posters[4].Messages != 2 {
		t.Errorf("posters: %+v", f.Posters)
	}
	if f.Questions[0].ID != 12 || f.Questions[0].Votes != 12 {
		t.Errorf("top question: %+v", f.Questions[0])
	}
}

// TestNoAskerInAnyOutput: askers are named nowhere, anonymous or not; the
// speakers and authors from the files are.
func TestNoAskerInAnyOutput(t *testing.T) {
	f := day(t)
	var html, js, csvs bytes.Buffer
	if err := WriteHTML(&html, f, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, f); err != nil {
		t.Fatal(err)
	}
	for _, tb := range Tables(f) {
		if err := WriteCSV(&csvs, tb); err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range map[string]string{"html": html.String(), "json": js.String(), "csv": csvs.String()} {
		if strings.Contains(out, "secret-name") || strings.Contains(out, `"u9"`) {
			t.Errorf("%s names an asker", name)
		}
		if !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "An Author") {
			t.Errorf("%s leaves out the speaker or the authors", name)
		}
		if strings.Contains(out, "Question 4?") || strings.Contains(out, "Question 5?") {
			t.Errorf("%s shows a dismissed or waiting question's text", name)
		}
	}
	if strings.Contains(html.String(), "http://") || strings.Contains(html.String(), "https://") || strings.Contains(html.String(), "<script") {
		t.Error("the page loads something from elsewhere or runs a script; it must stand alone")
	}
}
