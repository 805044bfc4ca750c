package web

import (
	"testing"
	"time"
)

func TestCountdown(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "in 0 s"},
		{0, "in 0 s"},
		{42 * time.Second, "in 42 s"},
		{4*time.Minute + 9*time.Second, "in 4 min 09 s"},
		{time.Hour + 5*time.Minute + 30*time.Second, "in 1 h 05 min"},
	} {
		if got := countdown(tc.d); got != tc.want {
			t.Errorf("countdown(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestLeadText(t *testing.T) {
	for _, tc := range []struct{ lead, want string }{
		{"0s", "at start"},
		{"15m0s", "15 min before"},
		{"30s", "30 s before"},
		{"1h0m0s", "1 h before"},
		{"1h30m0s", "1 h 30 min before"},
		{"junk", "junk"},
	} {
		if got := leadText(tc.lead); got != tc.want {
			t.Errorf("leadText(%q) = %q, want %q", tc.lead, got, tc.want)
		}
	}
}
