package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"tianbao/campaign"

	"github.com/lib/pq"
)

// CampaignRecord is one stored version of a campaign file.
type CampaignRecord struct {
	ID         string            `db:"id"`
	Version    int               `db:"version"`
	Title      string            `db:"title"`
	SourceName string            `db:"source_name"`
	Source     string            `db:"source"`
	Files      map[string]string `db:"-"`
	FilesJSON  []byte            `db:"files"`
	LoadedAt   sql.NullTime      `db:"loaded_at"`
}

// SaveCampaign stores c (loaded from rec's source) as a new version, unless
// the latest stored version has the same source, and writes its units. New
// or not, it decides whether the campaign shares the roster and gives its
// units' roles their places (see RosterOf). It returns the version the
// campaign is now at and whether it is new.
func (db *DB) SaveCampaign(ctx context.Context, rec CampaignRecord, c *campaign.Campaign) (version int, created bool, err error) {
	files, err := json.Marshal(rec.Files)
	if err != nil {
		return 0, false, fmt.Errorf("save campaign %s: %w", rec.ID, err)
	}
	err = db.Transact(ctx, func(tx *Tx) error {
		// Serialise loads of the same campaign so two replicas agree on numbers.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('campaign:' || $1))`, rec.ID); err != nil {
			return err
		}
		var latest CampaignRecord
		err := tx.GetContext(ctx, &latest, `SELECT id, version, title, source_name, source, files, loaded_at FROM campaigns
			WHERE id = $1 ORDER BY version DESC LIMIT 1`, rec.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 1
		case err != nil:
			return err
		case latest.Source == rec.Source && sameFiles(latest.FilesJSON, rec.Files):
			version, created = latest.Version, false
			return rosterAfterLoad(ctx, tx, c)
		default:
			version = latest.Version + 1
		}
		created = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, version, title, source_name, source, files)
			VALUES ($1, $2, $3, $4, $5, $6)`, rec.ID, version, c.Title, rec.SourceName, rec.Source, string(files)); err != nil {
			return err
		}
		if err := saveUnits(ctx, tx, c); err != nil {
			return err
		}
		return rosterAfterLoad(ctx, tx, c)
	})
	if err != nil {
		return 0, false, fmt.Errorf("save campaign %s: %w", rec.ID, err)
	}
	return version, created, nil
}

// sameFiles compares stored files (jsonb, whose text form has its own
// spacing and key order) with a campaign's files.
func sameFiles(stored []byte, files map[string]string) bool {
	var old map[string]string
	if json.Unmarshal(stored, &old) != nil || len(old) != len(files) {
		return false
	}
	for k, v := range files {
		if ov, ok := old[k]; !ok || ov != v {
			return false
		}
	}
	return true
}

func saveUnits(ctx context.Context, tx *Tx, c *campaign.Campaign) error {
	var codes, names, levels, parents, paths []string
	var positions []int64
	for i, code := range c.Order {
		u := c.Units[code]
		var chain []string
		for p := u; p != nil; p = c.Units[p.Parent] {
			chain = append([]string{p.Code}, chain...)
		}
		codes = append(codes, u.Code)
		names = append(names, u.Name)
		levels = append(levels, string(u.Level))
		parents = append(parents, u.Parent)
		paths = append(paths, strings.Join(chain, "/"))
		positions = append(positions, int64(i))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO units (campaign_id, code, name, level, parent_code, path, position)
		SELECT $1, u.code, u.name, u.level, NULLIF(u.parent, ''), u.path, u.position
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS u(code, name, level, parent, path, position)
		ON CONFLICT (campaign_id, code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
			parent_code = EXCLUDED.parent_code, path = EXCLUDED.path, position = EXCLUDED.position`,
		c.ID, pq.Array(codes), pq.Array(names), pq.Array(levels), pq.Array(parents), pq.Array(paths), pq.Array(positions))
	if err != nil {
		return fmt.Errorf("save units: %w", err)
	}
	return nil
}

// LatestCampaign returns the newest stored version of campaign id.
func (db *DB) LatestCampaign(ctx context.Context, id string) (*CampaignRecord, error) {
	var rec CampaignRecord
	err := db.GetContext(ctx, &rec, `SELECT id, version, title, source_name, source, files, loaded_at FROM campaigns
		WHERE id = $1 ORDER BY version DESC LIMIT 1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("campaign %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w", id, err)
	}
	if err := json.Unmarshal(rec.FilesJSON, &rec.Files); err != nil {
		return nil, fmt.Errorf("campaign %s files: %w", id, err)
	}
	return &rec, nil
}

// CampaignVersion returns the newest version number of campaign id, cheaply.
func (db *DB) CampaignVersion(ctx context.Context, id string) (int, error) {
	var v sql.NullInt64
	if err := db.GetContext(ctx, &v, `SELECT max(version) FROM campaigns WHERE id = $1`, id); err != nil {
		return 0, fmt.Errorf("campaign %s version: %w", id, err)
	}
	if !v.Valid {
		return 0, fmt.Errorf("campaign %s: %w", id, ErrNotFound)
	}
	return int(v.Int64), nil
}

// CampaignSummary is a line of `tianbao campaign list`.
type CampaignSummary struct {
	ID       string       `db:"id"`
	Version  int          `db:"version"`
	Title    string       `db:"title"`
	LoadedAt sql.NullTime `db:"loaded_at"`
	Units    int          `db:"units"`
	Contacts int          `db:"contacts"`
}

// ListCampaigns returns the newest version of every campaign.
func (db *DB) ListCampaigns(ctx context.Context) ([]CampaignSummary, error) {
	var out []CampaignSummary
	err := db.SelectContext(ctx, &out, `SELECT DISTINCT ON (c.id) c.id, c.version, c.title, c.loaded_at,
			(SELECT count(*) FROM units u WHERE u.campaign_id = c.id) AS units,
			(SELECT count(*) FROM contacts k WHERE k.campaign_id = c.id AND k.active) AS contacts
		FROM campaigns c ORDER BY c.id, c.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return out, nil
}
