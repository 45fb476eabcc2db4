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
// and keeps each one while Recording.
type Counter struct {
	mu        sync.Mutex
	counts    Counts
	recording bool
	log       []RoundTrip
}

// RoundTrip is one call that went to the server: the statement's text
// (BEGIN, COMMIT, ROLLBACK, PING; "PREPARE " or "CLOSE " and the text for
// preparing and closing a statement) and how long it took.
type RoundTrip struct {
	Text string
	Wait time.Duration
}

// Counts returns the totals so far.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Record starts keeping the round trips afresh.
func (c *Counter) Record() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording, c.log = true, nil
}

// Recorded returns the round trips kept since Record, in the order they
// ended.
func (c *Counter) Recorded() []RoundTrip {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]RoundTrip(nil), c.log...)
}

// done counts a round trip that began at start and has ended.
func (c *Counter) done(what func(*Counts), text string, start time.Time) {
	d := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.RoundTrips++
	c.counts.Wait += d
	what(&c.counts)
	if c.recording {
		c.log = append(c.log, RoundTrip{Text: text, Wait: d})
	}
}

func statement(n *Counts) { n.Statements++ }

func nothing(*Counts) {}

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
	defer cn.c.done(func(n *Counts) { n.Prepares++ }, "PREPARE "+q, time.Now())
	st, err := cn.inner.(driver.ConnPrepareContext).PrepareContext(ctx, q)
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
	defer cn.c.done(func(n *Counts) { n.Begins++ }, "BEGIN", time.Now())
	tx, err := cn.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{inner: tx, c: cn.c}, nil
}

func (cn *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	r, err := cn.inner.(driver.ExecerContext).ExecContext(ctx, q, args)
	if err != driver.ErrSkip {
		cn.c.done(statement, q, start)
	}
	return r, err
}

func (cn *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	r, err := cn.inner.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err == driver.ErrSkip {
		return r, err
	}
	return cn.c.rows(q, start, r, err)
}

func (cn *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return cn.inner.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (cn *countingConn) Ping(ctx context.Context) error {
	defer cn.c.done(nothing, "PING", time.Now())
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
	defer tx.c.done(func(n *Counts) { n.Commits++ }, "COMMIT", time.Now())
	return tx.inner.Commit()
}

func (tx *countingTx) Rollback() error {
	defer tx.c.done(func(n *Counts) { n.Rollbacks++ }, "ROLLBACK", time.Now())
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
	defer st.c.done(nothing, "CLOSE "+st.q, time.Now())
	return st.inner.Close()
}

func (st *countingStmt) NumInput() int { return st.inner.NumInput() }

// Exec and Query are the old interface, which database/sql does not use
// when ExecContext and QueryContext are there; they count all the same.
func (st *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	defer st.c.done(statement, st.q, time.Now())
	return st.inner.Exec(args) //nolint:staticcheck // the interface's
}

func (st *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	start := time.Now()
	r, err := st.inner.Query(args) //nolint:staticcheck // the interface's
	return st.c.rows(st.q, start, r, err)
}

func (st *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	defer st.c.done(statement, st.q, time.Now())
	return st.inner.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (st *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	r, err := st.inner.(driver.StmtQueryContext).QueryContext(ctx, args)
	return st.c.rows(st.q, start, r, err)
}

// rows counts a query once its rows are closed: lib/pq returns them after
// the row description, and the rows themselves arrive as they are read.
func (c *Counter) rows(q string, start time.Time, r driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		c.done(statement, q, start)
		return r, err
	}
	return &countingRows{Rows: r, c: c, q: q, start: start}, nil
}

type countingRows struct {
	driver.Rows
	c     *Counter
	q     string
	start time.Time
}

func (r *countingRows) Close() error {
	err := r.Rows.Close()
	r.c.done(statement, r.q, r.start)
	return err
}
