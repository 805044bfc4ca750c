package bot

import (
	"slices"
	"testing"
	"time"
)

// TestMembersWithoutACount: when the chat service never told the member count
// (the console, or a gateway without it), the members over the day are the
// joins less the leaves from the first window on, its own joins included.
func TestMembersWithoutACount(t *testing.T) {
	t0 := time.Date(2021, 12, 14, 11, 50, 0, 0, time.UTC)
	in := FigureInput{Activity: ActivityCounts{Members: []MemberCount{
		{Bucket: t0, Joins: 2},
		{Bucket: t0.Add(20 * time.Minute), Joins: 1},
		{Bucket: t0.Add(16 * time.Hour), Joins: 1},
		{Bucket: t0.Add(17 * time.Hour), Leaves: 3},
		{Bucket: t0.Add(18 * time.Hour), Leaves: 5}, // more than there are: never below 0
	}}}
	f := ComputeFigures(&Program{Schedule: testSchedule()}, in, t0.Add(24*time.Hour))
	var got []int
	for _, p := range f.Members {
		got = append(got, p.Members)
		if p.Known {
			t.Errorf("%s: known, but the count was never told", p.At)
		}
	}
	if want := []int{2, 3, 4, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	if f.Summary.Joins != 4 || f.Summary.Leaves != 8 || f.Summary.MembersKnown {
		t.Errorf("summary %+v", f.Summary)
	}
}
