package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tianbao/store"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrateEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	url := storetest.EmptyURL(t)
	if _, err := store.Open(ctx, url); !errors.Is(err, store.ErrOldSchema) {
		t.Fatalf("Open on an empty database: want ErrOldSchema, got %v", err)
	}
	db, err := store.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 {
		t.Fatalf("migrate: %v, applied %v", err, applied)
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v", again, err)
	}
	var tables int
	if err := db.GetContext(ctx, &tables, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'
		AND table_name IN ('campaigns','units','contacts','sessions','drafts','answers','answer_rows','submissions','submission_events','audit_log')`); err != nil {
		t.Fatal(err)
	}
	if tables != 10 {
		t.Errorf("found %d of the 10 tables", tables)
	}
	ok, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open after migrate: %v", err)
	}
	ok.Close()
}

func TestFailedTransactionLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	boom := errors.New("boom")
	err := db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, version, title, source_name, source) VALUES ('x', 1, 't', 'x.yaml', '')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact returned %v", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.Transact(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, version, title, source_name, source) VALUES ('y', 1, 't', 'y.yaml', '')`); err != nil {
				return err
			}
			panic("in the middle")
		})
	}()
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM campaigns`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows survived failed transactions", n)
	}
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, version, title, source_name, source) VALUES ('z', 1, 't', 'z.yaml', '')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM campaigns`); err != nil || n != 1 {
		t.Errorf("committed transaction: %d rows, %v", n, err)
	}
}

// TestWarmNoMoreThanThePool: asked for more connections than the pool may
// open (WORKERS=32 asks for 34), Warm opens the pool's worth and returns
// instead of waiting for itself.
func TestWarmNoMoreThanThePool(t *testing.T) {
	db := storetest.NewDB(t)
	db.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.Warm(ctx, 6); err != nil {
		t.Fatalf("Warm(6) with a pool of 4: %v", err)
	}
	if open := db.Stats().OpenConnections; open != 4 {
		t.Errorf("%d connections open, want 4", open)
	}
}

// TestWarmPreparesEveryConnection: Warm prepares the common turns'
// statements on every connection it opens, each once, and runs them
// without leaving a row anywhere (their arguments match nothing, and
// each runs in a transaction rolled back).
func TestWarmPreparesEveryConnection(t *testing.T) {
	db, counter := storetest.NewCountingDB(t)
	db.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows := func() (n int) {
		if err := db.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM processed_inputs)
			+ (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM people) + (SELECT count(*) FROM contacts)
			+ (SELECT count(*) FROM answers) + (SELECT count(*) FROM drafts)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, counted := rows(), counter.Counts()
	if err := db.Warm(ctx, 4); err != nil {
		t.Fatal(err)
	}
	got := counter.Counts().Sub(counted)
	if want := int64(4 * store.WarmQueries()); got.Prepares != want {
		t.Errorf("%d statements prepared, want %d (each on each of 4 connections)", got.Prepares, want)
	}
	if got.Commits != 0 || got.Rollbacks != int64(4*store.WarmQueries()) {
		t.Errorf("%d commits and %d rollbacks, want none and one per statement per connection", got.Commits, got.Rollbacks)
	}
	if after := rows(); after != before {
		t.Errorf("warming left %d rows where there were %d", after, before)
	}
}

// TestTwoWarmsOnOneHandle: two bots on one handle (as tests and a console
// beside serve have) warm at once, each asking for the whole pool; they
// share it instead of each holding half and waiting for the other's half.
func TestTwoWarmsOnOneHandle(t *testing.T) {
	db := storetest.NewDB(t)
	db.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- db.Warm(ctx, 4) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Warm: %v", err)
		}
	}
}
