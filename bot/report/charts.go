package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"workshopbot/bot"
)

// Chart is one figure of the report, as an SVG document.
type Chart struct {
	ID      string // "members", "questions", "top-questions", "posters", "channels", "lateness"
	Title   string
	Caption string
	SVG     []byte
}

// The size every chart is drawn at.
const (
	chartWidth  = 18 * vg.Centimeter
	chartHeight = 9 * vg.Centimeter
)

// The colours of the marks. Each chart's marks have colours of their own, used
// for nothing else in that chart but its legend, so that a mark can be told from
// the axes and the grid (the tests count marks by colour).
var (
	bandColors  = []color.RGBA{rgb(0xd6e4f0), rgb(0xe9eff5)} // sessions, alternating
	breakColor  = rgb(0xf3f3f3)                              // breaks
	memberColor = rgb(0x1b4f72)
	statusColor = map[bot.QuestionStatus]color.RGBA{
		bot.QuestionAnswered:  rgb(0x2e7d32),
		bot.QuestionOnStage:   rgb(0xf9a825),
		bot.QuestionOpen:      rgb(0x1565c0),
		bot.QuestionWaiting:   rgb(0x9e9e9e),
		bot.QuestionDismissed: rgb(0xc62828),
	}
	// statusOrder is the stacking order, bottom first: what was done, then what is left.
	statusOrder   = []bot.QuestionStatus{bot.QuestionAnswered, bot.QuestionOnStage, bot.QuestionOpen, bot.QuestionWaiting, bot.QuestionDismissed}
	voteColor     = rgb(0x6a1b9a)
	posterColors  = []color.RGBA{rgb(0x00838f), rgb(0xef6c00), rgb(0x5d4037), rgb(0xad1457), rgb(0x283593), rgb(0x558b2f)}
	channelColors = map[string]color.RGBA{bot.ChannelAnnouncements: rgb(0x1565c0), bot.ChannelQuestions: rgb(0x6a1b9a), bot.ChannelPosters: rgb(0x00838f)}
	lateColor     = map[bot.ReminderStatus]color.RGBA{bot.StatusSent: rgb(0x2e7d32), bot.StatusLate: rgb(0xf9a825)}
)

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// Charts draws the figures' charts, times in loc.
func Charts(f bot.Figures, loc *time.Location) ([]Chart, error) {
	var out []Chart
	for _, draw := range []func(bot.Figures, *time.Location) (Chart, error){
		membersChart, questionsChart, topQuestionsChart, postersChart, channelsChart, latenessChart,
	} {
		c, err := draw(f, loc)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// newPlot is a plot in the report's style.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Legend.Left = false
	return p
}

// render writes p as an SVG document.
func render(p *plot.Plot) ([]byte, error) {
	c := vgsvg.New(chartWidth, chartHeight)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// clock is the x axis of a chart over the day: ticks at the workshop's time.
func clock(p *plot.Plot, loc *time.Location) {
	p.X.Tick.Marker = plot.TimeTicks{Format: "15:04", Time: func(v float64) time.Time { return time.Unix(int64(v), 0).In(loc) }}
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

// membersChart: members over the day, on bands that show the sessions.
func membersChart(f bot.Figures, loc *time.Location) (Chart, error) {
	c := Chart{ID: "members", Title: "Members over the day",
		Caption: "Guild members at the end of each 10 minutes; the bands are the sessions."}
	p := newPlot(c.Title, "time ("+loc.String()+")", "members")
	clock(p, loc)
	p.Add(sessionBands(f.Sessions))
	var pts plotter.XYs
	for _, m := range f.Members {
		pts = append(pts, plotter.XY{X: unix(m.At), Y: float64(m.Members)})
	}
	top := 1.0
	if len(pts) > 0 {
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return c, err
		}
		l.Color, s.Color = memberColor, memberColor
		l.Width = vg.Points(2)
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(2)
		p.Add(l, s)
		for _, pt := range pts {
			top = max(top, pt.Y)
		}
	}
	if !f.Summary.MembersKnown {
		c.Caption += " The chat service gave no member count: joins less leaves since the bot started."
	}
	p.Y.Min, p.Y.Max = 0, math.Ceil(top*1.1)
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// bands draws each session as a band over the whole height of the plot.
type bands struct {
	sessions []bot.SessionFigure
}

func sessionBands(s []bot.SessionFigure) bands {
	var in []bot.SessionFigure
	for _, x := range s {
		if !x.Start.IsZero() && x.End.After(x.Start) {
			in = append(in, x)
		}
	}
	return bands{sessions: in}
}

// Plot implements plot.Plotter.
func (b bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for i, s := range b.sessions {
		col := bandColors[i%len(bandColors)]
		if s.Kind == bot.KindBreak {
			col = breakColor
		}
		x0, x1 := trX(unix(s.Start)), trX(unix(s.End))
		c.FillPolygon(col, c.ClipPolygonX([]vg.Point{{X: x0, Y: c.Min.Y}, {X: x0, Y: c.Max.Y}, {X: x1, Y: c.Max.Y}, {X: x1, Y: c.Min.Y}}))
	}
}

// DataRange implements plot.DataRanger: the day, from the first session to the last.
func (b bands) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(b.sessions) == 0 {
		return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	}
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, s := range b.sessions {
		xmin, xmax = min(xmin, unix(s.Start)), max(xmax, unix(s.End))
	}
	return xmin, xmax, 0, 0
}

// questionsChart: questions per session, stacked by status.
func questionsChart(f bot.Figures, _ *time.Location) (Chart, error) {
	c := Chart{ID: "questions", Title: "Questions per session",
		Caption: "Every question asked, by what became of it. Panels are shown even without questions."}
	p := newPlot(c.Title, "", "questions")
	var sessions []bot.SessionFigure
	for _, s := range f.Sessions {
		if s.TakesQuestions() {
			sessions = append(sessions, s)
		}
	}
	if len(sessions) == 0 {
		c.Caption = "No session took questions."
		svg, err := render(p)
		c.SVG = svg
		return c, err
	}
	var below *plotter.BarChart
	top := 1
	for _, st := range statusOrder {
		vals := make(plotter.Values, len(sessions))
		for i, s := range sessions {
			vals[i] = float64(s.ByStatus[st])
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(28))
		if err != nil {
			return c, err
		}
		bc.Color = statusColor[st]
		bc.LineStyle.Width = 0
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		p.Add(bc)
		p.Legend.Add(string(st), bc)
	}
	names := make([]string, len(sessions))
	for i, s := range sessions {
		names[i] = shorten(s.Title, 22)
		top = max(top, s.Asked)
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, math.Ceil(float64(top)*1.25)
	p.Y.Tick.Marker = integerTicks{}
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// topQuestionsChart: the most voted questions, one horizontal bar each.
func topQuestionsChart(f bot.Figures, _ *time.Location) (Chart, error) {
	c := Chart{ID: "top-questions", Title: fmt.Sprintf("The %d most voted questions", bot.TopQuestions),
		Caption: "Votes on the questions attendees saw; the full texts are in the table below."}
	p := newPlot(c.Title, "votes", "")
	if len(f.Questions) == 0 {
		c.Caption = "No question was shown to attendees."
		svg, err := render(p)
		c.SVG = svg
		return c, err
	}
	// Most voted at the top: the y axis counts upwards.
	qs := slices.Clone(f.Questions)
	slices.Reverse(qs)
	vals := make(plotter.Values, len(qs))
	names := make([]string, len(qs))
	top := 1
	for i, q := range qs {
		vals[i] = float64(q.Votes)
		names[i] = "Q" + strconv.FormatInt(q.ID, 10) + " " + shorten(q.Text, 28)
		top = max(top, q.Votes)
	}
	bc, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return c, err
	}
	bc.Horizontal = true
	bc.Color = voteColor
	bc.LineStyle.Width = 0
	p.Add(bc)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, math.Ceil(float64(top)*1.1)
	p.X.Tick.Marker = integerTicks{}
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// postersChart: messages in each poster's channel, a bar per poster, grouped
// (and coloured) by poster session.
func postersChart(f bot.Figures, _ *time.Location) (Chart, error) {
	c := Chart{ID: "posters", Title: "Activity per poster channel",
		Caption: "Messages people posted in each poster's channel, coloured by poster session; ✓ marks a presenter's /poster here."}
	p := newPlot(c.Title, "poster", "messages")
	if len(f.Posters) == 0 {
		c.Caption = "No posters."
		svg, err := render(p)
		c.SVG = svg
		return c, err
	}
	var names []string
	top, group := 1, 0
	for start := 0; start < len(f.Posters); {
		end := start
		for end < len(f.Posters) && f.Posters[end].Session == f.Posters[start].Session {
			end++
		}
		vals := make(plotter.Values, end-start)
		for i, ps := range f.Posters[start:end] {
			vals[i] = float64(ps.Messages)
			top = max(top, ps.Messages)
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(10))
		if err != nil {
			return c, err
		}
		bc.XMin = float64(start)
		bc.Color = posterColors[group%len(posterColors)]
		group++
		bc.LineStyle.Width = 0
		p.Add(bc)
		p.Legend.Add(fmt.Sprintf("session %d", f.Posters[start].Session), bc)
		start = end
	}
	for _, ps := range f.Posters {
		n := ps.ID
		if ps.CheckedIn {
			n += " ✓"
		}
		names = append(names, n)
	}
	p.NominalX(names...)
	if len(names) > 12 {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.Y.Min, p.Y.Max = 0, math.Ceil(float64(top)*1.25)
	p.Y.Tick.Marker = integerTicks{}
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// channelsChart: messages per 10 minutes in the announcements and questions
// channels and in all poster channels together.
func channelsChart(f bot.Figures, loc *time.Location) (Chart, error) {
	c := Chart{ID: "channels", Title: "Messages per 10 minutes",
		Caption: "Messages people posted (the bot's own are not counted)."}
	p := newPlot(c.Title, "time ("+loc.String()+")", "messages")
	clock(p, loc)
	p.Add(sessionBands(f.Sessions))
	top := 1
	for _, s := range f.Channels {
		if len(s.Counts) == 0 {
			continue
		}
		var pts plotter.XYs
		for _, m := range s.Counts {
			pts = append(pts, plotter.XY{X: unix(m.Bucket.Add(bot.ActivityBucket / 2)), Y: float64(m.Messages)})
			top = max(top, m.Messages)
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return c, err
		}
		col := channelColors[s.Channel]
		l.Color, sc.Color = col, col
		l.Width = vg.Points(1.5)
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(2)
		p.Add(l, sc)
		p.Legend.Add("#"+s.Channel, l)
	}
	p.Y.Min, p.Y.Max = 0, math.Ceil(float64(top)*1.2)
	p.Y.Tick.Marker = integerTicks{}
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// latenessChart: how late each reminder was posted, a bar per reminder posted.
func latenessChart(f bot.Figures, loc *time.Location) (Chart, error) {
	c := Chart{ID: "lateness", Title: "Reminder lateness",
		Caption: "Seconds from each reminder's due time to its post. Skipped and failed reminders are listed in the table."}
	p := newPlot(c.Title, "reminder (due time)", "seconds late")
	var posted []bot.ReminderFigure
	for _, r := range f.Reminders {
		if r.Posted() {
			posted = append(posted, r)
		}
	}
	if len(posted) == 0 {
		c.Caption = "No reminder was posted."
		svg, err := render(p)
		c.SVG = svg
		return c, err
	}
	top := 1.0
	names := make([]string, len(posted))
	for _, st := range []bot.ReminderStatus{bot.StatusSent, bot.StatusLate} {
		vals := make(plotter.Values, len(posted))
		any := false
		for i, r := range posted {
			names[i] = r.Due.In(loc).Format("15:04")
			if r.Status == st {
				vals[i] = r.Lateness
				any = true
			} else {
				vals[i] = math.NaN() // no bar: the other status draws this one
			}
			top = max(top, r.Lateness)
		}
		if !any {
			continue
		}
		bc, err := newSparseBars(vals, vg.Points(8))
		if err != nil {
			return c, err
		}
		bc.Color = lateColor[st]
		label := "on time"
		if st == bot.StatusLate {
			label = "late (caught up after a restart)"
		}
		p.Add(bc)
		p.Legend.Add(label, bc)
	}
	p.NominalX(names...)
	if len(names) > 16 {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.Y.Min, p.Y.Max = 0, top*1.2
	svg, err := render(p)
	c.SVG = svg
	return c, err
}

// sparseBars is a bar chart that draws no bar where the value is NaN, so that
// two charts of different colours can share the categories.
type sparseBars struct {
	vals  plotter.Values
	width vg.Length
	Color color.Color
}

func newSparseBars(vals plotter.Values, width vg.Length) (*sparseBars, error) {
	if width <= 0 {
		return nil, fmt.Errorf("bar width %v", width)
	}
	return &sparseBars{vals: vals, width: width, Color: color.Black}, nil
}

// Plot implements plot.Plotter.
func (b *sparseBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.vals {
		if math.IsNaN(v) {
			continue
		}
		x := trX(float64(i))
		x0, x1 := x-b.width/2, x+b.width/2
		y0, y1 := trY(0), trY(v)
		c.FillPolygon(b.Color, c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}))
	}
}

// DataRange implements plot.DataRanger.
func (b *sparseBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.vals))-0.5
	for _, v := range b.vals {
		if !math.IsNaN(v) {
			ymax = max(ymax, v)
		}
	}
	return xmin, xmax, 0, ymax
}

// Thumbnail implements plot.Thumbnailer, for the legend.
func (b *sparseBars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.Color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}})
}

// integerTicks puts ticks on whole numbers only: counts have no halves.
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/6))
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// shorten cuts s to n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
