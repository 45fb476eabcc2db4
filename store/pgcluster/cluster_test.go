package pgcluster

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// TestStartStopRestart runs the private cluster the way the program does
// with DATABASE_URL unset: initialise, use, stop; then start again and find
// the data still there.
func TestStartStopRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base, err := os.MkdirTemp("", "tianbao-cluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")

	c, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	execSQL(t, c.URL("postgres"), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`)
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}

	c2, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	defer c2.Stop(ctx)
	db, err := sql.Open("postgres", c2.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
	// A third Start while it runs joins it; the first of the two to stop
	// leaves it running for the other, the last stops it.
	c3, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("start while running: %v", err)
	}
	if err := c3.EnsureDatabase(ctx, "tianbao"); err != nil {
		t.Fatal(err)
	}
	if err := c3.EnsureDatabase(ctx, "tianbao"); err != nil {
		t.Fatalf("EnsureDatabase is not idempotent: %v", err)
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT v FROM kept`).Scan(&v); err != nil {
		t.Fatalf("the cluster stopped under its other user: %v", err)
	}
	db.Close()
	if err := c3.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c3.Running(ctx) {
		t.Errorf("the last user's Stop left the cluster running")
	}
}

// TestClusterAfterKill: a process killed with -9 leaves the cluster
// running (its user lock goes with it): the next run joins it and, being
// its last user, stops it at exit. A postmaster killed with -9 leaves a
// stale postmaster.pid: the next run starts it again.
func TestClusterAfterKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base, err := os.MkdirTemp("", "tianbao-cluster-kill-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	c, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.users.Close() // as the kernel does for a process killed with -9
	c.users = nil
	again, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if again.Running(ctx) {
		t.Fatal("the run after a killed one did not stop the cluster at its exit")
	}

	// Now the postmaster itself.
	c, err = Start(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	c.users.Close()
	c.users = nil
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid: %v", err)
	}
	var revived *Cluster
	for i := 0; i < 40; i++ { // the killed postmaster's backends leave within moments
		if revived, err = Start(ctx, dir, Options{}); err == nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("start after the postmaster was killed: %v", err)
	}
	defer revived.Stop(ctx)
	execSQL(t, revived.URL("postgres"), `SELECT 1`)
}

func execSQL(t *testing.T, url, q string) {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestSuperviseBringsTheClusterBack: a postmaster killed with -9 (a crash)
// is started again by Supervise, which says so in the log; one that cannot
// start (here: its data directory made unreadable, as a full disk makes
// crash recovery fail) is tried again and again, and started once the
// cause is gone.
func TestSuperviseBringsTheClusterBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	base, err := os.MkdirTemp("", "tianbao-cluster-supervise-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	c, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	var mu sync.Mutex
	var logged []string
	logs := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(logged, "\n")
	}
	superviseCtx, stop := context.WithCancel(ctx)
	supervised := make(chan struct{})
	defer func() { stop(); <-supervised }() // before the Stop deferred above
	go func() {
		defer close(supervised)
		c.Supervise(superviseCtx, 100*time.Millisecond, func(f string, a ...any) {
			mu.Lock()
			logged = append(logged, fmt.Sprintf(f, a...))
			mu.Unlock()
		})
	}()
	postmaster := func() int {
		b, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s; the log:\n%s", what, logs())
			}
		}
	}
	killed := postmaster()
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor("not started again after a crash", func() bool { return strings.Contains(logs(), "started the private PostgreSQL cluster again") })
	execSQL(t, c.URL("postgres"), `SELECT 1`)
	if !strings.Contains(logs(), "is down") {
		t.Errorf("the log does not say the cluster was down:\n%s", logs())
	}

	// Down, and unable to start until the cause is gone.
	pgdata := filepath.Join(dir, "pgdata")
	if err := os.Chmod(pgdata, 0); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(postmaster(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor("no failed start logged", func() bool { return strings.Contains(logs(), "did not start") })
	if err := os.Chmod(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	waitFor("not started once it could be", func() bool { return strings.Count(logs(), "started the private PostgreSQL cluster again") == 2 })
	execSQL(t, c.URL("postgres"), `SELECT 1`)
}

// TestFullDiskIsNamed: what PostgreSQL logs when its disk is full is what
// Supervise reads to say so.
func TestFullDiskIsNamed(t *testing.T) {
	dir := t.TempDir()
	c := &Cluster{Dir: dir}
	log := "2026-12-07 02:51:35 LOG:  database system was interrupted\n" +
		"2026-12-07 02:51:35 PANIC:  could not write to file \"pg_wal/xlogtemp.1409\": No space left on device\n" +
		"2026-12-07 02:51:35 LOG:  startup process (PID 1410) was terminated by signal 6: Aborted\n"
	if err := os.WriteFile(filepath.Join(dir, "postgres.log"), []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := c.lastLog(); !noSpace(got) || !strings.Contains(got, "PANIC") {
		t.Errorf("lastLog = %q", got)
	}
}
