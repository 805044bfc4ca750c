package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckCommand runs `workshopbot check` as a user would: the bundled files pass
// and list all 20 sessions; each broken file fails, naming the file and line.
func TestCheckCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check"}, func(string) string { return "" }, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("check on the bundled files exited %d:\n%s", code, stderr.String())
	}
	rows := regexp.MustCompile(`(?m)^\d\d:\d\d -05:00`).FindAllString(stdout.String(), -1)
	if len(rows) != 20 || !strings.Contains(stdout.String(), "Sessions: 20") {
		t.Errorf("check listed %d sessions, want 20:\n%s", len(rows), stdout.String())
	}

	broken := filepath.Join("bot", "testdata", "broken")
	tests := []struct {
		schedule, posters string
		want              string // the first error line starts with this
	}{
		{schedule: "bad-time.yaml", want: "bad-time.yaml:6: sessions[0].start:"},
		{schedule: "unknown-key.yaml", want: "unknown-key.yaml:6: sessions[0].title:"},
		{schedule: "duplicate-id.yaml", want: "duplicate-id.yaml:10: sessions[1].id:"},
		{schedule: "missing-title.yaml", want: "missing-title.yaml:9: sessions[1].title:"},
		{schedule: "bad-url.yaml", want: "bad-url.yaml:6: workshop.links.zoom:"},
		{schedule: "bad-timezone.yaml", want: "bad-timezone.yaml:3: workshop.timezone:"},
		{schedule: "bad-kind.yaml", want: "bad-kind.yaml:7: sessions[0].kind:"},
		{schedule: "bad-lead.yaml", want: "bad-lead.yaml:6: reminders.leads[1]:"},
		{schedule: "syntax.yaml", want: "syntax.yaml:8: not valid YAML"},
		{schedule: "invalid-utf8.yaml", want: "invalid-utf8.yaml:8: invalid UTF-8"},
		{posters: "extra-column.csv", want: "extra-column.csv:1:"},
		{posters: "unknown-session.csv", want: "unknown-session.csv:"},
		{posters: "bad-presenter.csv", want: "bad-presenter.csv:"},
	}
	for _, tt := range tests {
		name := tt.schedule + tt.posters
		t.Run(name, func(t *testing.T) {
			args := []string{"check"}
			if tt.schedule != "" {
				args = append(args, "--schedule", filepath.Join(broken, tt.schedule))
			}
			if tt.posters != "" {
				args = append(args, "--posters", filepath.Join(broken, tt.posters))
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, func(string) string { return "" }, nil, &stdout, &stderr)
			if code == 0 {
				t.Fatalf("check exited 0 on a broken file")
			}
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, filepath.Join(broken, tt.want)) {
				t.Errorf("first error:\n got %s\nwant %s...", first, filepath.Join(broken, tt.want))
			}
			if !regexp.MustCompile(`:\d+: `).MatchString(first) {
				t.Errorf("first error has no line number: %s", first)
			}
		})
	}
}

// TestCheckWarns (issue 12 item 7): a valid program with a likely mistake (the
// panel written "13:15" instead of "23:15": out of time order and overlapping)
// passes check, exit 0, with `warning:` lines naming file and line; the bundled
// program has none.
func TestCheckWarns(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check"}, func(string) string { return "" }, nil, &stdout, &stderr); code != 0 || strings.Contains(stderr.String(), "warning") {
		t.Fatalf("bundled files: exit %d, stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile("schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sched := filepath.Join(t.TempDir(), "schedule.yaml")
	edited := strings.Replace(string(data), "  - id: panel\n    start: \"23:00\"", "  - id: panel\n    start: \"13:15\"", 1)
	if edited == string(data) {
		t.Fatal("no panel at 23:00 in schedule.yaml")
	}
	if err := os.WriteFile(sched, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"check", "--schedule", sched}, func(string) string { return "" }, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("check exited %d, want 0 (warnings only):\n%s", code, stderr.String())
	}
	if !regexp.MustCompile(`(?m)^warning: ` + regexp.QuoteMeta(sched) + `:\d+: session panel: .*out of time order`).MatchString(stderr.String()) {
		t.Errorf("no out-of-order warning for the panel:\n%s", stderr.String())
	}
}
