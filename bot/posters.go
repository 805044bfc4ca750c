package bot

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaxPostersSize is the largest posters.csv accepted: room for Discord's limit
// of posters with long abstracts, and no more.
const MaxPostersSize = 4 << 20

// BotChannels is how many of the guild's MaxGuildChannels the bot keeps for its
// own channels (announcements, questions, moderators, spare): each poster gets
// a channel, in categories of at most MaxCategoryChannels, one or more per
// poster session.
const BotChannels = 4

// The columns of posters.csv, in the order error messages list them.
var (
	posterColumns         = []string{"id", "session", "title", "authors", "presenters", "abstract", "pdf", "video", "forum", "format"}
	requiredPosterColumns = []string{"id", "session", "title"}
)

// PosterFormats are the values of posters.csv's format column: how the venue
// decided a paper is presented (OpenReview's venue text).
var PosterFormats = []string{"oral", "spotlight", "poster"}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// LoadPosters reads and parses the posters file at path, checking each poster's
// session against s.
func LoadPosters(path string, s *Schedule) ([]Poster, error) {
	data, errs := readFile(path, MaxPostersSize)
	if len(errs) > 0 {
		return nil, errs
	}
	return ParsePosters(path, data, s)
}

// ParsePosters parses and validates the contents of a posters.csv. Each
// poster's session must be a poster session of s; a nil s skips that check.
// path is only used in error messages. On failure the error is an Errors
// holding every problem found, each with its line.
func ParsePosters(path string, data []byte, s *Schedule) ([]Poster, error) {
	posters, errs := parsePosters(path, data, s)
	if len(errs) > 0 {
		return nil, errs
	}
	return posters, nil
}

func parsePosters(path string, data []byte, s *Schedule) ([]Poster, Errors) {
	if len(data) > MaxPostersSize {
		return nil, Errors{sizeError(path, len(data), MaxPostersSize)}
	}
	if errs := checkText(path, data); len(errs) > 0 {
		return nil, errs
	}
	p := &posterParser{file: path, sessions: posterSessions(s), schedule: scheduleName(s)}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	r.FieldsPerRecord = -1 // rows of the wrong width are reported by posterParser, with the header
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		p.errorf(1, "", "file is empty; want a header line like %s", strings.Join(posterColumns, ","))
		return nil, p.errs
	}
	if err != nil {
		p.csvError(err)
		return nil, p.errs
	}
	if !p.header(header) {
		return nil, p.errs
	}
	var posters []Poster
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.csvError(err) // the rest of the file cannot be trusted to split into the right rows
			break
		}
		line, _ := r.FieldPos(0)
		if poster, ok := p.row(rec, line); ok {
			posters = append(posters, poster)
		}
	}
	p.checkCapacity(posters)
	slices.SortStableFunc(p.errs, func(a, b FileError) int { return a.Line - b.Line })
	return posters, p.errs
}

// posterParser reads the rows of posters.csv, collecting every error.
type posterParser struct {
	file     string
	sessions []int  // the schedule's poster sessions; nil when not checked
	schedule string // the schedule file's name, for messages
	cols     []string
	ids      map[string]int // poster id -> line
	errs     Errors
}

func (p *posterParser) errorf(line int, field, format string, args ...any) {
	p.errs = append(p.errs, FileError{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *posterParser) csvError(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		p.errorf(1, "", "cannot read CSV: %v", err)
		return
	}
	hint := ""
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		hint = `; put a field that contains quotes in double quotes, and double each quote inside it ("a ""b"" c")`
	}
	p.errorf(pe.Line, "", "not valid CSV: %v%s", pe.Err, hint)
}

// header reads the header row; it returns false when rows cannot be read.
func (p *posterParser) header(header []string) bool {
	ok := true
	seen := map[string]bool{}
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(posterColumns, name):
			p.errorf(1, "header", "unknown column %q%s; valid columns: %s", h, suggest(name, posterColumns), strings.Join(posterColumns, ", "))
		case seen[name]:
			p.errorf(1, "header", "column %q given twice; keep one", name)
			ok = false
		}
		seen[name] = true
		p.cols = append(p.cols, name)
	}
	for _, c := range requiredPosterColumns {
		if !seen[c] {
			p.errorf(1, "header", "missing column %q; the header needs at least %s", c, strings.Join(requiredPosterColumns, ", "))
			ok = false
		}
	}
	p.ids = map[string]int{}
	return ok
}

var (
	posterIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
	usernameRE = regexp.MustCompile(`^[a-z0-9_.]{2,32}$`)
)

// row reads one record that starts on line.
func (p *posterParser) row(rec []string, line int) (Poster, bool) {
	if allEmpty(rec) {
		return Poster{}, false // spreadsheets export blank rows as ",,,"
	}
	if len(rec) != len(p.cols) {
		p.errorf(line, "", "row has %d fields but the header has %d (%s); quote fields that contain commas", len(rec), len(p.cols), strings.Join(p.cols, ","))
		return Poster{}, false
	}
	n := len(p.errs)
	poster := Poster{Line: line}
	for i, col := range p.cols {
		v := strings.TrimSpace(rec[i])
		switch col {
		case "id":
			poster.ID = p.id(v, line)
		case "session":
			poster.Session = p.session(v, line)
		case "title":
			if v == "" {
				p.errorf(line, "title", "is empty; every poster needs a title")
			}
			poster.Title = v
		case "authors":
			poster.Authors = splitList(v)
		case "presenters":
			poster.Presenters = p.presenters(v, line)
		case "abstract":
			poster.Abstract = v
		case "pdf":
			poster.PDF = p.url(v, line, "pdf")
		case "video":
			poster.Video = p.url(v, line, "video")
		case "forum":
			poster.Forum = p.url(v, line, "forum")
		case "format":
			if v != "" && !slices.Contains(PosterFormats, v) {
				p.errorf(line, "format", "%q is not a format; want oral, spotlight, poster or nothing", v)
			}
			poster.Format = v
		}
	}
	return poster, len(p.errs) == n
}

func (p *posterParser) id(v string, line int) string {
	switch first, dup := p.ids[v]; {
	case v == "":
		p.errorf(line, "id", "is empty; every poster needs a unique id, like p12")
	case !posterIDRE.MatchString(v):
		p.errorf(line, "id", "%q is not a poster id; use at most 40 letters, digits, \".\", \"_\" and \"-\", like p12", v)
	case dup:
		p.errorf(line, "id", "id %q is already used at line %d; ids must be unique", v, first)
	default:
		p.ids[v] = line
	}
	return v
}

func (p *posterParser) session(v string, line int) int {
	n, err := strconv.Atoi(v)
	switch {
	case v == "":
		p.errorf(line, "session", "is empty; give the poster_session number from %s, like 1", p.schedule)
	case err != nil || n < 1:
		p.errorf(line, "session", "%q is not a poster session number; want a whole number like 1", v)
	case p.sessions != nil && !slices.Contains(p.sessions, n):
		p.errorf(line, "session", "there is no poster session %d in %s; %s", n, p.schedule, p.sessionHint(n))
	default:
		return n
	}
	return 0
}

func (p *posterParser) sessionHint(n int) string {
	if len(p.sessions) == 0 {
		return fmt.Sprintf("add a session with kind: posters and poster_session: %d to it", n)
	}
	nums := make([]string, len(p.sessions))
	for i, n := range p.sessions {
		nums[i] = strconv.Itoa(n)
	}
	return "its poster sessions are " + strings.Join(nums, ", ")
}

func (p *posterParser) presenters(v string, line int) []string {
	var out []string
	for _, name := range splitList(v) {
		name = strings.TrimPrefix(name, "@")
		if !snowflakeRE.MatchString(name) && (!usernameRE.MatchString(name) || strings.Contains(name, "..")) {
			p.errorf(line, "presenters", "%q is not a Discord username or user id; want a username (2-32 lower-case letters, digits, \"_\" and \".\") or a 17-20 digit id, separated by \";\"", name)
			continue
		}
		out = append(out, name)
	}
	return out
}

func (p *posterParser) url(v string, line int, field string) string {
	if v == "" {
		return ""
	}
	if msg := checkURL(v); msg != "" {
		p.errorf(line, field, "%s", msg)
		return ""
	}
	return v
}

// checkCapacity refuses more posters than the guild has channels for, naming
// the first poster that does not fit.
func (p *posterParser) checkCapacity(posters []Poster) {
	perSession := map[int]int{}
	channels, categories := 0, 0
	for _, poster := range posters {
		perSession[poster.Session]++
		channels++
		if (perSession[poster.Session]-1)%MaxCategoryChannels == 0 {
			categories++ // the first poster of a session, and of each further category
		}
		if channels+categories+BotChannels > MaxGuildChannels {
			total, cats := PosterChannels(posters)
			p.errorf(poster.Line, "", "too many posters: %d posters need %d channels and %d categories, plus %d for the bot, %d in all; a Discord server holds at most %d; this is the first poster that does not fit",
				len(posters), total, cats, BotChannels, total+cats+BotChannels, MaxGuildChannels)
			return
		}
	}
}

// PosterChannels returns how many channels and categories the posters need:
// one channel each, and per poster session one category for every
// MaxCategoryChannels of its posters.
func PosterChannels(posters []Poster) (channels, categories int) {
	perSession := map[int]int{}
	for _, poster := range posters {
		perSession[poster.Session]++
	}
	for _, n := range perSession {
		categories += (n + MaxCategoryChannels - 1) / MaxCategoryChannels
	}
	return len(posters), categories
}

// posterSessions lists the poster session numbers of s, or nil for a nil s.
func posterSessions(s *Schedule) []int {
	if s == nil {
		return nil
	}
	nums := []int{}
	for _, sess := range s.Sessions {
		if sess.Kind == KindPosters && sess.PosterSession > 0 {
			nums = append(nums, sess.PosterSession)
		}
	}
	slices.Sort(nums)
	return nums
}

func scheduleName(s *Schedule) string {
	if s == nil || s.Path == "" {
		return "the schedule"
	}
	return filepath.Base(s.Path)
}

// splitList splits a ";"-separated field, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ";") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
