//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite

import (
	"errors"
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
