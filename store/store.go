// Package store owns tianbao's PostgreSQL database: the embedded, forward-only
// schema migrations, the connection, the transaction helper every change goes
// through, and the queries of each feature (one file per feature). It speaks
// SQL through sqlx and lib/pq; nothing above it sees SQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrOldSchema is returned by Open when the database needs `tianbao migrate`.
var ErrOldSchema = errors.New("database schema is not up to date")

// DB is the database handle.
type DB struct {
	*sqlx.DB
	stmts sync.Map // query text -> *sqlx.Stmt, prepared once, used by every connection
	url   string   // as given to Connect: the outbox listener opens its own connection
	// DiskFull, if set, says the server is down on a full disk (the
	// private cluster's supervisor knows): Outage reports it so.
	DiskFull func() bool

	batcherOnce sync.Once
	batched     *writeBatchers // writes gathered while the database is busy (batcher.go)
}

// Connect opens a connection pool to url without checking the schema.
func Connect(ctx context.Context, url string) (*DB, error) {
	db, err := sqlx.Open("postgres", withBinaryParameters(url))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return setUp(ctx, db, url)
}

// ConnectVia is Connect through wrap, a connector around lib/pq's for url:
// tests count the round trips each update makes through one
// (storetest.NewCountingDB). The pool is set up as Connect's.
func ConnectVia(ctx context.Context, url string, wrap func(driver.Connector) driver.Connector) (*DB, error) {
	c, err := pq.NewConnector(withBinaryParameters(url))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return setUp(ctx, sqlx.NewDb(sql.OpenDB(wrap(c)), "postgres"), url)
}

// MaxConns is the most connections a process opens (its pool). Turns and first
// invites are written in batches, one statement in flight of each, so the
// workers mostly read: at 600 contacts 16 connections did as well as 32
// (steps/s and p99 alike, alternating runs), and warming half as many
// starts the bot 0.15 s sooner and leaves PostgreSQL room for more
// replicas.
const MaxConns = 16

// setUp sizes a new pool to url and checks that the server answers.
func setUp(ctx context.Context, db *sqlx.DB, url string) (*DB, error) {
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{DB: db, url: url}, nil
}

// Warm opens n connections to the pool at once. A replica that just
// started would otherwise open them during its first burst of updates, a
// new PostgreSQL backend each, while people wait.
func (db *DB) Warm(ctx context.Context, n int) error {
	// No more than the pool holds: it would wait for itself for ever
	// (WORKERS=32 is 34 connections, and serve hung before its first poll).
	if max := db.Stats().MaxOpenConnections; max > 0 && n > max {
		n = max
	}
	// Prepared for the pool first: with every connection held below, the
	// pool would have none left to prepare them on.
	warm := warmQueries()
	stmts := make([]*sqlx.Stmt, len(warm))
	for i, w := range warm {
		s, err := db.prepared(ctx, w.query)
		if err != nil {
			return err
		}
		stmts[i] = s
	}
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close() // back to the pool, open
		}
	}()
	for i := 0; i < n; i++ {
		// Another holder of the pool (a second bot on this handle, warming
		// too) may keep the rest: warm what could be had rather than wait
		// for each other for ever.
		wait, cancel := context.WithTimeout(ctx, time.Second)
		c, err := db.Conn(wait)
		cancel()
		if err != nil && i > 0 && ctx.Err() == nil {
			break
		}
		if err != nil {
			return fmt.Errorf("open connection: %w", err)
		}
		conns = append(conns, c)
		if err := c.PingContext(ctx); err != nil {
			return fmt.Errorf("open connection: %w", err)
		}
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			warmStatements(ctx, c, warm, stmts)
		}()
	}
	wg.Wait()
	return nil
}

// warmStatements runs the statements of the common turns once on a new
// connection, with arguments that match nothing, each in a transaction
// rolled back: the statement is then prepared on the connection, and its
// server process has read the catalog for every table and index they
// touch and compiled tianbao_expect. Otherwise the first burst of people
// after a start pays for that, connection by connection: 200 contacts
// starting at once waited a quarter longer for their slowest replies. An
// error here (a write whose expectation fails on no rows) is the point,
// not a fault.
func warmStatements(ctx context.Context, c *sql.Conn, warm []warmQuery, stmts []*sqlx.Stmt) {
	for i, w := range warm {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return
		}
		_, _ = tx.StmtContext(ctx, stmts[i].Stmt).ExecContext(ctx, w.args...)
		_ = tx.Rollback()
	}
}

type warmQuery struct {
	query string
	args  []any
}

// warmQueries are the statements warmStatements runs: reading a session,
// a draft and a unit's drafts, redeeming an invite, and writing turns
// (alone and together).
func warmQueries() []warmQuery {
	none := pq.StringArray{}
	saveDraft, saveDraftArgs := optimisticSaveDraft(optimisticUpdateDraft, nil, nil, 24, []any{"", "", "",
		none, none, pq.Int64Array{}, none, none, none, none, int64(0), none, none, none, none,
		"draft", "{}", 0, "{}", "", "[]", int64(0), int64(0)})
	return []warmQuery{
		{sessionReadQuery, []any{int64(0), ""}},
		{draftReadQuery, []any{"", "", ""}},
		{unitDraftsQuery, []any{"", ""}},
		{redeemFreshInvite, []any{[]byte{}, time.Time{}, "", int64(0), "", int64(0)}},
		{redeemFreshInvites, []any{pq.ByteaArray{}, pq.StringArray{}, pq.StringArray{}, pq.Int64Array{}, pq.StringArray{}, pq.Int64Array{}}},
		{turnBatchQuery, turnBatchArgs(nil)},
		{optimisticSaveSession, []any{int64(0), "{}", "", "[]", int64(0)}},
		{saveDraft, saveDraftArgs},
	}
}

// Open connects to url and refuses a database whose schema is older (or
// newer: ErrNewerSchema) than this program's migrations.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	s, err := db.SchemaStatus(ctx)
	if err == nil {
		err = s.check()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withBinaryParameters turns on lib/pq's binary_parameters, which sends a
// parameterised query in one round trip instead of two (prepare, then
// execute): it halves the latency of every statement. Its one consequence,
// that []byte arguments travel as binary, is why JSON goes in as strings.
func withBinaryParameters(url string) string {
	if strings.Contains(url, "binary_parameters") {
		return url
	}
	return withParameter(withParameter(url, "binary_parameters", "yes"), "plan_cache_mode", "force_generic_plan")
}

func (db *DB) provider() (*goose.Provider, error) {
	// A session lock (pg_advisory_lock) makes concurrent migrate runs of
	// several replicas wait for each other instead of racing.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, Migrations(), goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns the versions applied.
// A schema a newer release migrated is refused: nothing here can help it.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	if s, err := db.SchemaStatus(ctx); err != nil {
		return nil, err
	} else if len(s.Unknown) > 0 {
		return nil, s.check()
	}
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// MigrateTo applies the migrations up to version only: a database as an
// older release left it, for tests of upgrades.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	return nil
}

// SchemaVersion reports the database's schema version and the one this
// program's migrations lead to.
func (db *DB) SchemaVersion(ctx context.Context) (current, target int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	current, target, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	return current, target, nil
}

// Tx is a transaction of the store. Every feature's writes take one.
type Tx struct {
	*sqlx.Tx
	db *DB
}

// writeBatchers are a handle's batchers, one per kind of write.
type writeBatchers struct {
	turns   *batcher[*turnWrite]
	redeems *batcher[*redeemRequest] // first invites of people new to the bot
}

func (db *DB) batchers() *writeBatchers {
	db.batcherOnce.Do(func() {
		db.batched = &writeBatchers{
			turns: &batcher[*turnWrite]{
				alone: func(ctx context.Context, w *turnWrite) error { return w.alone(ctx) },
				together: func(ctx context.Context, ws []*turnWrite) error {
					return db.execP(ctx, turnBatchQuery, turnBatchArgs(ws)...)
				},
			},
			redeems: &batcher[*redeemRequest]{alone: db.redeemAlone, together: db.redeemBatch},
		}
	})
	return db.batched
}

// prepared returns the hot-path query prepared once for the pool. A
// prepared statement is parsed and planned once per connection instead of
// on every call, which is most of the cost of the small statements an
// answer takes.
func (db *DB) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sqlx.Stmt), nil
	}
	s, err := db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if old, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		s = old.(*sqlx.Stmt)
	}
	return s, nil
}

// stmt is the prepared query, for use outside any transaction.
func (db *DB) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	return db.prepared(ctx, query)
}

// stmt is the prepared query bound to this transaction.
func (tx *Tx) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s, err := tx.db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtxContext(ctx, s), nil
}

// preparer is the pool or a transaction: where a prepared query runs.
type preparer interface {
	stmt(ctx context.Context, query string) (*sqlx.Stmt, error)
}

// selectOn and execOn are SelectContext and ExecContext through prepared
// statements, in a transaction or outside one.
func selectOn(ctx context.Context, p preparer, dest any, query string, args ...any) error {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return err
	}
	return s.SelectContext(ctx, dest, args...)
}

func execOn(ctx context.Context, p preparer, query string, args ...any) error {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

func (db *DB) selectP(ctx context.Context, dest any, query string, args ...any) error {
	return selectOn(ctx, db, dest, query, args...)
}

func (db *DB) execP(ctx context.Context, query string, args ...any) error {
	return execOn(ctx, db, query, args...)
}

func (tx *Tx) selectP(ctx context.Context, dest any, query string, args ...any) error {
	return selectOn(ctx, tx, dest, query, args...)
}

func (tx *Tx) execP(ctx context.Context, query string, args ...any) error {
	return execOn(ctx, tx, query, args...)
}

// maxAttempts bounds retries of a transaction that failed only because it
// ran concurrently with another (serialization failure or deadlock).
const maxAttempts = 5

// Transact runs fn in a transaction: committed if fn returns nil, rolled back
// if it returns an error or panics (the panic continues). A transaction that
// lost a race with another is run again from the start, so fn must not have
// effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = db.transactOnce(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) transactOnce(ctx context.Context, fn func(*Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(&Tx{Tx: tx, db: db}); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func retryable(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Outage reports whether err comes from the database being unreachable or
// unable to take writes, rather than from the work that met it: then the
// work is to be tried again, later, and not given up. full says the
// database's disk is full (it answers, but cannot write).
func (db *DB) Outage(ctx context.Context, err error) (outage, full bool) {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch class := pe.Code.Class(); {
		case pe.Code == "53100": // disk_full
			return true, true
		case class == "08", class == "53", class == "57", class == "58":
			// Connection lost, out of resources, shut down by the operator
			// or a crash, system errors (an I/O error, a file it needs gone).
			return true, strings.Contains(pe.Message, "No space left on device")
		}
		return false, false // the database answered, and refused this work
	}
	// Anything else (a cut or refused connection, a timeout): is it there?
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if db.PingContext(pctx) == nil {
		return false, false
	}
	return true, db.DiskFull != nil && db.DiskFull()
}
