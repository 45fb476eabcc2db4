package storetest

import (
	"context"
	"database/sql/driver"
	"sync"
	"testing"
	"time"

	"tianbao/store"
)

// Counts is what went to the server through a counting database.
// RoundTrips is every call that waits for the server's answer: a statement
// (lib/pq's binary_parameters send a parameterised one in one round trip),
// BEGIN, COMMIT, ROLLBACK, preparing a statement on a connection and
// closing it. Statements counts the SQL statements among them, without
// BEGIN, COMMIT and ROLLBACK. Wait is the time spent in them: from the
// call to its answer, and for a query until its rows were read and closed.
type Counts struct {
	RoundTrips, Statements, Begins, Commits, Rollbacks, Prepares int64
	Wait                                                         time.Duration
}

// Sub is what was counted since before.
func (c Counts) Sub(before Counts) Counts {
	return Counts{c.RoundTrips - before.RoundTrips, c.Statements - before.Statements, c.Begins - before.Begins,
		c.Commits - before.Commits, c.Rollbacks - before.Rollbacks, c.Prepares - before.Prepares, c.Wait - before.Wait}
}

// Counter counts the round trips of a database opened by NewCountingDB,
// and keeps the text of each statement while Recording.
type Counter struct {
	mu        sync.Mutex
	counts    Counts
	recording bool
	log       []string
}

// Counts returns the totals so far.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Record starts keeping the statements' texts afresh (BEGIN, COMMIT and
// ROLLBACK included, so the order reads as the server saw it).
func (c *Counter) Record() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording, c.log = true, nil
}

// Recorded returns the texts kept since Record.
func (c *Counter) Recorded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.log...)
}

func (c *Counter) add(what func(*Counts), text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.RoundTrips++
	what(&c.counts)
	if c.recording {
		c.log = append(c.log, text)
	}
}

func (c *Counter) statement(q string) { c.add(func(n *Counts) { n.Statements++ }, q) }

// waited adds the time of a round trip that began at start.
func (c *Counter) waited(start time.Time) {
	d := time.Since(start)
	c.mu.Lock()
	c.counts.Wait += d
	c.mu.Unlock()
}

// NewCountingDB is NewDB whose every round trip to the server is counted
// (see Counts). The counting wraps lib/pq's connections and statements;
// nothing else about the store changes.
func NewCountingDB(t testing.TB) (*store.DB, *Counter) {
	t.Helper()
	c := &Counter{}
	db, err := store.ConnectVia(context.Background(), URL(t), func(inner driver.Connector) driver.Connector {
		return &countingConnector{inner: inner, c: c}
	})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c
}

type countingConnector struct {
	inner driver.Connector
	c     *Counter
}

func (k *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := k.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{inner: conn, c: k.c}, nil
}

func (k *countingConnector) Driver() driver.Driver { return k.inner.Driver() }

// countingConn is a lib/pq connection with the interfaces database/sql
// looks for on it (lib/pq implements them all).
type countingConn struct {
	inner driver.Conn
	c     *Counter
}

func (cn *countingConn) Prepare(q string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), q)
}

func (cn *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	defer cn.c.waited(time.Now())
	st, err := cn.inner.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	cn.c.add(func(n *Counts) { n.Prepares++ }, "PREPARE "+q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{inner: st, c: cn.c, q: q}, nil
}

func (cn *countingConn) Close() error { return cn.inner.Close() }

func (cn *countingConn) Begin() (driver.Tx, error) {
	return cn.BeginTx(context.Background(), driver.TxOptions{})
}

func (cn *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	defer cn.c.waited(time.Now())
	tx, err := cn.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	cn.c.add(func(n *Counts) { n.Begins++ }, "BEGIN")
	if err != nil {
		return nil, err
	}
	return &countingTx{inner: tx, c: cn.c}, nil
}

func (cn *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	defer cn.c.waited(time.Now())
	r, err := cn.inner.(driver.ExecerContext).ExecContext(ctx, q, args)
	if err != driver.ErrSkip {
		cn.c.statement(q)
	}
	return r, err
}

func (cn *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	r, err := cn.inner.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err != driver.ErrSkip {
		cn.c.statement(q)
	}
	return cn.c.rows(start, r, err)
}

func (cn *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return cn.inner.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (cn *countingConn) Ping(ctx context.Context) error {
	cn.c.add(func(*Counts) {}, "PING")
	return cn.inner.(driver.Pinger).Ping(ctx)
}

func (cn *countingConn) ResetSession(ctx context.Context) error {
	return cn.inner.(driver.SessionResetter).ResetSession(ctx)
}

func (cn *countingConn) IsValid() bool { return cn.inner.(driver.Validator).IsValid() }

type countingTx struct {
	inner driver.Tx
	c     *Counter
}

func (tx *countingTx) Commit() error {
	tx.c.add(func(n *Counts) { n.Commits++ }, "COMMIT")
	defer tx.c.waited(time.Now())
	return tx.inner.Commit()
}

func (tx *countingTx) Rollback() error {
	tx.c.add(func(n *Counts) { n.Rollbacks++ }, "ROLLBACK")
	defer tx.c.waited(time.Now())
	return tx.inner.Rollback()
}

// countingStmt is a statement prepared on one connection: each execution
// is one round trip, and so is closing it.
type countingStmt struct {
	inner driver.Stmt
	c     *Counter
	q     string
}

func (st *countingStmt) Close() error {
	st.c.add(func(*Counts) {}, "CLOSE "+st.q)
	defer st.c.waited(time.Now())
	return st.inner.Close()
}

func (st *countingStmt) NumInput() int { return st.inner.NumInput() }

func (st *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	st.c.statement(st.q)
	return st.inner.Exec(args) //nolint:staticcheck // database/sql uses ExecContext; kept for the interface
}

func (st *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	st.c.statement(st.q)
	return st.inner.Query(args) //nolint:staticcheck // as Exec
}

func (st *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	st.c.statement(st.q)
	defer st.c.waited(time.Now())
	return st.inner.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (st *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	st.c.statement(st.q)
	start := time.Now()
	r, err := st.inner.(driver.StmtQueryContext).QueryContext(ctx, args)
	return st.c.rows(start, r, err)
}

// rows times a query until its rows are closed: lib/pq returns them after
// the row description, and the rows themselves arrive as they are read.
func (c *Counter) rows(start time.Time, r driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		c.waited(start)
		return r, err
	}
	return &countingRows{Rows: r, c: c, start: start}, nil
}

type countingRows struct {
	driver.Rows
	c     *Counter
	start time.Time
}

func (r *countingRows) Close() error {
	err := r.Rows.Close()
	r.c.waited(r.start)
	return err
}
