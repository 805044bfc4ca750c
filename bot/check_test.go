package bot

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestWriteCheck(t *testing.T) {
	p, err := LoadProgram(filepath.Join("..", "schedule.yaml"), filepath.Join("..", "posters.csv"))
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCheck(&buf, p, berlin); err != nil {
		t.Fatal(err)
	}
	golden(t, "check.golden", buf.Bytes())
}

func TestLoadProgram(t *testing.T) {
	p, err := LoadProgram(filepath.Join("..", "schedule.yaml"), filepath.Join("..", "posters.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Schedule.Sessions) != 20 || len(p.Posters) != 8 {
		t.Errorf("got %d sessions and %d posters, want 20 and 8", len(p.Schedule.Sessions), len(p.Posters))
	}
	if p, err := LoadProgram(filepath.Join("..", "schedule.yaml"), ""); err != nil || len(p.Posters) != 0 {
		t.Errorf("no posters file: got %v, %v", p, err)
	}
}

// TestLoadProgramErrors checks that the errors of both files come back
// together, and that posters are checked against a schedule that has errors.
func TestLoadProgramErrors(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "schedule.yaml")
	posters := filepath.Join(dir, "posters.csv")
	write := func(path, data string) {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(sched, minimalSchedule+`  - {start: "09:00", kind: posters, title: Posters, poster_session: 1}
  - {start: "10:00", kind: talk, title: Talk}
`)
	write(posters, "id,session,title\np1,1,Fine\np2,2,Nowhere\n")
	p, err := LoadProgram(sched, posters)
	if p != nil {
		t.Errorf("got a program, want none")
	}
	checkErrors2(t, err, []string{
		sched + ":7: sessions[1].kind",
		posters + ":3: session",
	})

	_, err = LoadProgram(filepath.Join(dir, "missing.yaml"), posters)
	checkErrors2(t, err, []string{filepath.Join(dir, "missing.yaml") + ": "})
}

// checkErrors2 asserts that each error of err starts with the prefix at its index.
func checkErrors2(t *testing.T, err error, prefixes []string) {
	t.Helper()
	errs, ok := err.(Errors)
	if !ok || len(errs) != len(prefixes) {
		t.Fatalf("got %v, want %d errors", err, len(prefixes))
	}
	for i, e := range errs {
		if got := e.Error(); len(got) < len(prefixes[i]) || got[:len(prefixes[i])] != prefixes[i] {
			t.Errorf("error %d: got %q, want it to start with %q", i, got, prefixes[i])
		}
	}
}
