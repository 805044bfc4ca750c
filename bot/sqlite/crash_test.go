package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"workshopbot/bot"
)

// crashChildEnv, set to a database path, makes the test binary run crashChild
// instead of the tests (see TestMain).
const crashChildEnv = "WORKSHOPBOT_SQLITE_CRASH_CHILD"

// crashRecord is the record the crash child writes for i, first pending, then
// sent.
func crashRecord(i int, status bot.ReminderStatus) bot.ReminderRecord {
	r := bot.ReminderRecord{
		Key:    bot.ReminderKey{SessionID: fmt.Sprintf("s%05d", i), Lead: time.Duration(i%4) * 5 * time.Minute},
		Due:    time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		Status: status,
		Nonce:  fmt.Sprintf("n%d", i),
	}
	if status == bot.StatusSent {
		r.PostedAt = r.Due.Add(time.Second)
		r.ChannelID, r.MessageID = "announcements", fmt.Sprintf("m%d", i)
	}
	return r
}

// crashChild writes records until it is killed, printing "committed I STATUS"
// after each PutReminder returns: the parent holds the store to those lines.
func crashChild(path string) int {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		for _, status := range []bot.ReminderStatus{bot.StatusPending, bot.StatusSent} {
			if err := db.PutReminder(ctx, crashRecord(i, status)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			// os.Stdout is unbuffered: the line is out before the next write starts.
			fmt.Printf("committed %d %s\n", i, status)
		}
	}
}

func TestCrashKeepsCommittedRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "workshopbot.db")
	cmd, stderr, lines := startCrashChild(t, "^$", crashChildEnv, path)

	committed := map[int]bot.ReminderStatus{} // the last status reported per record
	record := func(l string) {
		var i int
		var status string
		if _, err := fmt.Sscanf(l, "committed %d %s", &i, &status); err != nil {
			t.Errorf("child printed %q: %v", l, err)
			return
		}
		committed[i] = bot.ReminderStatus(status)
	}

	// Read until the child has committed a fair number of writes, then kill it
	// wherever it is: it spends its time inside PutReminder, so mid-write.
	const enough, limit = 300, 2 * time.Second
	timeout := time.After(limit)
	checkedLock := false
reading:
	for len(committed) < enough {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before it was killed: %s", stderr.String())
			}
			record(l)
			if !checkedLock {
				checkedLock = true
				// The running child owns the file: a second bot is refused, by pid.
				_, err := Open(context.Background(), path)
				want := fmt.Sprintf("open database %s: locked by another running workshopbot (pid %d)", path, cmd.Process.Pid)
				if err == nil || err.Error() != want || !errors.Is(err, ErrLocked) {
					t.Errorf("Open while the child runs: error = %v, want %q", err, want)
				}
			}
		case <-timeout:
			break reading
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for l := range lines { // what the child printed before it died
		record(l)
	}
	err := cmd.Wait()
	if runtime.GOOS != "windows" && (err == nil || cmd.ProcessState.Exited()) {
		t.Fatalf("child was not killed: %v: %s", err, stderr.String())
	}
	if len(committed) == 0 {
		t.Fatalf("child committed nothing within %v: %s", limit, stderr.String())
	}
	t.Logf("child committed %d records before SIGKILL", len(committed))

	// The kernel dropped the dead child's lock: Open succeeds at once.
	db := openT(t, path)
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bot.ReminderRecord{}
	for _, r := range reminders(t, db) {
		stored[r.Key.SessionID] = r
	}
	for i, status := range committed {
		r, ok := stored[crashRecord(i, status).Key.SessionID]
		if !ok {
			t.Errorf("record %d reported committed (%s) is missing", i, status)
			continue
		}
		// A write can commit and the child die before it says so: a record
		// reported pending may be found sent, never the other way round.
		wants := []bot.ReminderRecord{crashRecord(i, bot.StatusSent)}
		if status == bot.StatusPending {
			wants = append(wants, crashRecord(i, bot.StatusPending))
		}
		if !matchesAny(r, wants) {
			t.Errorf("record %d reported committed as %s, stored as\n  %s", i, status, line(r))
		}
	}
	// Anything stored that was never reported can only be the one write in flight.
	for id := range stored {
		i, _ := strconv.Atoi(strings.TrimPrefix(id, "s"))
		if _, ok := committed[i]; !ok && i != len(committed) {
			t.Errorf("record %s stored but neither reported nor the write in flight (%d reported)", id, len(committed))
		}
	}
}

func matchesAny(r bot.ReminderRecord, wants []bot.ReminderRecord) bool {
	for _, w := range wants {
		if line(r) == line(w) {
			return true
		}
	}
	return false
}

// startCrashChild re-runs this test binary as a child that writes to the database
// at path (the child is selected by run and env), and returns its stdout lines as
// they come, so the parent can SIGKILL it mid-write.
func startCrashChild(t *testing.T, run, env, path string) (*exec.Cmd, *bytes.Buffer, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+run)
	cmd.Env = append(os.Environ(), env+"="+path)
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	return cmd, stderr, lines
}
