// Package pgtest starts a real PostgreSQL server for tests, from the binaries
// of Debian's postgresql package (/usr/lib/postgresql/*/bin): initdb in a
// temporary folder, a Unix socket in it, no TCP listener. Tests that need it
// skip, saying why, when the binaries cannot be found.
//
// One server serves a whole test binary: Shared starts it on first use, and the
// package's TestMain calls Stop after m.Run. Start gives a test a server of its
// own instead, stopped when the test ends. Each test takes a fresh database
// of its own (NewDatabase), so tests never see each other's rows.
//
// Run as root, the server runs as the user postgres (initdb refuses root). It
// must never be imported outside tests.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL server.
type Server struct {
	dir  string // data and socket, removed by Stop
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	n    atomic.Int64  // databases made
}

var (
	mu      sync.Mutex
	shared  *Server
	skipMsg string // why there is no server, once a start failed for want of binaries
)

// BinDir returns the newest /usr/lib/postgresql/*/bin holding initdb and
// postgres, or "" if there is none. PGTEST_BIN overrides it.
func BinDir() string {
	if d := os.Getenv("PGTEST_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Shared returns the test binary's server, starting it on first use. It skips
// t when the PostgreSQL binaries are absent, and fails it if they are there
// but the server does not start.
func Shared(t testing.TB) *Server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		return shared
	}
	if skipMsg != "" {
		t.Skip(skipMsg)
	}
	bin := BinDir()
	if bin == "" {
		skipMsg = "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or set PGTEST_BIN"
		t.Skip(skipMsg)
	}
	s, err := start(bin)
	if err != nil {
		t.Fatalf("start PostgreSQL from %s: %v", bin, err)
	}
	shared = s
	return s
}

// Start starts a server of t's own, stopped when t ends; for a test that
// wants one apart (or a package with no TestMain to call Stop). It skips t
// when the binaries are absent.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := BinDir()
	if bin == "" {
		t.Skip("PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or set PGTEST_BIN")
	}
	s, err := start(bin)
	if err != nil {
		t.Fatalf("start PostgreSQL from %s: %v", bin, err)
	}
	t.Cleanup(s.stop)
	return s
}

// Stop stops the shared server, if one was started, and removes its folder.
// A package's TestMain calls it after m.Run.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
}

// start runs initdb and then the server, and waits until it accepts connections.
func start(bin string) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the user postgres to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	var logs bytes.Buffer
	// No TCP (listen_addresses empty): the socket in dir is the only way in.
	// fsync off: a test that kills a bot never kills the server, so commits
	// survive without it, and the machine is spared the syncs.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=100", "-c", "shared_buffers=32MB")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Server{dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { // owned by the server process: ends when it exits
		cmd.Wait()
		close(s.done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		if err == nil {
			conn.Close(ctx)
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("postgres exited: %s", logs.String())
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("postgres did not accept connections within 30 s: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server for a fast shutdown, waits for it, and removes its folder.
func (s *Server) stop() {
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	os.RemoveAll(s.dir)
}

// url is the URL of database db on the server's socket.
func (s *Server) url(db string) string {
	q := url.Values{"host": {s.dir}, "user": {"postgres"}, "sslmode": {"disable"}}
	return "postgres:///" + db + "?" + q.Encode()
}

// NewDatabase creates an empty database and returns its postgres:// URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.n.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return s.url(name)
}

// Exec runs sql on database URL u, for tests that reach past the store.
func Exec(t testing.TB, u, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}
