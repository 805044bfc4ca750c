package storetest

import (
	"context"
	"testing"
)

// TestSourceCopySurvivesReopen: the live source's last good copy is stored,
// replaced whole, and there after a restart.
func TestSourceCopySurvivesReopen(t *testing.T) {
	forEngines(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		const url = "https://pretalx.example/c/schedule/export/schedule.json"
		db := e.open(t, "main")
		if got, data, err := db.SourceCopy(ctx); err != nil || got != "" || data != nil {
			t.Fatalf("empty database: %q %q %v; want none", got, data, err)
		}
		if err := db.PutSourceCopy(ctx, "", []byte("x")); err == nil {
			t.Errorf("a copy without a URL was kept")
		}
		for _, v := range []string{`{"v":1}`, `{"v":2}`} {
			if err := db.PutSourceCopy(ctx, url, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = e.open(t, "main")
		got, data, err := db.SourceCopy(ctx)
		if err != nil || got != url || string(data) != `{"v":2}` {
			t.Errorf("after reopen: %q %q %v; want the second copy", got, data, err)
		}
	})
}
