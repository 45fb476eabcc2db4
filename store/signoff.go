package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"tianbao/dialogs"
)

// ReturnedPackages lists, for the units, each form's latest package that
// stands returned, oldest first (read without locks: the start screen
// names them).
func (tx *dialogTx) ReturnedPackages(ctx context.Context, campaignID string, units []string) ([]*dialogs.Submission, error) {
	var rows []submissionRow
	if err := tx.q.SelectContext(ctx, &rows, `SELECT `+submissionColumns+` FROM (
			SELECT DISTINCT ON (unit_code, form_id) * FROM submissions
			WHERE campaign_id = $1 AND unit_code = ANY($2) AND form_id LIKE 'pkg:%'
			ORDER BY unit_code, form_id, version DESC) latest
		WHERE status = 'returned' ORDER BY submitted_at, id`, campaignID, pq.Array(units)); err != nil {
		return nil, fmt.Errorf("returned packages: %w", err)
	}
	out := make([]*dialogs.Submission, 0, len(rows))
	for i := range rows {
		s, err := rows[i].submission()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Mark records the level above's mark on a unit's form or package (免报,
// 未收到) with its reason: a submission of that status, carrying nothing,
// with its event and audit entry; a form's draft stands so (answers kept)
// until the unit submits after all. One statement.
func (tx *dialogTx) Mark(ctx context.Context, campaignID, unit, form string, status dialogs.SubmissionStatus, campaignVersion int, reason string, actor int64) (*dialogs.Submission, error) {
	if tx.optimistic {
		return nil, errTakeLocks
	}
	tx.wroteMore = true // another unit's draft moves
	sub := &dialogs.Submission{Campaign: campaignID, Unit: unit, Form: form, Status: status}
	err := tx.QueryRowxContext(ctx, `WITH sub AS (
			INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_by)
			SELECT $1, $2, $3, COALESCE(max(version), 0) + 1, $4, '{"sections": {}}', $5, $6
			FROM submissions WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3
			RETURNING id, version, submitted_at),
		ev AS (
			INSERT INTO submission_events (submission_id, status, actor_id, reason) SELECT id, $5, $6, $7 FROM sub),
		dr AS (
			INSERT INTO drafts (campaign_id, unit_code, form_id, status, updated_by)
			SELECT $1, $2, $3, $5, $6 WHERE $3 NOT LIKE 'pkg:%'
			ON CONFLICT (campaign_id, unit_code, form_id) DO UPDATE SET status = EXCLUDED.status,
				revision = drafts.revision + 1, updated_at = now(), updated_by = EXCLUDED.updated_by,
				flags = drafts.flags - 'reason' - 'flagged'),
		au AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
			SELECT $6, $1, $2, $3, 'submission.' || $5, 'v' || version::text, $7 FROM sub)
		SELECT id, version, submitted_at FROM sub`, campaignID, unit, form, campaignVersion, string(status), actor, reason).
		Scan(&sub.ID, &sub.Version, &sub.At)
	if err != nil {
		return nil, fmt.Errorf("mark %s/%s %s: %w", unit, form, status, err)
	}
	return sub, nil
}
