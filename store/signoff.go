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
