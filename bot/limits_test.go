package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTruncate was bot/discord's TestFit: the discord edge cuts with Truncate.
func TestTruncate(t *testing.T) {
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate(short) = %q", got)
	}
	long := strings.Repeat("word ", 500) // 2500 characters
	got := Truncate(long, MaxContent)
	if n := utf8.RuneCountInString(got); n > MaxContent {
		t.Errorf("Truncate gave %d characters, want ≤ %d", n, MaxContent)
	}
	if !strings.HasSuffix(got, "word…") {
		t.Errorf("Truncate did not cut at a word: ...%q", got[len(got)-20:])
	}
	accents := strings.Repeat("é", 2100)
	if got := Truncate(accents, MaxContent); utf8.RuneCountInString(got) != MaxContent || !utf8.ValidString(got) {
		t.Errorf("Truncate(é×2100) has %d characters, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
}
