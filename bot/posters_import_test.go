package bot

import (
	"strings"
	"testing"
)

func TestMergePosters(t *testing.T) {
	old := "id,session,title,authors,presenters,abstract,pdf,video\n" +
		"p3,1,GRAND (draft title),Benjamin Chamberlain,ben.c,,,https://example.org/v3.mp4\n" +
		"p12,2,Neural ODE Processes,Alexander Norcliffe,,,,\n" +
		"p9,1,Withdrawn since,Someone,,,,\n"
	incoming := []Poster{
		{ID: "p3", Title: "GRAND: Graph Neural Diffusion", Authors: []string{"Benjamin Paul Chamberlain", "James Rowbottom"}, Forum: "https://openreview.net/forum?id=Xk3vQ9pLmA", Format: "spotlight"},
		{ID: "p12", Title: "Neural ODE Processes", Authors: []string{"Alexander Norcliffe"}},
		{ID: "p27", Title: "Neural Solvers", Authors: []string{"Federico Berto"}},
		{ID: "p30", Title: "Another one", Authors: []string{"Ada"}},
	}
	sched := &Schedule{Sessions: []Session{{Kind: KindPosters, PosterSession: 1}, {Kind: KindPosters, PosterSession: 2}}}
	existing, err := ParsePosters("posters.csv", []byte(old), nil)
	if err != nil {
		t.Fatal(err)
	}
	assign, err := SpreadPosters(sched, existing, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, m, err := MergePosters("posters.csv", []byte(old), incoming, assign)
	if err != nil {
		t.Fatal(err)
	}
	want := "id,session,title,authors,presenters,abstract,pdf,video,forum,format\n" +
		"p3,1,GRAND: Graph Neural Diffusion,Benjamin Paul Chamberlain;James Rowbottom,ben.c,,,https://example.org/v3.mp4,https://openreview.net/forum?id=Xk3vQ9pLmA,spotlight\n" +
		"p12,2,Neural ODE Processes,Alexander Norcliffe,,,,,,\n" +
		"p9,1,Withdrawn since,Someone,,,,,,\n" +
		"p27,2,Neural Solvers,Federico Berto,,,,,,\n" + // session 2 had one poster, session 1 two
		"p30,1,Another one,Ada,,,,,,\n"
	if string(out) != want {
		t.Errorf("merged file:\n%s\nwant:\n%s", out, want)
	}
	sum := m.String()
	for _, s := range []string{"2 added, 1 updated, 1 no longer accepted, 1 unchanged", "added   p27 (session 2)", "updated p3: title, authors, forum, format", "no longer accepted: p9 (line 4)"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
	if _, err := ParsePosters("posters.csv", out, sched); err != nil {
		t.Errorf("merged file is not valid: %v", err)
	}
}

func TestSpreadPostersFixed(t *testing.T) {
	sched := &Schedule{Path: "schedule.yaml", Sessions: []Session{{Kind: KindPosters, PosterSession: 1}}}
	if _, err := SpreadPosters(sched, nil, 4); err == nil || !strings.Contains(err.Error(), "no poster session 4") {
		t.Errorf("--session 4 with no such session: err = %v", err)
	}
	if _, err := SpreadPosters(&Schedule{}, nil, 0); err == nil || !strings.Contains(err.Error(), "--session N") {
		t.Errorf("no poster sessions: err = %v", err)
	}
}

func TestPosterFormatColumn(t *testing.T) {
	_, err := ParsePosters("p.csv", []byte("id,session,title,format\np1,1,A,keynote\n"), nil)
	if err == nil || !strings.Contains(err.Error(), `"keynote" is not a format`) {
		t.Errorf("err = %v", err)
	}
	ps, err := ParsePosters("p.csv", []byte("id,session,title,forum,format\np1,1,A,https://openreview.net/forum?id=x,oral\n"), nil)
	if err != nil || ps[0].Format != "oral" || ps[0].Forum != "https://openreview.net/forum?id=x" {
		t.Errorf("got %+v, %v", ps, err)
	}
}
