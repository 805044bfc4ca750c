//go:build windows

package sqlite

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is the byte locked: past the pid, because Windows locks are
// mandatory and the pid must stay readable.
const lockOffset = 1 << 20

// tryLock takes LockFileEx on one byte of f without waiting. held reports that
// another handle has it.
func tryLock(f *os.File) (held bool, err error) {
	ol := windows.Overlapped{Offset: lockOffset}
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

// syncDir is a no-op: Windows cannot sync a directory, and NTFS journals names.
func syncDir(string) error { return nil }

// lockInode is a no-op here: the side lock of the real path is the only one
// (Windows locks are mandatory and would block SQLite's own reads).
func lockInode(string) (*lockFile, error) { return nil, nil }
