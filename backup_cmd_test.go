package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"workshopbot/bot"
	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/sqlite"
)

// TestBackupWhileBotRuns runs the bot as its own process on Discord (the fake),
// with questions stored, and takes `workshopbot backup` of its database while it
// runs and holds the database's lock: the copy passes integrity_check and holds
// every question, and the bot keeps answering afterwards.
func TestBackupWhileBotRuns(t *testing.T) {
	bin := buildBinary(t)
	fake := discordtest.New(t, discordtest.WithServerMembersIntent())
	users := members(fake, "attendee", 5)
	dir := t.TempDir()
	schedule, posters := writeProgram(t, dir, 100)
	db := filepath.Join(dir, "bot.db")
	cmd := exec.Command(bin, "--db", db, "--schedule", schedule, "--posters", posters)
	for k, v := range fakeEnv(fake) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(os.Environ(), cmd.Env...)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan int, 1)
	go func() { _ = cmd.Wait(); exited <- cmd.ProcessState.ExitCode() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			t.Logf("bot log (tail):\n%s", tail(logs.String(), 30))
		}
	}()
	waitReady(t, fake, exited)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const asked = 20
	for j := range asked {
		r, err := interact(ctx, fake, users[j%len(users)], askCmd(fmt.Sprintf("Question %d: can we back this up?", j)))
		if err != nil || receivedID(r) == 0 {
			t.Fatalf("/ask %d: %v %+v", j, err, r)
		}
	}

	// The running bot holds the lock: Open is refused, backup is not.
	if _, err := sqlite.Open(ctx, db); err == nil {
		t.Fatal("sqlite.Open succeeded while the bot runs; the lock is not held")
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"backup", "--db", db, dst}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("backup exited %d: %s", code, stderr.String())
	}
	if want := fmt.Sprintf("backed up %s to %s\n", db, dst); stdout.String() != want {
		t.Errorf("backup printed %q, want %q", stdout.String(), want)
	}

	cp, err := sqlite.Open(ctx, dst)
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer cp.Close()
	if err := cp.IntegrityCheck(ctx); err != nil {
		t.Errorf("the copy: %v", err)
	}
	qs, err := cp.Questions(ctx, bot.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != asked {
		t.Errorf("the copy holds %d questions, want %d", len(qs), asked)
	}

	// The bot did not notice.
	r, err := interact(ctx, fake, users[0], askCmd("Question after the backup: still there?"))
	if err != nil || receivedID(r) != asked+1 {
		t.Errorf("/ask after the backup: %v %+v, want question #%d", err, r, asked+1)
	}
	// A second backup to the same name is refused, naming the fix.
	stderr.Reset()
	if code := run(ctx, []string{"backup", dst, "--db", db}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "file already exists; choose a new file name") {
		t.Errorf("backup onto an existing file: exit %d, %q", code, stderr.String())
	}
}

func TestBackupUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup"}, 2, "want one destination file"},
		{[]string{"backup", "a.db", "b.db"}, 2, "want one destination file"},
		{[]string{"backup", "--nope", "a.db"}, 2, "flag provided but not defined: -nope"},
		{[]string{"backup", "--db", "/no/such/workshopbot.db", "a.db"}, 1, "no such file; give the database the bot runs with (--db)"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tt.args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
}
