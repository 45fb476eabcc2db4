package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrNewerSchema is returned when the database was migrated by a newer
// release than this program: it knows none of the newer tables, and no
// migration of its own can help.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// Schema is where the database's schema stands against this program's
// migrations.
type Schema struct {
	Current int64   // the highest version applied (0: none)
	Target  int64   // the highest version this program has
	Pending []int64 // versions this program would apply
	Unknown []int64 // versions applied that this program does not have: a newer release's
}

// SchemaStatus reads the schema's state and changes nothing: unlike the
// migration tool, it does not create the version table of an empty
// database.
func (db *DB) SchemaStatus(ctx context.Context) (Schema, error) {
	p, err := db.provider()
	if err != nil {
		return Schema{}, err
	}
	var s Schema
	known := map[int64]bool{}
	for _, src := range p.ListSources() {
		known[src.Version] = true
		s.Target = max(s.Target, src.Version)
	}
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT to_regclass('goose_db_version') IS NOT NULL`); err != nil {
		return Schema{}, fmt.Errorf("schema status: %w", err)
	}
	applied := map[int64]bool{}
	if exists {
		// goose records each step; a version's latest row says whether it
		// is applied now.
		var rows []struct {
			Version int64 `db:"version_id"`
			Applied bool  `db:"is_applied"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT DISTINCT ON (version_id) version_id, is_applied
			FROM goose_db_version WHERE version_id > 0 ORDER BY version_id, id DESC`); err != nil {
			return Schema{}, fmt.Errorf("schema status: %w", err)
		}
		for _, r := range rows {
			if r.Applied {
				applied[r.Version] = true
				s.Current = max(s.Current, r.Version)
				if !known[r.Version] {
					s.Unknown = append(s.Unknown, r.Version)
				}
			}
		}
	}
	for v := range known {
		if !applied[v] {
			s.Pending = append(s.Pending, v)
		}
	}
	slices.Sort(s.Pending)
	slices.Sort(s.Unknown)
	return s, nil
}

// check says what keeps a program from using the database as it is: a
// newer release's schema, or migrations not applied yet.
func (s Schema) check() error {
	if len(s.Unknown) > 0 {
		return fmt.Errorf("%w: the database is at version %d, which this program (up to %d) does not know: a newer release of tianbao migrated it. "+
			"Run that release or a newer one; to go back to this one, restore the backup taken before the upgrade (README: \"Upgrading, rollback, backup and restore\")",
			ErrNewerSchema, s.Current, s.Target)
	}
	if len(s.Pending) > 0 {
		return fmt.Errorf("%w: the database is at version %d, this program needs %d; run `tianbao migrate`", ErrOldSchema, s.Current, s.Target)
	}
	return nil
}
