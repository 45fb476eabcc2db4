package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/store/pgcluster"
)

// config is everything the environment sets. Every variable is in the README.
type config struct {
	DatabaseURL string // DATABASE_URL; empty: the private cluster
	DataDir     string // TIANBAO_DATA: the private cluster's home
	LogLevel    string // LOG_LEVEL: debug, info, warn, error
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: os.Getenv("DATABASE_URL"),
		DataDir:     os.Getenv("TIANBAO_DATA"),
		LogLevel:    os.Getenv("LOG_LEVEL"),
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir()
	}
	return c, nil
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
		return &database{DB: db, cluster: cluster}, nil
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return fail(err)
	}
	return &database{DB: db, cluster: cluster}, nil
}

// storeDialogs is the engine's store over the database.
func storeDialogs(db *database) store.Dialogs {
	return store.Dialogs{DB: db.DB, Cache: store.NewTurnCache(64)}
}

// openCampaign connects to the database and loads a campaign; with unit
// set, it also checks the unit is in the campaign. The caller closes db.
func (e *env) openCampaign(ctx context.Context, id, unit string) (*database, *campaigns.Registry, *dialogs.Campaign, error) {
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
