//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes flock(LOCK_EX) on f without waiting. held reports that another
// open file, in this process or another, has it. flock, unlike the fcntl locks
// SQLite uses, belongs to the open file, so a second Open in the same process
// is refused too.
func tryLock(f *os.File) (held bool, err error) {
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error { return syncOpened(dir, os.O_RDONLY) }

// lockInode takes flock on the database file itself, creating it if missing: a
// second name for the same file (a hard link) meets the lock too, since flock
// belongs to the file, not to its name. It is independent of SQLite's fcntl
// locks on the same file, and is released only after SQLite has closed it.
func lockInode(path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if held {
		f.Close()
		return nil, &lockedError{link: true}
	}
	return &lockFile{f: f}, nil
}
