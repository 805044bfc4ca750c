package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSourceCopySurvivesReopen: the live source's last good copy is on disk,
// replaced whole, and readable read-only (the report beside the bot).
func TestSourceCopySurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db := openT(t, path)
	if url, data, err := db.SourceCopy(ctx); err != nil || url != "" || data != nil {
		t.Fatalf("empty database: %q %q %v; want none", url, data, err)
	}
	if err := db.PutSourceCopy(ctx, "", []byte("x")); err == nil {
		t.Errorf("a copy without a URL was kept")
	}
	for _, v := range []string{`{"v":1}`, `{"v":2}`} {
		if err := db.PutSourceCopy(ctx, "https://pretalx.example/c/schedule/export/schedule.json", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openT(t, path)
	url, data, err := db.SourceCopy(ctx)
	if err != nil || url != "https://pretalx.example/c/schedule/export/schedule.json" || string(data) != `{"v":2}` {
		t.Errorf("after reopen: %q %q %v; want the second copy", url, data, err)
	}
}
