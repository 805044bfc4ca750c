package bot

import (
	"context"
	"fmt"
	"strings"
)

// Summary counts what became of the reminders of a program.
type Summary struct {
	Planned int
	Counts  map[ReminderStatus]int // by status, over the planned reminders
	Pending int                    // planned but not yet decided
	// Questions counts questions by status; nil when questions are off.
	Questions map[QuestionStatus]int
}

// Summarize reports the fate of every reminder of the program in force.
func (b *Bot) Summarize(ctx context.Context) (Summary, error) {
	recs, err := b.records(ctx)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Counts: map[ReminderStatus]int{}}
	for _, r := range Plan(b.Program().Schedule) {
		sum.Planned++
		rec, ok := recs[r.Key]
		if !ok || rec.Status == StatusPending {
			sum.Pending++
			continue
		}
		sum.Counts[rec.Status]++
	}
	if b.qs != nil {
		qs, err := b.qs.Questions(ctx, QuestionFilter{})
		if err != nil {
			return Summary{}, fmt.Errorf("read questions: %w", err)
		}
		sum.Questions = map[QuestionStatus]int{}
		for _, q := range qs {
			sum.Questions[q.Status]++
		}
	}
	return sum, nil
}

// String is the summary a rehearsal prints at its end.
func (s Summary) String() string {
	q := ""
	if s.Questions != nil {
		total := 0
		var parts []string
		for _, st := range QuestionStatuses {
			total += s.Questions[st]
			if n := s.Questions[st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, st))
			}
		}
		q = fmt.Sprintf("\nquestions: %d", total)
		if len(parts) > 0 {
			q += " (" + strings.Join(parts, ", ") + ")"
		}
	}
	sup := ""
	if n := s.Counts[StatusSuperseded]; n > 0 {
		sup = fmt.Sprintf(", %d superseded", n)
	}
	return fmt.Sprintf("reminders: %d planned, %d posted on time, %d posted late%s, %d skipped, %d failed, %d unknown, %d not yet due",
		s.Planned, s.Counts[StatusSent], s.Counts[StatusLate], sup, s.Counts[StatusSkipped], s.Counts[StatusFailed], s.Counts[StatusUnknown], s.Pending) + q
}
