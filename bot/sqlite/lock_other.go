//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package sqlite

import (
	"errors"
	"os"
)

// errNoLocking is tryLock's error where the platform has no file locks.
var errNoLocking = errors.New("file locking is not supported on this system")

// tryLock fails: without a lock that the system drops at exit, two bots could
// share a file, and refusing to start is safer than double-posting.
func tryLock(*os.File) (bool, error) { return false, errNoLocking }

func syncDir(string) error { return nil }

// lockInode is a no-op here: the side lock of the real path is the only one
// (Windows locks are mandatory and would block SQLite's own reads).
func lockInode(string) (*lockFile, error) { return nil, nil }
