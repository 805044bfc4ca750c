package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workshopbot/bot"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestImportOpenReviewFrom: a saved v2 response becomes a valid posters.csv for
// the bundled schedule, spread over its two poster sessions.
func TestImportOpenReviewFrom(t *testing.T) {
	code, out, errs := runCmd(t, "import", "openreview", "--venue", "NeurIPS.cc/2021/Workshop/DLDE", "--from", "bot/openreview/testdata/v2_page1.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	posters, err := bot.ParsePosters("stdout", []byte(out), mustSchedule(t, "schedule.yaml"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(posters) != 2 || posters[0].ID != "p3" || posters[0].Session != 1 || posters[1].ID != "p12" || posters[1].Session != 2 ||
		posters[0].Format != "spotlight" || posters[1].Forum != "https://openreview.net/forum?id=Qm7RtY2wZc" {
		t.Errorf("posters = %+v", posters)
	}
	if !strings.Contains(errs, "2 accepted papers") {
		t.Errorf("stderr = %q", errs)
	}
}

func mustSchedule(t *testing.T, path string) *bot.Schedule {
	t.Helper()
	s, err := bot.LoadSchedule(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestImportOpenReviewMerge: --merge against the live path (a local server in
// place of api2.openreview.net) updates the file in place, keeps a backup,
// puts new papers in --session and reports what changed.
func TestImportOpenReviewMerge(t *testing.T) {
	p1, _ := os.ReadFile("bot/openreview/testdata/v2_page1.json")
	p2, _ := os.ReadFile("bot/openreview/testdata/v2_page2.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "0" {
			w.Write(p1)
			return
		}
		w.Write(p2)
	}))
	defer srv.Close()
	dir := t.TempDir()
	posters := filepath.Join(dir, "posters.csv")
	old := "id,session,title,authors,presenters,abstract,pdf,video\n" +
		"p3,1,Old title,B. Chamberlain,ben.c,,,https://example.org/v.mp4\n" +
		"p40,1,Gone since,Someone,,,,\n"
	if err := os.WriteFile(posters, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "import", "openreview", "--venue", "NeurIPS.cc/2021/Workshop/DLDE", "--api-v2", srv.URL, "--api", "v2",
		"--merge", posters, "--session", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"2 added, 1 updated, 1 no longer accepted, 0 unchanged", "added   p12 (session 2)", "added   p27 (session 2)",
		"updated p3: title, authors, abstract, pdf, forum, format", "no longer accepted: p40", "posters.csv.bak"} {
		if !strings.Contains(out, s) {
			t.Errorf("summary lacks %q:\n%s", s, out)
		}
	}
	if b, _ := os.ReadFile(posters + ".bak"); string(b) != old {
		t.Errorf("backup = %q, want the old file", b)
	}
	got, err := bot.LoadPosters(posters, mustSchedule(t, "schedule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Title != "GRAND: Graph Neural Diffusion" || got[0].Presenters[0] != "ben.c" || got[0].Video != "https://example.org/v.mp4" || got[1].ID != "p40" {
		t.Errorf("merged = %+v", got)
	}
}

func TestImportOpenReviewErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusBadGateway)
	}))
	defer srv.Close()
	code, _, errs := runCmd(t, "import", "openreview", "--venue", "NeurIPS.cc/2021/Workshop/DLDE", "--api-v2", srv.URL, "--api", "v2")
	if code != 1 || !strings.Contains(errs, srv.URL+"/notes?") || !strings.Contains(errs, "502 Bad Gateway") {
		t.Errorf("exit %d, stderr %q; want 1, the URL and the status", code, errs)
	}
	if code, _, errs := runCmd(t, "import", "openreview", "--from", "x.json"); code != 2 || !strings.Contains(errs, "--venue is required") {
		t.Errorf("no venue: exit %d, %q", code, errs)
	}
}

// TestImportFrab: `import frab URL` writes a schedule.yaml that check accepts;
// a failing URL is named with its status.
func TestImportFrab(t *testing.T) {
	page, err := os.ReadFile("bot/frab/testdata/pretalx.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/schedule.json" {
			w.Write(page)
			return
		}
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	code, out, errs := runCmd(t, "import", "frab", srv.URL+"/schedule.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedule.yaml")
	if err := os.WriteFile(sched, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, check, errs := runCmd(t, "check", "--schedule", sched, "--posters", "")
	if code != 0 || !strings.Contains(check, "Sessions: 5") || !strings.Contains(check, "Learning to integrate") {
		t.Errorf("check: exit %d\n%s\n%s", code, check, errs)
	}
	if code, _, errs := runCmd(t, "import", "frab", srv.URL+"/gone.json"); code != 1 || !strings.Contains(errs, srv.URL+"/gone.json") || !strings.Contains(errs, "500") {
		t.Errorf("500: exit %d, %q", code, errs)
	}
	kinds := filepath.Join(dir, "kinds.yaml")
	os.WriteFile(kinds, []byte("Keynote: panel\n"), 0o644)
	if code, out, errs := runCmd(t, "import", "frab", "bot/frab/testdata/pretalx.json", "--kinds", kinds); code != 0 || !strings.Contains(out, "kind: panel") {
		t.Errorf("--kinds: exit %d, %s", code, errs)
	}
}

// TestExportFrabCommand: `export frab` writes the bundled program as frab
// JSON that `import frab` reads back into the same sessions.
func TestExportFrabCommand(t *testing.T) {
	code, out, errs := runCmd(t, "export", "frab")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "schedule.json")
	os.WriteFile(path, []byte(out), 0o644)
	code, yaml, errs := runCmd(t, "import", "frab", path)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	back, err := bot.ParseSchedule("schedule.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	orig := mustSchedule(t, "schedule.yaml")
	if len(back.Sessions) != len(orig.Sessions) {
		t.Fatalf("%d sessions back, want %d", len(back.Sessions), len(orig.Sessions))
	}
	for i, s := range back.Sessions {
		o := orig.Sessions[i]
		if s.ID != o.ID || !s.Start.Equal(o.Start) || !s.End.Equal(o.End) || s.Kind != o.Kind || s.Title != o.Title {
			t.Errorf("session %d: %s %s %s %q, want %s %s %s %q", i, s.ID, s.Start, s.Kind, s.Title, o.ID, o.Start, o.Kind, o.Title)
		}
	}
}
