// Package pgcluster runs a private PostgreSQL cluster from the installed
// PostgreSQL binaries: the program's embedded default when DATABASE_URL is
// unset, and the tests' last resort when no server answers. The cluster lives
// in a data directory and listens on a unix socket in it (optionally also on a
// loopback TCP port).
//
// PostgreSQL refuses to run as root. When this process is root, the cluster's
// files are owned by, and its programs run as, the "postgres" account (or
// "nobody" where there is none).
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNoBinaries means PostgreSQL's server programs were not found.
var ErrNoBinaries = errors.New("PostgreSQL server programs (initdb, pg_ctl, postgres) not found: " +
	"install them (Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: brew install postgresql), " +
	"put their directory on PATH or set PG_BIN, or set DATABASE_URL to use an existing server")

// Options configure a cluster.
type Options struct {
	// Port is the TCP port on 127.0.0.1; 0 means unix socket only.
	Port int
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// Cluster is a running private cluster.
type Cluster struct {
	Dir       string // the data directory given to Start
	SocketDir string
	Port      int
	bin       string
	owner     *credential
	// addr guards Port and SocketDir, which running reads again from
	// postmaster.pid (Supervise does, beside the process's own use).
	addr sync.Mutex
	// opts is what the postmaster was started with (for Supervise).
	opts string
	// full: the last start that failed found the disk full (DiskFull).
	full atomic.Bool
	// users is this process's share of the cluster: a shared flock on
	// users.lock, held while it uses the cluster and dropped by the kernel
	// when it exits, however it exits. The last user to stop stops the
	// cluster; one that finds it running (another user's, or left by a
	// process killed with -9) joins and counts as a user like any other.
	users *os.File
}

type credential struct {
	uid, gid uint32
	name     string
}

// FindBinaries returns the directory holding initdb, pg_ctl and postgres:
// $PG_BIN, then PATH, then the newest /usr/lib/postgresql/*/bin.
func FindBinaries() (string, error) {
	var candidates []string
	if d := os.Getenv("PG_BIN"); d != "" {
		candidates = append(candidates, d)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return versionOf(versions[i]) > versionOf(versions[j]) })
	candidates = append(candidates, versions...)
	candidates = append(candidates, "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin")
	for _, d := range candidates {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start initialises dir if it is new and starts the cluster, or finds it
// already running (started by another process now, or left by an earlier
// run that was killed) and joins it. Either way the process is one of the
// cluster's users until Stop, and the last user's Stop stops it. A cluster
// whose postmaster was killed (a stale postmaster.pid) is started again.
func Start(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Port: opts.Port, bin: bin}
	if os.Geteuid() == 0 {
		if c.owner, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if c.owner != nil {
		if err := c.reachable(dir); err != nil {
			return nil, err
		}
	}
	pgdata := c.pgdata()
	c.SocketDir = filepath.Join(dir, "run")
	// A unix socket path is limited to about 100 bytes.
	if len(c.SocketDir) > 80 {
		return nil, fmt.Errorf("data directory %s is too long a path for PostgreSQL's socket; choose a shorter TIANBAO_DATA", dir)
	}
	// Parents are made traversable (0755); the directories themselves private.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	for _, d := range []string{dir, c.SocketDir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
		if err := c.chown(d); err != nil {
			return nil, err
		}
	}
	// Starting and stopping are one at a time across processes.
	unlock, err := lockFile(filepath.Join(dir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c.users, err = os.OpenFile(filepath.Join(dir, "users.lock"), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("cluster users: %w", err)
	}
	if err := syscall.Flock(int(c.users.Fd()), syscall.LOCK_SH); err != nil {
		c.users.Close()
		return nil, fmt.Errorf("cluster users: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			c.users.Close()
		}
	}()
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("initialising a private PostgreSQL cluster in %s", pgdata)
		if err := c.run(ctx, "initdb", "-D", pgdata, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	}
	if c.running(ctx) {
		logf("using the private PostgreSQL cluster already running in %s", pgdata)
		ok = true
		return c, nil
	}
	listen := "''"
	if opts.Port != 0 {
		listen = "127.0.0.1"
	}
	port := opts.Port
	if port == 0 {
		port = 5432 // only names the socket file; no TCP listener
	}
	c.Port = port
	c.opts = fmt.Sprintf("-c listen_addresses=%s -p %d -k %s -c fsync=on -c max_connections=200", listen, port, c.SocketDir)
	logf("starting the private PostgreSQL cluster in %s (stopped again when its last user exits)", pgdata)
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// start starts the postmaster with c.opts.
func (c *Cluster) start(ctx context.Context) error {
	if c.opts == "" {
		c.opts = fmt.Sprintf("-c listen_addresses=%s -p %d -k %s -c fsync=on -c max_connections=200", "''", c.Port, c.SocketDir)
	}
	if err := c.run(ctx, "pg_ctl", "-D", c.pgdata(), "-l", filepath.Join(c.Dir, "postgres.log"), "-o", c.opts, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("start PostgreSQL (see %s): %w", filepath.Join(c.Dir, "postgres.log"), err)
	}
	return nil
}

// lockFile takes a flock on path (created if need be) and returns its release.
func lockFile(path string, how int) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

func (c *Cluster) pgdata() string { return filepath.Join(c.Dir, "pgdata") }

// running reports whether a postmaster serves this data directory, and reads
// its port from postmaster.pid so that a reused cluster is reached correctly.
func (c *Cluster) running(ctx context.Context) bool {
	if c.run(ctx, "pg_ctl", "-D", c.pgdata(), "status") != nil {
		return false
	}
	pid, err := os.ReadFile(filepath.Join(c.pgdata(), "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(pid), "\n")
	if len(lines) > 4 {
		c.addr.Lock()
		if p, err := strconv.Atoi(strings.TrimSpace(lines[3])); err == nil {
			c.Port = p
		}
		if s := strings.TrimSpace(lines[4]); s != "" {
			c.SocketDir = s
		}
		c.addr.Unlock()
	}
	return true
}

// URL is a lib/pq connection string for database db over the unix socket.
func (c *Cluster) URL(db string) string {
	c.addr.Lock()
	defer c.addr.Unlock()
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", c.SocketDir, c.Port, db)
}

// Stop ends this process's use of the cluster, and shuts the cluster down
// if no other process uses it.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.users == nil {
		return nil
	}
	unlock, err := lockFile(filepath.Join(c.Dir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	c.users.Close()
	c.users = nil
	last, err := lockFile(filepath.Join(c.Dir, "users.lock"), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil // another process uses it still
	}
	if err != nil {
		return err
	}
	defer last()
	if !c.running(ctx) {
		return nil
	}
	if err := c.run(ctx, "pg_ctl", "-D", c.pgdata(), "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w", err)
	}
	return nil
}

// Running reports whether the cluster's postmaster is up.
func (c *Cluster) Running(ctx context.Context) bool { return c.running(ctx) }

// HasDatabase reports whether database name exists.
func (c *Cluster) HasDatabase(ctx context.Context, name string) (bool, error) {
	out, err := c.output(ctx, "psql", "-h", c.SocketDir, "-p", strconv.Itoa(c.Port), "-U", "postgres", "-d", "postgres", "-tAc",
		"SELECT 1 FROM pg_database WHERE datname = '"+strings.ReplaceAll(name, "'", "''")+"'")
	if err != nil {
		return false, fmt.Errorf("look for database %s: %w", name, err)
	}
	return strings.TrimSpace(out) == "1", nil
}

// EnsureDatabase creates database name if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	if ok, err := c.HasDatabase(ctx, name); err != nil || ok {
		return err
	}
	if err := c.run(ctx, "createdb", "-h", c.SocketDir, "-p", strconv.Itoa(c.Port), "-U", "postgres", name); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, prog string, args ...string) error {
	_, err := c.output(ctx, prog, args...)
	return err
}

func (c *Cluster) output(ctx context.Context, prog string, args ...string) (string, error) {
	path := filepath.Join(c.bin, prog)
	if !isExec(path) {
		if p, err := exec.LookPath(prog); err == nil {
			path = p
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Dir = "/"
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: c.owner.uid, Gid: c.owner.gid}}
		cmd.Env = append(os.Environ(), "HOME="+c.Dir, "USER="+c.owner.name)
	}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return "", fmt.Errorf("%s: %w: %s", prog, err, lastLines(msg, 5))
	}
	return out.String(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func (c *Cluster) chown(path string) error {
	if c.owner == nil {
		return nil
	}
	if err := os.Chown(path, int(c.owner.uid), int(c.owner.gid)); err != nil {
		return fmt.Errorf("give %s to %s: %w", path, c.owner.name, err)
	}
	return nil
}

// reachable checks that the unprivileged account can walk down to dir: a
// data directory under /root, say, cannot be used by the postgres account.
func (c *Cluster) reachable(dir string) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err == nil {
			sys, ok := st.Sys().(*syscall.Stat_t)
			if ok && sys.Uid != c.owner.uid && st.Mode().Perm()&0o001 == 0 {
				return fmt.Errorf("PostgreSQL runs as %q and cannot enter %s to reach %s: choose a data directory it can reach (TIANBAO_DATA=/var/lib/tianbao) or set DATABASE_URL", c.owner.name, p, dir)
			}
		}
		if p == "/" || p == "." {
			return nil
		}
	}
}

// unprivileged picks the account a root process runs PostgreSQL as.
func unprivileged() (*credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return &credential{uid: uint32(uid), gid: uint32(gid), name: name}, nil
		}
	}
	return nil, errors.New("running as root, and PostgreSQL refuses to: create a 'postgres' user, or run tianbao as an ordinary user, or set DATABASE_URL")
}

// Supervise keeps the cluster running while ctx lasts: every every, it
// checks that the postmaster is up and, when it is not (it crashed, was
// killed, or shut itself down on a full disk, which PostgreSQL does and
// does not undo), starts it again, trying with a growing pause (up to a
// minute) until it starts: after a full disk, once space is back. It says
// in the log what it found and what it did. Several processes sharing the
// cluster may each supervise: one starts it, the others find it running.
func (c *Cluster) Supervise(ctx context.Context, every time.Duration, logf func(format string, args ...any)) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var downSince time.Time
	attempts := 0
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if c.running(ctx) {
			if !downSince.IsZero() {
				logf("the private PostgreSQL cluster is running again, after %s down and %d start(s) by this process", time.Since(downSince).Round(time.Second), attempts)
				downSince, attempts = time.Time{}, 0
			}
			c.full.Store(false)
			wait = every
			continue
		}
		if downSince.IsZero() {
			downSince = time.Now()
			logf("the private PostgreSQL cluster in %s is down (%s); starting it again", c.pgdata(), c.lastLog())
		}
		attempts++
		err := c.restart(ctx)
		switch {
		case err == nil:
			c.full.Store(false)
			logf("started the private PostgreSQL cluster again, after %s down (attempt %d)", time.Since(downSince).Round(time.Second), attempts)
			downSince, attempts, wait = time.Time{}, 0, every
			continue
		case ctx.Err() != nil:
			return
		}
		full := noSpace(err.Error()) || noSpace(c.lastLog())
		c.full.Store(full)
		wait = min(2*wait, time.Minute)
		if full {
			logf("the private PostgreSQL cluster cannot start: the disk holding %s is full; free some space, it is started as soon as there is (trying again in %s)", c.Dir, wait)
		} else {
			logf("the private PostgreSQL cluster did not start (attempt %d, trying again in %s): %v", attempts, wait, err)
		}
	}
}

// restart starts the postmaster if it is still down, one process at a time.
func (c *Cluster) restart(ctx context.Context) error {
	unlock, err := lockFile(filepath.Join(c.Dir, "start.lock"), syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	if c.running(ctx) {
		return nil // another user started it meanwhile
	}
	return c.start(ctx)
}

// DiskFull reports whether the cluster is down on a full disk, as far as
// Supervise found out.
func (c *Cluster) DiskFull() bool { return c.full.Load() }

func noSpace(s string) bool { return strings.Contains(s, "No space left on device") }

// lastLog is the last line PostgreSQL logged that says what went wrong.
func (c *Cluster) lastLog() string {
	b, err := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-50; i-- {
		if l := lines[i]; strings.Contains(l, "PANIC") || strings.Contains(l, "FATAL") || strings.Contains(l, "No space") {
			return strings.TrimSpace(l)
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return "nothing logged"
}
