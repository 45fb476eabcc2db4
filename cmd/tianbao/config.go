package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/store"
	"tianbao/store/pgcluster"
)

// config is everything the environment sets. Every variable is in the README.
type config struct {
	DatabaseURL string // DATABASE_URL; empty: the private cluster
	DataDir     string // TIANBAO_DATA: the private cluster's home
	LogLevel    string // LOG_LEVEL: debug, info, warn, error
	LogFormat   string // LOG_FORMAT: text or json
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: os.Getenv("DATABASE_URL"),
		DataDir:     os.Getenv("TIANBAO_DATA"),
		LogLevel:    os.Getenv("LOG_LEVEL"),
		LogFormat:   os.Getenv("LOG_FORMAT"),
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir()
	}
	switch strings.ToLower(c.LogLevel) {
	case "", "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	switch strings.ToLower(c.LogFormat) {
	case "", "text", "json":
	default:
		return c, fmt.Errorf("LOG_FORMAT=%q: want text or json", c.LogFormat)
	}
	if path := os.Getenv("DATABASE_PASSWORD_FILE"); path != "" {
		if c.DatabaseURL == "" {
			return c, errors.New("DATABASE_PASSWORD_FILE is set but DATABASE_URL is not: the password is for DATABASE_URL's server")
		}
		pw, err := readPassword(path)
		if err != nil {
			return c, err
		}
		if c.DatabaseURL, err = withPassword(c.DatabaseURL, pw); err != nil {
			return c, err
		}
	}
	return c, nil
}

// readPassword reads a database password from a secret file (compose and
// Kubernetes mount them so): its first line, without the line end. Unlike
// a pgpass file, which lib/pq ignores when it has group or world bits and
// which the image's user cannot read when it is the host user's 0600 file,
// a secret file only needs to be readable by the process.
func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("DATABASE_PASSWORD_FILE: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	if pw == "" {
		return "", fmt.Errorf("DATABASE_PASSWORD_FILE %s is empty", path)
	}
	return pw, nil
}

// withPassword puts a password into a connection string, a URL
// (postgres://user@host/db) or key=value pairs (host=… user=…), replacing
// any password it has.
func withPassword(dsn, pw string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("DATABASE_URL is not a valid URL: %v", err)
		}
		name := ""
		if u.User != nil {
			name = u.User.Username()
		}
		u.User = url.UserPassword(name, pw)
		return u.String(), nil
	}
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
	return strings.TrimSpace(dsn) + " password=" + quoted, nil
}

// defaultDataDir is /var/lib/tianbao for root (whose home PostgreSQL's
// account cannot enter) and the XDG data directory for everyone else.
func defaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/tianbao"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tianbao")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "tianbao")
	}
	return "tianbao-data"
}

// database is an open store and what closing it takes.
type database struct {
	*store.DB
	cluster *pgcluster.Cluster
}

// Close closes the pool and stops the private cluster if this run started it.
func (d *database) Close() {
	d.DB.Close()
	if d.cluster != nil {
		_ = d.cluster.Stop(context.Background())
	}
}

// connect opens the database: DATABASE_URL, or the private cluster in
// TIANBAO_DATA. With migrate set, or on the private cluster (which belongs
// to this program alone), pending migrations are applied; on a shared
// DATABASE_URL an old schema is refused, and `tianbao migrate` is the way.
func (e *env) connect(ctx context.Context, migrate bool) (*database, error) {
	url := e.cfg.DatabaseURL
	var cluster *pgcluster.Cluster
	if url == "" {
		c, err := pgcluster.Start(ctx, e.cfg.DataDir, pgcluster.Options{Log: func(f string, a ...any) {
			e.log.Info(fmt.Sprintf(f, a...))
		}})
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL is unset and the private PostgreSQL cluster could not start: %w", err)
		}
		if err := c.EnsureDatabase(ctx, "tianbao"); err != nil {
			_ = c.Stop(ctx)
			return nil, err
		}
		url, cluster = c.URL("tianbao"), c
		migrate = true
	}
	fail := func(err error) (*database, error) {
		if cluster != nil {
			_ = cluster.Stop(ctx)
		}
		return nil, err
	}
	if migrate {
		db, err := store.Connect(ctx, url)
		if err != nil {
			return fail(err)
		}
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return fail(err)
		}
		if len(applied) > 0 {
			e.log.Info("applied migrations", "versions", applied)
		}
		d := &database{DB: db, cluster: cluster}
		if err := e.refreshBuiltins(ctx, d); err != nil {
			d.Close()
			return nil, err
		}
		return d, nil
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return fail(err)
	}
	return &database{DB: db, cluster: cluster}, nil
}

// refreshBuiltins brings the stored built-in campaigns up to this
// release's files (wherever the schema is brought up to date, and when
// serve starts), and logs what it did.
func (e *env) refreshBuiltins(ctx context.Context, db *database) error {
	done, err := campaigns.RefreshBuiltins(ctx, db.DB)
	for _, r := range done {
		if r.Own {
			e.log.Warn("built-in campaign left as it is: its newest version was loaded from a file of your own, and this release's built-in file differs; `tianbao campaign load "+r.ID+"` takes the release's",
				"campaign", r.ID, "version", r.From)
			continue
		}
		e.log.Info("built-in campaign updated: this release's file is stored as a new version (exports may name columns differently; see the README, \"Upgrading\")",
			"campaign", r.ID, "version", r.To, "was", r.From)
	}
	return err
}

// storeDialogs is the engine's store over the database.
func storeDialogs(db *database) store.Dialogs {
	return store.Dialogs{DB: db.DB, Cache: store.NewTurnCache(64)}
}

// openCampaign connects to the database and loads a campaign; with unit
// set, it also checks the unit is in the campaign. The caller closes db.
func (e *env) openCampaign(ctx context.Context, id, unit string) (*database, *campaigns.Registry, *campaign.Campaign, error) {
	db, err := e.connect(ctx, false)
	if err != nil {
		return nil, nil, nil, err
	}
	reg := campaigns.NewRegistry(db.DB)
	camp, err := reg.Campaign(ctx, id)
	if err == nil && unit != "" && camp.Units[unit] == nil {
		err = fmt.Errorf("unit %s is not in campaign %s (see `tianbao units --campaign %s`)", unit, camp.ID, camp.ID)
	}
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, reg, camp, nil
}
