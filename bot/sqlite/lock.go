package sqlite

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// lockFile is an exclusive lock on a side file, held from Open to Close. The
// lock belongs to the open file, not to the name, so the operating system
// drops it when the process exits, SIGKILL included; a leftover file is
// harmless, and is never deleted (deleting a lock file lets two processes each
// lock a different file of the same name).
//
// Go opens files close-on-exec, so a child process the bot starts does not
// inherit the lock.
type lockFile struct {
	f *os.File
}

// lockedError is acquireLock's answer when someone else holds the lock.
type lockedError struct {
	pid int // 0 if unknown
}

func (e *lockedError) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("%v (pid %d)", ErrLocked, e.pid)
	}
	return ErrLocked.Error()
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// acquireLock locks name without waiting, creating it if needed, and writes the
// process id into it for the error a second bot will show.
func acquireLock(name string) (*lockFile, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if held {
		pid := readPID(f)
		f.Close()
		return nil, &lockedError{pid: pid}
	}
	// The pid is advice for people; failing to write it is no reason to stop.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &lockFile{f: f}, nil
}

// release drops the lock. It is safe on a nil lockFile.
func (l *lockFile) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file drops the lock
	l.f = nil
	return err
}

// readPID reads the holder's pid; 0 if it cannot (the holder may be writing it).
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
