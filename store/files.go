package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tianbao/dialogs"
)

// Uploaded files are stored in the turn that answers a file field with
// them, within the unit's quota, once per unit however often they are
// sent, and removed a grace period after no answer or submission refers to
// them any longer.

// StoredFile finds a file the unit stored under the transport's id for it.
func (tx *dialogTx) StoredFile(ctx context.Context, campaignID, unit, uniqueID string) (*dialogs.StoredFile, error) {
	var rows []struct {
		ID    int64  `db:"id"`
		Size  int64  `db:"size"`
		Kinds string `db:"kinds"`
	}
	if err := tx.q.SelectContext(ctx, &rows, `SELECT id, size, kinds FROM files
		WHERE campaign_id = $1 AND unit_code = $2 AND unique_id = $3 AND $3 <> '' ORDER BY id LIMIT 1`, campaignID, unit, uniqueID); err != nil {
		return nil, fmt.Errorf("find stored file of %s: %w", unit, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &dialogs.StoredFile{Ref: fileRef(r.ID), Size: r.Size, Kinds: splitKinds(r.Kinds)}, nil
}

// SaveFile keeps an upload in the turn's transaction: the stored file it
// names again, or one with the same content, is touched (its grace period
// starts over) and reused; new content is stored if the unit's quota allows
// it. Uploads of one unit take turns (an advisory lock for the
// transaction), so that two at once cannot both fit a quota that holds one.
func (tx *dialogTx) SaveFile(ctx context.Context, up dialogs.FileUpload) (string, error) {
	if tx.optimistic {
		return "", errTakeLocks // written with the answer, in a transaction
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('files:' || $1 || ':' || $2, 0))`, up.Campaign, up.Unit); err != nil {
		return "", fmt.Errorf("lock files of %s: %w", up.Unit, err)
	}
	var sum string
	if up.Content != nil {
		h := sha256.Sum256(up.Content)
		sum = hex.EncodeToString(h[:])
	}
	reuse := int64(-1)
	if id, ok := strings.CutPrefix(up.Reuse, "file:"); ok {
		reuse, _ = strconv.ParseInt(id, 10, 64)
	}
	var found []int64
	if err := tx.SelectContext(ctx, &found, `UPDATE files SET touched_at = now()
		WHERE id = (SELECT id FROM files WHERE campaign_id = $1 AND unit_code = $2
			AND (id = $3 OR (unique_id = $4 AND $4 <> '') OR sha256 = $5) ORDER BY id = $3 DESC, id LIMIT 1)
		RETURNING id`, up.Campaign, up.Unit, reuse, up.UniqueID, sum); err != nil {
		return "", fmt.Errorf("reuse stored file of %s: %w", up.Unit, err)
	}
	if len(found) > 0 {
		return fileRef(found[0]), nil
	}
	if up.Content == nil {
		return "", dialogs.ErrFileGone
	}
	var used struct {
		Bytes int64 `db:"bytes"`
		Files int64 `db:"files"`
	}
	if err := tx.GetContext(ctx, &used, `SELECT COALESCE(sum(size), 0) AS bytes,
			count(*) FILTER (WHERE form_id = $3 AND field_id = $4) AS files
		FROM files WHERE campaign_id = $1 AND unit_code = $2`, up.Campaign, up.Unit, up.Form, up.Field); err != nil {
		return "", fmt.Errorf("files of %s: %w", up.Unit, err)
	}
	if used.Files+1 > int64(up.Quota.PerField) {
		return "", &dialogs.QuotaError{Used: used.Files, Limit: int64(up.Quota.PerField), PerField: true}
	}
	if used.Bytes+int64(len(up.Content)) > up.Quota.UnitBytes {
		return "", &dialogs.QuotaError{Used: used.Bytes, Limit: up.Quota.UnitBytes}
	}
	kind := "unknown"
	if len(up.Kinds) > 0 {
		kind = up.Kinds[0]
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO files (campaign_id, unit_code, name, kind, size, sha256, content, uploaded_by,
			form_id, field_id, unique_id, kinds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		up.Campaign, up.Unit, up.Name, kind, len(up.Content), sum, up.Content, nullID(up.Actor),
		up.Form, up.Field, up.UniqueID, strings.Join(up.Kinds, ",")); err != nil {
		return "", fmt.Errorf("save file for %s: %w", up.Unit, err)
	}
	return fileRef(id), nil
}

// RemoveOrphanFiles deletes the files that no answer of a draft and no
// submission of their unit refers to, and that no turn has attached for
// grace; it returns how many and how many bytes. An answer holds the
// reference in its JSON ("ref":"file:ID"); a submission's data holds that
// JSON as a string, so escaped (\"file:ID\"). A turn that attaches a file
// meanwhile touches it first (SaveFile), which this statement then sees,
// row by row, and leaves it.
func (db *DB) RemoveOrphanFiles(ctx context.Context, grace time.Duration) (files int64, bytes int64, err error) {
	var gone struct {
		Files int64 `db:"files"`
		Bytes int64 `db:"bytes"`
	}
	err = db.GetContext(ctx, &gone, `WITH gone AS (
			DELETE FROM files f
			WHERE f.touched_at < now() - make_interval(secs => $1)
				AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.campaign_id = f.campaign_id AND a.unit_code = f.unit_code
					AND strpos(a.value, '"file:' || f.id || '"') > 0)
				AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.campaign_id = f.campaign_id AND s.unit_code = f.unit_code
					AND strpos(s.data::text, '\"file:' || f.id || '\"') > 0)
			RETURNING f.size)
		SELECT count(*) AS files, COALESCE(sum(size), 0) AS bytes FROM gone`, grace.Seconds())
	if err != nil {
		return 0, 0, fmt.Errorf("remove orphan files: %w", err)
	}
	return gone.Files, gone.Bytes, nil
}

func fileRef(id int64) string { return "file:" + strconv.FormatInt(id, 10) }

func splitKinds(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
