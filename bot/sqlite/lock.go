package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// dbLock is what keeps a second bot off a database: the side lock of the
// file's real path (symlinks resolved), and where the system has flock, a lock
// on the database file itself, which a hard link shares.
type dbLock struct {
	side, file *lockFile
}

// lockDatabase locks the database at path, which may be a symlink or one of
// several hard links; real is the path the links resolve to. A file that exists
// with 0 bytes is refused as corrupt: SQLite would take it for a new, empty
// database, and every record of the day would silently be gone.
func lockDatabase(path string) (l *dbLock, real string, err error) {
	real, err = resolvePath(path)
	if err != nil {
		return nil, "", fmt.Errorf("lock: %w", err)
	}
	info, serr := os.Stat(real)
	existed := serr == nil
	if existed && !info.Mode().IsRegular() {
		return nil, "", fmt.Errorf("%s is not a regular file (%s)", real, info.Mode().Type())
	}
	side, err := acquireLock(real + ".lock")
	if err != nil {
		return nil, "", err
	}
	file, err := lockInode(real)
	if err != nil {
		side.release()
		return nil, "", err
	}
	l = &dbLock{side: side, file: file}
	if existed && info.Size() == 0 {
		if st, err := os.Stat(real); err == nil && st.Size() == 0 {
			l.release()
			return nil, "", fmt.Errorf("%w: the file is empty (0 bytes), not a database", ErrCorrupt)
		}
	}
	return l, real, nil
}

// release drops both locks, the database file's last (closing it would drop
// SQLite's own locks on the file if a connection were still open). It is safe
// on a nil dbLock.
func (l *dbLock) release() error {
	if l == nil {
		return nil
	}
	err := l.file.release()
	return errors.Join(err, l.side.release())
}

// resolvePath is path with every symlink resolved; for a file that does not
// exist yet, its directory's.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err == nil {
		return real, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if fi, lerr := os.Lstat(abs); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return "", fmt.Errorf("%s is a symlink to a file that does not exist", path)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

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
	pid  int  // 0 if unknown
	link bool // the file is held under another name (a hard link)
}

func (e *lockedError) Error() string {
	if e.link {
		return ErrLocked.Error() + " (the same file under another name: a hard link)"
	}
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
