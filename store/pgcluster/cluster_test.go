package pgcluster

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
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
	// A third Start while it runs reuses it and does not own it.
	c3, err := Start(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("start while running: %v", err)
	}
	if c3.started {
		t.Errorf("a reused cluster must not be stopped by the process that reused it")
	}
	if err := c3.EnsureDatabase(ctx, "tianbao"); err != nil {
		t.Fatal(err)
	}
	if err := c3.EnsureDatabase(ctx, "tianbao"); err != nil {
		t.Fatalf("EnsureDatabase is not idempotent: %v", err)
	}
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
