// Package storetest gives tests a real, freshly migrated PostgreSQL database
// each: cloned from a migrated template by pgtestdb, which is fast enough to
// do per test. The server is, in order: TEST_DATABASE_URL; the local server on
// 127.0.0.1:5432; a private throw-away cluster started from the installed
// PostgreSQL binaries (forced with TIANBAO_TEST_PRIVATE_PG=1). If none works the test fails, saying how to get
// PostgreSQL; it never skips.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // the driver pgtestdb connects with
	"github.com/peterldowns/pgtestdb"

	"tianbao/store"
	"tianbao/store/pgcluster"
)

const localURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	once      sync.Once
	serverCfg pgtestdb.Config
	serverErr error
	cluster   *pgcluster.Cluster
	tmpDir    string
)

// Main runs a package's tests and then stops the private cluster if one was
// started. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.Stop(context.Background())
		_ = os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// NewDB returns an open store on a new, migrated database that is dropped
// when the test ends.
func NewDB(t testing.TB) *store.DB {
	t.Helper()
	u := URL(t)
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Replicas opens n handles on one new, migrated database, as n replicas
// of the bot would have: each its own pool (and its own listener,
// statements and batchers), all on the same data.
func Replicas(t testing.TB, n int) []*store.DB {
	t.Helper()
	url := URL(t)
	dbs := make([]*store.DB, n)
	for i := range dbs {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("open replica %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// URL returns the connection URL of a new, migrated database.
func URL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, migrator{}).URL()
}

// EmptyURL returns the connection URL of a new database with no schema.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, pgtestdb.NoopMigrator{}).URL()
}

func newDatabase(t testing.TB, m pgtestdb.Migrator) *pgtestdb.Config {
	t.Helper()
	once.Do(func() { serverCfg, serverErr = findServer() })
	if serverErr != nil {
		t.Fatalf("tests need PostgreSQL and none could be reached or started: %v\n"+
			"Set TEST_DATABASE_URL to a server where the user may create databases and roles, "+
			"run one on 127.0.0.1:5432 (user postgres, trust auth), "+
			"or install the server programs (Debian/Ubuntu: apt-get install postgresql) so the tests can start their own.", serverErr)
	}
	return pgtestdb.Custom(t, serverCfg, m)
}

func findServer() (pgtestdb.Config, error) {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		cfg, err := configFromURL(u)
		if err != nil {
			return cfg, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		return cfg, ping(cfg)
	}
	cfg, _ := configFromURL(localURL)
	// TIANBAO_TEST_PRIVATE_PG=1 skips the local server, to try the path a
	// machine without a running server takes.
	if os.Getenv("TIANBAO_TEST_PRIVATE_PG") == "" {
		if err := ping(cfg); err == nil {
			return cfg, nil
		}
	}
	return startPrivate()
}

func startPrivate() (pgtestdb.Config, error) {
	dir, err := os.MkdirTemp("", "tianbao-test-pg-")
	if err != nil {
		return pgtestdb.Config{}, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return pgtestdb.Config{}, err
	}
	port, err := freePort()
	if err != nil {
		return pgtestdb.Config{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, dir+"/db", pgcluster.Options{Port: port})
	if err != nil {
		os.RemoveAll(dir)
		return pgtestdb.Config{}, fmt.Errorf("no server on 127.0.0.1:5432, and a private one could not start: %w", err)
	}
	cluster, tmpDir = c, dir
	cfg, _ := configFromURL(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port))
	return cfg, ping(cfg)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func configFromURL(raw string) (pgtestdb.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	pw, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	db := "postgres"
	if len(u.Path) > 1 {
		db = u.Path[1:]
	}
	return pgtestdb.Config{
		DriverName: "postgres", Host: u.Hostname(), Port: port, User: u.User.Username(), Password: pw,
		Database: db, Options: q.Encode(), ForceTerminateConnections: true,
	}, nil
}

func ping(cfg pgtestdb.Config) error {
	db, err := sql.Open("postgres", cfg.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// migrator applies the store's migrations to pgtestdb's template database.
type migrator struct{}

func (migrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(store.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.Migrations(), p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func (migrator) Migrate(ctx context.Context, db *sql.DB, cfg pgtestdb.Config) error {
	s, err := store.Connect(ctx, cfg.URL())
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Migrate(ctx)
	return err
}
