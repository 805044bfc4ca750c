package bot

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBundledPosters(t *testing.T) {
	s := mustLoadBundled(t)
	posters, err := LoadPosters(filepath.Join("..", "posters.csv"), s)
	if err != nil {
		t.Fatalf("bundled posters: %v", err)
	}
	var got []string
	for _, p := range posters {
		got = append(got, fmt.Sprintf("%d %s line %d", p.Session, p.ID, p.Line))
	}
	want := []string{
		"1 neurint line 2", "1 neural-ode-processes line 3", "1 grand line 4", "1 neural-solvers line 5",
		"2 drl-spde line 6", "2 statistical-numerical-pde line 7", "2 hyperpinn line 8", "2 linear-implicit-layers line 9",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v,\nwant %v", got, want)
	}
	// Every poster is a spotlight of the program, under the same title.
	for _, p := range posters {
		found := false
		for _, sess := range s.Sessions {
			found = found || sess.Kind == KindSpotlight && sess.Title == p.Title
		}
		if !found {
			t.Errorf("poster %s: no spotlight titled %q", p.ID, p.Title)
		}
	}
	if p := posters[2]; p.Title != "GRAND: Graph Neural Diffusion" || len(p.Authors) != 6 || p.Authors[0] != "Benjamin Paul Chamberlain" {
		t.Errorf("grand: got %+v", p)
	}
}

func TestParsePostersFields(t *testing.T) {
	src := "\ufeffTitle , ID,session,presenters,authors,pdf,video,abstract\r\n" +
		"\"A poster\",p1,1,\"@alice; 123456789012345678 ;bob.smith\",\" Ada Lovelace ;; Alan Turing \",https://example.org/p1.pdf,,\"Two\r\nlines\"\r\n" +
		",,,,,,,\r\n" + // a blank spreadsheet row
		"B,p2,2,,,,https://example.org/v,\r\n"
	posters, err := ParsePosters("p.csv", []byte(src), mustLoadBundled(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(posters) != 2 {
		t.Fatalf("got %d posters, want 2", len(posters))
	}
	p := posters[0]
	if p.ID != "p1" || p.Session != 1 || p.Title != "A poster" || p.Line != 2 || p.PDF != "https://example.org/p1.pdf" || p.Abstract != "Two\nlines" {
		t.Errorf("p1: got %+v", p)
	}
	if want := []string{"alice", "123456789012345678", "bob.smith"}; !slices.Equal(p.Presenters, want) {
		t.Errorf("presenters: got %q, want %q", p.Presenters, want)
	}
	if want := []string{"Ada Lovelace", "Alan Turing"}; !slices.Equal(p.Authors, want) {
		t.Errorf("authors: got %q, want %q", p.Authors, want)
	}
	if p := posters[1]; p.Line != 5 || p.Video != "https://example.org/v" || p.Session != 2 {
		t.Errorf("p2: got %+v", p)
	}
}

func TestPostersWithoutSchedule(t *testing.T) {
	posters, err := ParsePosters("p.csv", []byte("id,session,title\np1,7,A poster\n"), nil)
	if err != nil || len(posters) != 1 || posters[0].Session != 7 {
		t.Errorf("got %v, %v; want one poster in session 7", posters, err)
	}
}

func TestPostersBroken(t *testing.T) {
	tests := []struct {
		file string
		want []wantErr
	}{
		{"extra-column.csv", []wantErr{{1, "header", `unknown column "room"; valid columns: id, session, title, authors, presenters, abstract, pdf, video`}}},
		{"unknown-session.csv", []wantErr{
			{3, "session", "there is no poster session 3 in schedule.yaml; its poster sessions are 1, 2"},
			{4, "session", `"one" is not a poster session number`},
		}},
		{"duplicate-poster-id.csv", []wantErr{{4, "id", `id "p1" is already used at line 2`}}},
		{"bad-presenter.csv", []wantErr{
			{2, "presenters", `"bob#12" is not a Discord username or user id`},
			{6, "presenters", `"Dave" is not a Discord username or user id`},
		}},
		{"field-count.csv", []wantErr{{3, "", "row has 3 fields but the header has 4 (id,session,title,authors)"}}},
		{"missing-column.csv", []wantErr{{1, "header", `missing column "title"; the header needs at least id, session, title`}}},
		{"bad-poster-url.csv", []wantErr{
			{2, "pdf", `"ftp://example.org/p1.pdf" is not a web address`},
			{3, "video", `"youtube" is not a web address`},
		}},
		{"bare-quote.csv", []wantErr{{3, "", `not valid CSV: bare " in non-quoted-field; put a field that contains quotes in double quotes`}}},
		{"invalid-utf8.csv", []wantErr{{3, "", "invalid UTF-8 (byte 0xe9)"}}},
		{"missing-fields.csv", []wantErr{
			{2, "id", "is empty"},
			{3, "session", "is empty"},
			{4, "title", "is empty"},
		}},
	}
	s := mustLoadBundled(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", tt.file)
			posters, err := LoadPosters(path, s)
			if posters != nil {
				t.Errorf("got posters, want none")
			}
			checkErrors(t, path, err, tt.want)
		})
	}
}

func TestPostersCapacity(t *testing.T) {
	s := mustLoadBundled(t)
	csvOf := func(perSession ...int) []byte {
		var b strings.Builder
		b.WriteString("id,session,title\n")
		n := 0
		for session, count := range perSession {
			for range count {
				n++
				fmt.Fprintf(&b, "p%d,%d,Poster %d\n", n, session+1, n)
			}
		}
		return []byte(b.String())
	}
	tests := []struct {
		name       string
		perSession []int
		want       []wantErr
	}{
		{"fits: 480+11 categories+4", []int{470, 10}, nil},
		{"fits exactly: 486+10+4 = 500", []int{250, 236}, nil},
		{"one over: 487+10+4", []int{250, 237}, []wantErr{{488, "", "too many posters: 487 posters need 487 channels and 10 categories, plus 4 for the bot, 501 in all; a Discord server holds at most 500"}}},
		{"categories tip it: 486+11+4", []int{452, 34}, []wantErr{{487, "", "486 posters need 486 channels and 11 categories"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			posters, err := ParsePosters("p.csv", csvOf(tt.perSession...), s)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				channels, categories := PosterChannels(posters)
				if channels+categories+BotChannels > MaxGuildChannels {
					t.Errorf("accepted %d channels + %d categories", channels, categories)
				}
				return
			}
			checkErrors(t, "p.csv", err, tt.want)
		})
	}
}

func TestPosterChannels(t *testing.T) {
	var posters []Poster
	for i := range 120 {
		session := 1
		if i >= 100 {
			session = 2
		}
		posters = append(posters, Poster{Session: session}) // 100 posters in 2 categories, 20 in 1
	}
	channels, categories := PosterChannels(posters)
	if channels != 120 || categories != 3 {
		t.Errorf("got %d channels in %d categories, want 120 in 3", channels, categories)
	}
}

func FuzzParsePosters(f *testing.F) {
	fuzzSeeds(f, filepath.Join("..", "posters.csv"), ".csv")
	s, err := LoadSchedule(filepath.Join("..", "schedule.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		posters, err := ParsePosters("f.csv", data, s)
		if err != nil {
			checkRejection(t, err, len(data), MaxPostersSize)
			return
		}
		ids := map[string]bool{}
		for _, p := range posters {
			if p.ID == "" || p.Title == "" || p.Line < 2 || (p.Session != 1 && p.Session != 2) || ids[p.ID] {
				t.Errorf("accepted a bad poster: %+v", p)
			}
			ids[p.ID] = true
		}
	})
}
