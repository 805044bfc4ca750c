package bot

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WritePosters writes posters as a posters.csv, with every column.
func WritePosters(posters []Poster) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(posterColumns)
	for _, p := range posters {
		_ = w.Write(posterRecord(p, posterColumns, nil))
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// posterRecord is p as a row with cols; old, when given, is the row it replaces,
// which supplies the columns a poster does not know.
func posterRecord(p Poster, cols []string, old []string) []string {
	rec := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			rec[i] = p.ID
		case "session":
			if p.Session > 0 {
				rec[i] = strconv.Itoa(p.Session)
			}
		case "title":
			rec[i] = p.Title
		case "authors":
			rec[i] = strings.Join(p.Authors, ";")
		case "presenters":
			rec[i] = strings.Join(p.Presenters, ";")
		case "abstract":
			rec[i] = p.Abstract
		case "pdf":
			rec[i] = p.PDF
		case "video":
			rec[i] = p.Video
		case "forum":
			rec[i] = p.Forum
		case "format":
			rec[i] = p.Format
		default:
			if i < len(old) {
				rec[i] = old[i]
			}
		}
	}
	return rec
}

// PosterMerge is what MergePosters changed.
type PosterMerge struct {
	Added     []Poster            // new papers, with the session they were put in
	Updated   map[string][]string // poster id -> the columns that changed
	Gone      []Poster            // in the file but no longer among the papers; kept
	Unchanged int
}

// String is the summary an organizer reads after an import.
func (m PosterMerge) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d added, %d updated, %d no longer accepted, %d unchanged\n", len(m.Added), len(m.Updated), len(m.Gone), m.Unchanged)
	for _, p := range m.Added {
		fmt.Fprintf(&b, "  added   %s (session %d): %s\n", p.ID, p.Session, Truncate(p.Title, maxTitle))
	}
	ids := make([]string, 0, len(m.Updated))
	for id := range m.Updated {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "  updated %s: %s\n", id, strings.Join(m.Updated[id], ", "))
	}
	for _, p := range m.Gone {
		fmt.Fprintf(&b, "  no longer accepted: %s (line %d): %s; the row is kept, delete it to drop the poster\n", p.ID, p.Line, Truncate(p.Title, maxTitle))
	}
	return b.String()
}

// The columns an import refreshes from upstream; the organizer's own columns
// (session, presenters, video) and any other are kept.
var importedColumns = []string{"title", "authors", "abstract", "pdf", "forum", "format"}

// MergePosters updates the posters.csv in old (path names it in errors) with
// incoming, the papers as upstream has them now, matched by id. A poster
// already in the file keeps its row, with the imported columns refreshed; a new
// one is appended in the session assign picks for it; one the file has but
// upstream no longer does stays, and is reported. Columns the file lacks are
// added at its end; rows keep their order.
func MergePosters(path string, old []byte, incoming []Poster, assign func(Poster) int) ([]byte, PosterMerge, error) {
	m := PosterMerge{Updated: map[string][]string{}}
	existing, err := ParsePosters(path, old, nil)
	if err != nil {
		return nil, m, err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(old, utf8BOM)))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, m, fmt.Errorf("%s: cannot read CSV: %v", path, err)
	}
	cols := make([]string, len(recs[0]))
	for i, h := range recs[0] {
		cols[i] = strings.ToLower(strings.TrimSpace(h))
	}
	for _, c := range posterColumns {
		if !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	byID := map[string]Poster{}
	for _, p := range incoming {
		byID[p.ID] = p
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(cols)
	seen := map[string]bool{}
	rows := recs[1:]
	ri := 0
	for _, cur := range existing {
		// existing skips blank rows; keep rows and posters in step.
		for ri < len(rows) && allEmpty(rows[ri]) {
			ri++
		}
		row := rows[ri]
		ri++
		seen[cur.ID] = true
		up, ok := byID[cur.ID]
		if !ok {
			m.Gone = append(m.Gone, cur)
			_ = w.Write(posterRecord(cur, cols, row))
			continue
		}
		next := cur
		var changed []string
		for _, c := range importedColumns {
			if field(up, c) != field(cur, c) && field(up, c) != "" {
				changed = append(changed, c)
				setField(&next, c, up)
			}
		}
		if len(changed) > 0 {
			m.Updated[cur.ID] = changed
		} else {
			m.Unchanged++
		}
		_ = w.Write(posterRecord(next, cols, row))
	}
	for _, p := range incoming {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		if p.Session == 0 {
			p.Session = assign(p)
		}
		m.Added = append(m.Added, p)
		_ = w.Write(posterRecord(p, cols, nil))
	}
	w.Flush()
	return buf.Bytes(), m, w.Error()
}

func field(p Poster, col string) string {
	return posterRecord(p, []string{col}, nil)[0]
}

func setField(p *Poster, col string, from Poster) {
	switch col {
	case "title":
		p.Title = from.Title
	case "authors":
		p.Authors = from.Authors
	case "abstract":
		p.Abstract = from.Abstract
	case "pdf":
		p.PDF = from.PDF
	case "forum":
		p.Forum = from.Forum
	case "format":
		p.Format = from.Format
	}
}

// SpreadPosters returns an assign function for MergePosters that puts each new
// poster in the poster session of s that has the fewest posters so far (the
// lowest number on a tie), counting existing. fixed > 0 puts every one there.
func SpreadPosters(s *Schedule, existing []Poster, fixed int) (func(Poster) int, error) {
	if fixed > 0 {
		if s != nil && !slices.Contains(posterSessions(s), fixed) {
			return nil, fmt.Errorf("--session %d: %s has no poster session %d; its poster sessions are %v", fixed, scheduleName(s), fixed, posterSessions(s))
		}
		return func(Poster) int { return fixed }, nil
	}
	sessions := posterSessions(s)
	if len(sessions) == 0 {
		return nil, fmt.Errorf("%s has no poster sessions to put new papers in; add a session with kind: posters and poster_session: 1, or pass --session N", scheduleName(s))
	}
	count := map[int]int{}
	for _, p := range existing {
		count[p.Session]++
	}
	return func(Poster) int {
		best := sessions[0]
		for _, n := range sessions[1:] {
			if count[n] < count[best] {
				best = n
			}
		}
		count[best]++
		return best
	}, nil
}
