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
	"syscall"
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
	o := fmt.Sprintf("-c listen_addresses=%s -p %d -k %s -c fsync=on -c max_connections=200", listen, port, c.SocketDir)
	logf("starting the private PostgreSQL cluster in %s (stopped again when its last user exits)", pgdata)
	if err := c.run(ctx, "pg_ctl", "-D", pgdata, "-l", filepath.Join(dir, "postgres.log"), "-o", o, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("start PostgreSQL (see %s): %w", filepath.Join(dir, "postgres.log"), err)
	}
	ok = true
	return c, nil
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
		if p, err := strconv.Atoi(strings.TrimSpace(lines[3])); err == nil {
			c.Port = p
		}
		if s := strings.TrimSpace(lines[4]); s != "" {
			c.SocketDir = s
		}
	}
	return true
}

// URL is a lib/pq connection string for database db over the unix socket.
func (c *Cluster) URL(db string) string {
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
