package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"workshopbot/bot/storetest"
)

// The helpers shared with bot/storetest's tests of both engines, by their
// short names here.
var (
	rec         = storetest.Rec
	line        = storetest.Line
	diffRecords = storetest.DiffRecords
	reminders   = storetest.Reminders
	put         = storetest.Put
	question    = storetest.Question
	qline       = storetest.QLine
	t0          = storetest.T0
)

func TestMain(m *testing.M) {
	// The crash test re-executes this binary as the process it kills.
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// openT opens a database in a fresh directory, or at path if given, and closes
// it when the test ends.
func openT(t *testing.T, path string) *DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "workshopbot.db")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
