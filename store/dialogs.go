package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/lib/pq"

	"tianbao/campaign"
	"tianbao/dialogs"
)

// Dialogs is the conversation engine's store (it implements dialogs.Store).
type Dialogs struct {
	DB     *DB
	Counts *TurnCounts // optional
	Cache  *TurnCache  // optional: without it every turn reads first
}

var _ dialogs.Store = Dialogs{}

// duplicate reads what an already applied input replied.
func duplicate(ctx context.Context, tx *Tx, key string) error {
	var rec struct {
		Replies []byte `db:"replies"`
		Sent    bool   `db:"sent"`
	}
	if err := tx.GetContext(ctx, &rec, `SELECT replies, sent FROM processed_inputs WHERE key = $1`, key); err != nil {
		return fmt.Errorf("input %s: %w", key, err)
	}
	dup := &dialogs.DuplicateError{Key: key, Sent: rec.Sent}
	if err := json.Unmarshal(rec.Replies, &dup.Replies); err != nil {
		return fmt.Errorf("input %s replies: %w", key, err)
	}
	return dup
}

// MarkSent records that the replies of these inputs were delivered, so a
// redelivery does not send them again.
func (db *DB) MarkSent(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `UPDATE processed_inputs SET sent = true WHERE key = ANY($1)`, pq.Array(keys)); err != nil {
		return fmt.Errorf("mark replies sent: %w", err)
	}
	return nil
}

// PruneInputs forgets applied inputs older than age (Telegram redelivers
// for at most a day).
func (db *DB) PruneInputs(ctx context.Context, age time.Duration) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM processed_inputs WHERE handled_at < now() - make_interval(secs => $1)`, age.Seconds())
	if err != nil {
		return 0, fmt.Errorf("prune processed inputs: %w", err)
	}
	return res.RowsAffected()
}

type draftRow struct {
	Form    string `db:"form_id"`
	Status  string `db:"status"`
	Flags   []byte `db:"flags"`
	NextRow int    `db:"next_row"`
}

type answerRow struct {
	Form    string `db:"answer_form_id"`
	Section string `db:"section_id"`
	Row     string `db:"row_key"`
	Field   string `db:"field_id"`
	Value   string `db:"value"`
	Seq     int    `db:"seq"`
}

// formAnswersQuery reads the answers and list rows of a unit's form (a row
// has an empty field_id).
const (
	formAnswersQuery = `SELECT form_id AS answer_form_id, section_id, row_key, '' AS field_id, '' AS value, seq FROM answer_rows
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3
	UNION ALL
	SELECT form_id, section_id, row_key, field_id, value, 0 FROM answers
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3`
)

func (tx *dialogTx) Drafts(ctx context.Context, campaignID, unit string) (map[string]*campaign.Draft, error) {
	drafts, revisions, extensions, err := loadDrafts(ctx, tx.q, campaignID, unit)
	if err != nil {
		return nil, err
	}
	tx.extensions = map[[2]string]map[string]time.Time{{campaignID, unit}: extensions}
	if tx.unitDrafts == nil {
		tx.unitDrafts = map[draftKey]int64{}
	}
	for form, r := range revisions {
		tx.unitDrafts[draftKey{campaignID, unit, form}] = r
	}
	if tx.allDrafts == nil {
		tx.allDrafts = map[[2]string]map[string]*campaign.Draft{}
	}
	tx.allDrafts[[2]string{campaignID, unit}] = drafts
	return drafts, nil
}

// unitDraftsQuery reads all of a unit's drafts with their answers, and its
// approved extensions (the rows with a new_due), in one round trip: the
// home screen shows both.
const unitDraftsQuery = `SELECT d.form_id, d.status, d.flags, d.next_row, d.revision, d.revision AS snap_revision,
		a.a_section, a.a_row, a.a_field, a.a_value, a.a_seq, NULL::date AS new_due
	FROM drafts d ` + answersAggregate + `
	WHERE d.campaign_id = $1 AND d.unit_code = $2
	UNION ALL
	SELECT e.form_id, '', '{}', 0, 0, 0, NULL, NULL, NULL, NULL, NULL, e.new_due FROM (
		SELECT DISTINCT ON (form_id) form_id, new_due FROM extensions
		WHERE campaign_id = $1 AND unit_code = $2 AND status = 'approved' ORDER BY form_id, decided_at DESC) e`

// unitDraftRow is a row of unitDraftsQuery: a draft, or an extension.
type unitDraftRow struct {
	lockedDraft
	NewDue sql.NullTime `db:"new_due"`
}

// loadDrafts reads all of a unit's drafts without locking them, and its
// approved extensions' new due dates by form.
// It is prepared: the home screen reads it after every /start and submit,
// and planning its aggregate cost more than running it.
func loadDrafts(ctx context.Context, p preparer, campaignID, unit string) (map[string]*campaign.Draft, map[string]int64, map[string]time.Time, error) {
	var rows []unitDraftRow
	if err := selectOn(ctx, p, &rows, unitDraftsQuery, campaignID, unit); err != nil {
		return nil, nil, nil, fmt.Errorf("drafts of %s: %w", unit, err)
	}
	drafts, revisions, extensions := map[string]*campaign.Draft{}, map[string]int64{}, map[string]time.Time{}
	for i := range rows {
		r := &rows[i]
		if r.NewDue.Valid {
			extensions[r.Form] = r.NewDue.Time
			continue
		}
		answers := make([]answerRow, len(r.Sections))
		for j := range r.Sections {
			answers[j] = answerRow{Section: r.Sections[j], Row: r.Rows[j], Field: r.Fields[j], Value: r.Values[j], Seq: int(r.Seqs[j])}
		}
		d, err := buildDraft(campaignID, unit, r.draftRow, answers)
		if err != nil {
			return nil, nil, nil, err
		}
		drafts[r.Form], revisions[r.Form] = d, r.Revision
	}
	return drafts, revisions, extensions, nil
}

func buildDraft(campaignID, unit string, dr draftRow, answers []answerRow) (*campaign.Draft, error) {
	d := campaign.NewDraft(campaignID, unit, dr.Form)
	d.Status = campaign.Status(dr.Status)
	d.NextRow = dr.NextRow
	if err := json.Unmarshal(dr.Flags, &d.Flags); err != nil {
		return nil, fmt.Errorf("draft %s/%s flags: %w", unit, dr.Form, err)
	}
	// List rows first, in their order, then the values into them.
	sort.SliceStable(answers, func(i, j int) bool { return answers[i].Seq < answers[j].Seq })
	for _, a := range answers {
		if a.Field == "" {
			sec := d.Sections[a.Section]
			if sec == nil {
				sec = &campaign.SectionData{}
				d.Sections[a.Section] = sec
			}
			sec.Rows = append(sec.Rows, &campaign.Row{Key: a.Row, Seq: a.Seq, Values: map[string]string{}})
		}
	}
	for _, a := range answers {
		if a.Field == "" {
			continue
		}
		sec := d.Sections[a.Section]
		if sec == nil {
			sec = &campaign.SectionData{}
			d.Sections[a.Section] = sec
		}
		var row *campaign.Row
		for _, r := range sec.Rows {
			if r.Key == a.Row {
				row = r
				break
			}
		}
		if row == nil {
			row = &campaign.Row{Key: a.Row, Values: map[string]string{}}
			sec.Rows = append(sec.Rows, row)
		}
		row.Values[a.Field] = a.Value
	}
	return d, nil
}

func (tx *dialogTx) Submit(ctx context.Context, d *campaign.Draft, campaignVersion int, actor int64) (*dialogs.Submission, error) {
	snap := d.Snapshot()
	data, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	sub := &dialogs.Submission{Campaign: d.Campaign, Unit: d.Unit, Form: d.Form, Status: dialogs.SubSubmitted, Data: snap}
	if tx.optimistic {
		// Numbered now, written by Save with the draft. A backup who
		// submits the same draft meanwhile moves its revision (and takes
		// the version): Save then fails whole, and the turn is run again.
		if tx.pendingSub != nil || actor != tx.actor {
			return nil, errTakeLocks
		}
		var next []struct {
			ID      int64 `db:"id"`
			Version int   `db:"version"`
		}
		if err := tx.db.selectP(ctx, &next, nextSubmissionQuery, d.Campaign, d.Unit, d.Form); err != nil || len(next) != 1 {
			return nil, fmt.Errorf("number a submission of %s/%s: %v", d.Unit, d.Form, err)
		}
		sub.ID, sub.Version = next[0].ID, next[0].Version
		tx.pendingSub = &pendingSubmission{campaign: d.Campaign, unit: d.Unit, form: d.Form, id: sub.ID,
			version: sub.Version, campaignVersion: campaignVersion, data: string(data)}
		return sub, nil
	}
	// The draft is locked by the caller, so versions cannot race. One
	// statement: the submission, its first event and the audit entry.
	err = tx.QueryRowxContext(ctx, `WITH sub AS (
			INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_by)
			SELECT $1, $2, $3, COALESCE(max(version), 0) + 1, $4, $5, 'submitted', $6
			FROM submissions WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3
			RETURNING id, version),
		ev AS (
			INSERT INTO submission_events (submission_id, status, actor_id) SELECT id, 'submitted', $6 FROM sub),
		au AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
			SELECT $6, $1, $2, $3, 'submission.submitted', 'v' || version::text, 'submitted' FROM sub)
		SELECT id, version FROM sub`, d.Campaign, d.Unit, d.Form, campaignVersion, string(data), actor).Scan(&sub.ID, &sub.Version)
	if err != nil {
		return nil, fmt.Errorf("submit %s/%s: %w", d.Unit, d.Form, err)
	}
	return sub, nil
}

// nextSubmissionQuery numbers a unit's next submission of a form.
const nextSubmissionQuery = `SELECT nextval(pg_get_serial_sequence('submissions', 'id')) AS id,
		COALESCE(max(version), 0) + 1 AS version
	FROM submissions WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3`

type submissionRow struct {
	ID       int64     `db:"id"`
	Campaign string    `db:"campaign_id"`
	Unit     string    `db:"unit_code"`
	Form     string    `db:"form_id"`
	Version  int       `db:"version"`
	Status   string    `db:"status"`
	Data     []byte    `db:"data"`
	At       time.Time `db:"submitted_at"`
	Age      float64   `db:"age"`
}

func (r *submissionRow) submission() (*dialogs.Submission, error) {
	s := &dialogs.Submission{ID: r.ID, Campaign: r.Campaign, Unit: r.Unit, Form: r.Form, Version: r.Version, Status: dialogs.SubmissionStatus(r.Status), At: r.At,
		Waited: time.Duration(r.Age * float64(time.Second))}
	if err := json.Unmarshal(r.Data, &s.Data); err != nil {
		return nil, fmt.Errorf("submission %d: %w", r.ID, err)
	}
	return s, nil
}

const submissionColumns = `id, campaign_id, unit_code, form_id, version, status, data, submitted_at,
	extract(epoch FROM now() - submitted_at)::float8 AS age`

func (tx *dialogTx) oneSubmission(ctx context.Context, q string, args ...any) (*dialogs.Submission, error) {
	var r submissionRow
	err := tx.q.GetContext(ctx, &r, q, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load submission: %w", err)
	}
	return r.submission()
}

func (tx *dialogTx) Submission(ctx context.Context, id int64) (*dialogs.Submission, error) {
	if tx.optimistic {
		return nil, errTakeLocks
	}
	return tx.oneSubmission(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1 FOR UPDATE`, id)
}

func (tx *dialogTx) LatestSubmission(ctx context.Context, campaignID, unit, form string) (*dialogs.Submission, error) {
	if tx.optimistic {
		return nil, errTakeLocks
	}
	return tx.oneSubmission(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3 ORDER BY version DESC LIMIT 1 FOR UPDATE`, campaignID, unit, form)
}

// EarlierReturn is what a unit returned for a form: its approved
// submission, else its latest one, else nil. Read without locks: it is
// another period's, which this turn does not change.
func (tx *dialogTx) EarlierReturn(ctx context.Context, campaignID, unit, form string) (*dialogs.Submission, error) {
	return tx.oneSubmission(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3 AND status NOT IN ('withdrawn', 'exempt', 'not_received')
		ORDER BY status = 'approved' DESC, version DESC LIMIT 1`, campaignID, unit, form)
}

func (tx *dialogTx) PreviousSubmission(ctx context.Context, s *dialogs.Submission) (*dialogs.Submission, error) {
	if s.Version <= 1 {
		return nil, nil // the first has none
	}
	return tx.oneSubmission(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3 AND version < $4
			AND status NOT IN ('withdrawn', 'exempt', 'not_received') -- a mark carried nothing to compare with
		ORDER BY version DESC LIMIT 1`, s.Campaign, s.Unit, s.Form, s.Version)
}

// draftStatusFor is the draft's status once its submission has a status.
var draftStatusFor = map[dialogs.SubmissionStatus]campaign.Status{
	dialogs.SubSubmitted: campaign.StatusSubmitted,
	dialogs.SubApproved:  campaign.StatusApproved,
	dialogs.SubReturned:  campaign.StatusReturned,
	dialogs.SubWithdrawn: campaign.StatusDraft,
	// A mark withdrawn leaves a draft too; a mark returned (the level above
	// wants the form after all) a returned one.
	dialogs.SubExempt:      campaign.StatusExempt,
	dialogs.SubNotReceived: campaign.StatusNotReceived,
}

func (tx *dialogTx) SetSubmissionStatus(ctx context.Context, s *dialogs.Submission, status dialogs.SubmissionStatus, actor int64, reason string, flagged []string) error {
	if tx.optimistic {
		return errTakeLocks
	}
	tx.wroteMore = true // the draft's revision moves here as well as in Save
	if flagged == nil {
		flagged = []string{}
	}
	fl, err := json.Marshal(flagged)
	if err != nil {
		return err
	}
	// One statement: the submission, its history, the unit's draft (status,
	// the return's reason and flags, a new revision for lock readers) and
	// the audit log.
	_, err = tx.ExecContext(ctx, `WITH sub AS (
			UPDATE submissions SET status = $2 WHERE id = $1 RETURNING campaign_id, unit_code, form_id, version),
		ev AS (
			INSERT INTO submission_events (submission_id, status, actor_id, reason, flagged) VALUES ($1, $2, $3, $4, $5)),
		dr AS (
			UPDATE drafts d SET status = $6, revision = d.revision + 1, updated_at = now(), updated_by = $3,
				flags = CASE WHEN $2 = 'returned' THEN d.flags || jsonb_build_object('reason', $4::text, 'flagged', $5::jsonb)
					ELSE d.flags - 'reason' - 'flagged' END
			FROM sub WHERE d.campaign_id = sub.campaign_id AND d.unit_code = sub.unit_code AND d.form_id = sub.form_id)
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
		SELECT $3, campaign_id, unit_code, form_id, 'submission.' || $2, 'v' || version::text, NULLIF($4, '') FROM sub`,
		s.ID, string(status), actor, reason, string(fl), string(draftStatusFor[status]))
	if err != nil {
		return fmt.Errorf("submission %d to %s: %w", s.ID, status, err)
	}
	s.Status = status
	return nil
}

func (tx *dialogTx) Tell(ctx context.Context, campaignID, unit, kind string, r dialogs.Reply, roles ...dialogs.Role) (int, error) {
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = string(role)
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	if tx.optimistic {
		// Written by Save with the draft; how many is known only then.
		if tx.pendingTell != nil || tx.pendingSub == nil {
			return 0, errTakeLocks // only a submission's one message goes this way
		}
		tx.pendingTell = &pendingTell{campaign: campaignID, unit: unit, kind: kind, payload: string(payload), roles: names}
		return 1, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload)
		SELECT id, $4, $5::jsonb FROM contacts
		WHERE campaign_id = $1 AND unit_code = $2 AND active AND role = ANY($3) ORDER BY id`,
		campaignID, unit, pq.Array(names), kind, string(payload))
	if err != nil {
		return 0, fmt.Errorf("tell %s: %w", unit, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (tx *dialogTx) Pending(ctx context.Context, campaignID string, units []string) ([]dialogs.PendingItem, error) {
	var rows []struct {
		ID      int64     `db:"id"`
		Unit    string    `db:"unit_code"`
		Form    string    `db:"form_id"`
		Version int       `db:"version"`
		At      time.Time `db:"submitted_at"`
		Age     float64   `db:"age"`
		By      string    `db:"by_name"`
	}
	if err := tx.q.SelectContext(ctx, &rows, `SELECT s.id, s.unit_code, s.form_id, s.version, s.submitted_at,
			extract(epoch FROM now() - s.submitted_at)::float8 AS age, COALESCE(c.display_name, '') AS by_name
		FROM submissions s LEFT JOIN contacts c ON c.id = s.submitted_by
		WHERE s.campaign_id = $1 AND s.unit_code = ANY($2) AND s.status = 'submitted'
		ORDER BY s.submitted_at, s.id`, campaignID, pq.Array(units)); err != nil {
		return nil, fmt.Errorf("pending reviews: %w", err)
	}
	out := make([]dialogs.PendingItem, len(rows))
	for i, r := range rows {
		out[i] = dialogs.PendingItem{ID: r.ID, Unit: r.Unit, Form: r.Form, Version: r.Version, At: r.At, By: r.By,
			Waited: time.Duration(r.Age * float64(time.Second))}
	}
	return out, nil
}

func (tx *dialogTx) History(ctx context.Context, submission int64) ([]dialogs.SubmissionEvent, error) {
	var rows []struct {
		Status  string    `db:"status"`
		By      string    `db:"by_name"`
		Unit    string    `db:"by_unit"`
		Reason  string    `db:"reason"`
		Flagged []byte    `db:"flagged"`
		At      time.Time `db:"at"`
	}
	if err := tx.q.SelectContext(ctx, &rows, `SELECT e.status, COALESCE(c.display_name, '') AS by_name, COALESCE(c.unit_code, '') AS by_unit,
			e.reason, e.flagged, e.at
		FROM submission_events e LEFT JOIN contacts c ON c.id = e.actor_id
		WHERE e.submission_id = $1 ORDER BY e.id`, submission); err != nil {
		return nil, fmt.Errorf("history of submission %d: %w", submission, err)
	}
	out := make([]dialogs.SubmissionEvent, len(rows))
	for i, r := range rows {
		out[i] = dialogs.SubmissionEvent{Status: dialogs.SubmissionStatus(r.Status), By: r.By, ByUnit: r.Unit, Reason: r.Reason, At: r.At}
		_ = json.Unmarshal(r.Flagged, &out[i].Flagged)
	}
	return out, nil
}

func (tx *dialogTx) ContactNames(ctx context.Context, campaignID, unit string, roles ...dialogs.Role) ([]string, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var out []string
	if err := tx.q.SelectContext(ctx, &out, `SELECT display_name FROM contacts WHERE campaign_id = $1 AND unit_code = $2 AND active
		AND role = ANY($3) ORDER BY id`, campaignID, unit, pq.Array(names)); err != nil {
		return nil, fmt.Errorf("contacts of %s: %w", unit, err)
	}
	return out, nil
}

func (tx *dialogTx) RequestExtension(ctx context.Context, r *dialogs.ExtensionRequest, actor int64) error {
	if tx.optimistic {
		return errTakeLocks
	}
	if err := tx.QueryRowxContext(ctx, `WITH ins AS (
			INSERT INTO extensions (campaign_id, unit_code, form_id, reason, new_due, requested_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id),
		au AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, new_value)
			VALUES ($6, $1, $2, $3, 'extension.requested', $5::text))
		SELECT id FROM ins`, r.Campaign, r.Unit, r.Form, r.Reason, r.NewDue.Format("2006-01-02"), actor).Scan(&r.ID); err != nil {
		return fmt.Errorf("request extension: %w", err)
	}
	return nil
}

func (tx *dialogTx) Extension(ctx context.Context, id int64) (*dialogs.ExtensionRequest, error) {
	if tx.optimistic {
		return nil, errTakeLocks
	}
	var r struct {
		ID       int64     `db:"id"`
		Campaign string    `db:"campaign_id"`
		Unit     string    `db:"unit_code"`
		Form     string    `db:"form_id"`
		Reason   string    `db:"reason"`
		NewDue   time.Time `db:"new_due"`
		Status   string    `db:"status"`
	}
	err := tx.GetContext(ctx, &r, `SELECT id, campaign_id, unit_code, form_id, reason, new_due, status FROM extensions WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("extension %d: %w", id, err)
	}
	return &dialogs.ExtensionRequest{ID: r.ID, Campaign: r.Campaign, Unit: r.Unit, Form: r.Form, Reason: r.Reason, NewDue: r.NewDue, Status: r.Status}, nil
}

func (tx *dialogTx) DecideExtension(ctx context.Context, r *dialogs.ExtensionRequest, status string, actor int64) error {
	if tx.optimistic {
		return errTakeLocks
	}
	tx.extensions = nil // the due dates read with the drafts may change
	if _, err := tx.ExecContext(ctx, `WITH up AS (
			UPDATE extensions SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1)
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, new_value)
		VALUES ($3, $4, $5, $6, 'extension.' || $2, $7)`, r.ID, status, actor, r.Campaign, r.Unit, r.Form, r.NewDue.Format("2006-01-02")); err != nil {
		return fmt.Errorf("decide extension %d: %w", r.ID, err)
	}
	r.Status = status
	return nil
}

func (tx *dialogTx) UnitExtensions(ctx context.Context, campaignID, unit string) (map[string]time.Time, error) {
	if ext, ok := tx.extensions[[2]string{campaignID, unit}]; ok {
		return ext, nil // read with the unit's drafts in this turn
	}
	var rows []struct {
		Form   string    `db:"form_id"`
		NewDue time.Time `db:"new_due"`
	}
	if err := tx.q.SelectContext(ctx, &rows, `SELECT DISTINCT ON (form_id) form_id, new_due FROM extensions
		WHERE campaign_id = $1 AND unit_code = $2 AND status = 'approved' ORDER BY form_id, decided_at DESC`, campaignID, unit); err != nil {
		return nil, fmt.Errorf("extensions of %s: %w", unit, err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.Form] = r.NewDue
	}
	return out, nil
}

func (tx *dialogTx) UnitStates(ctx context.Context, campaignID string, units []string, form string) (map[string]campaign.Status, error) {
	var rows []struct {
		Unit   string `db:"unit_code"`
		Status string `db:"status"`
	}
	if err := tx.q.SelectContext(ctx, &rows, `SELECT unit_code, status FROM drafts
		WHERE campaign_id = $1 AND unit_code = ANY($2) AND form_id = $3`, campaignID, pq.Array(units), form); err != nil {
		return nil, fmt.Errorf("states of %s: %w", form, err)
	}
	out := make(map[string]campaign.Status, len(rows))
	for _, r := range rows {
		out[r.Unit] = campaign.Status(r.Status)
	}
	return out, nil
}

func (tx *dialogTx) Notify(ctx context.Context, n []dialogs.Notification) error {
	if tx.optimistic {
		return errTakeLocks
	}
	if len(n) == 0 {
		return nil
	}
	ids := make([]int64, len(n))
	kinds := make([]string, len(n))
	payloads := make([]string, len(n))
	for i, x := range n {
		b, err := json.Marshal(x.Reply)
		if err != nil {
			return err
		}
		ids[i], kinds[i], payloads[i] = x.ContactID, x.Kind, string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload)
		SELECT c, k, p::jsonb FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(c, k, p)`,
		pq.Array(ids), pq.Array(kinds), pq.Array(payloads)); err != nil {
		return fmt.Errorf("queue notifications: %w", err)
	}
	return nil
}

func (tx *dialogTx) Suggestions(ctx context.Context, campaignID, parent, unit, form, field string, limit int) ([]string, error) {
	var out []string
	// Only what other units submitted: a draft is nobody else's business,
	// and half-typed text is no suggestion.
	err := tx.q.SelectContext(ctx, &out, `SELECT a.value FROM answers a
		JOIN units u ON u.campaign_id = a.campaign_id AND u.code = a.unit_code
		JOIN drafts d ON d.campaign_id = a.campaign_id AND d.unit_code = a.unit_code AND d.form_id = a.form_id
		WHERE a.campaign_id = $1 AND u.parent_code = $2 AND a.form_id = $3 AND a.field_id = $4 AND a.value <> ''
			AND d.status IN ('submitted', 'approved') AND a.unit_code <> $6
		GROUP BY a.value ORDER BY count(*) DESC, a.value LIMIT $5`, campaignID, parent, form, field, limit, unit)
	if err != nil {
		return nil, fmt.Errorf("suggestions for %s: %w", field, err)
	}
	return out, nil
}

// ConsoleContact finds or creates the contact a console user acts as
// (identified by unit, role and name) with its session, and returns its id.
// Each is a person of its own: the console acts as the one place its flags
// name.
func (db *DB) ConsoleContact(ctx context.Context, campaignID, unit string, role dialogs.Role, name string) (int64, error) {
	return db.ConsoleContactOf(ctx, campaignID+"/"+unit+"/"+string(role)+"/"+name, campaignID, unit, role, name)
}

// ConsoleContactOf is ConsoleContact for the console person named by key:
// the places made with one key are one person's (tests of people who hold
// several). The place becomes the person's current one.
func (db *DB) ConsoleContactOf(ctx context.Context, key, campaignID, unit string, role dialogs.Role, name string) (int64, error) {
	var id int64
	err := db.Transact(ctx, func(tx *Tx) error {
		person, err := personFor(ctx, tx, ChannelConsole, key, sql.NullInt64{}, name)
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &id, `INSERT INTO contacts (campaign_id, unit_code, role, console_name, display_name, person_id)
			VALUES ($1, $2, $3, $4, $4, $5)
			ON CONFLICT (campaign_id, unit_code, role, console_name) WHERE console_name IS NOT NULL
			DO UPDATE SET active = true
			RETURNING id`, campaignID, unit, string(role), name, person)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO sessions (contact_id) VALUES ($1) ON CONFLICT DO NOTHING`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, makeCurrent, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("console contact %s/%s: %w", unit, name, err)
	}
	return id, nil
}

// UnitDrafts loads all of a unit's drafts (for exports), without locking.
func (db *DB) UnitDrafts(ctx context.Context, campaignID, unit string) (map[string]*campaign.Draft, error) {
	drafts, _, _, err := loadDrafts(ctx, db, campaignID, unit)
	return drafts, err
}

// SetReviewValues writes what the reviewing level fills as it approves
// (核定数, 审核意见) into the submission's copy and the unit's draft, one
// statement, with an audit row per value.
func (tx *dialogTx) SetReviewValues(ctx context.Context, s *dialogs.Submission, section string, values map[string]string, actor int64) error {
	if tx.optimistic {
		return errTakeLocks
	}
	tx.wroteMore = true
	rows := s.Data.Sections[section]
	i := -1
	for j, r := range rows {
		if r.Key == "" {
			i = j
		}
	}
	if i < 0 {
		if s.Data.Sections == nil {
			s.Data.Sections = map[string][]campaign.SnapshotRow{}
		}
		rows = append(rows, campaign.SnapshotRow{Key: "", Values: map[string]string{}})
		i = len(rows) - 1
	}
	var fields, vals []string
	for k, v := range values {
		rows[i].Values[k] = v
		fields, vals = append(fields, k), append(vals, v)
	}
	s.Data.Sections[section] = rows
	data, err := json.Marshal(s.Data)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `WITH sub AS (
			UPDATE submissions SET data = $2 WHERE id = $1 RETURNING campaign_id, unit_code, form_id),
		ans AS (
			INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value, updated_by)
			SELECT sub.campaign_id, sub.unit_code, sub.form_id, $3, '', f, v, $4
			FROM sub, unnest($5::text[], $6::text[]) AS x(f, v)
			ON CONFLICT (campaign_id, unit_code, form_id, section_id, row_key, field_id)
			DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by)
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
		SELECT $4, sub.campaign_id, sub.unit_code, sub.form_id, 'review.value', $3 || '//' || f, v
		FROM sub, unnest($5::text[], $6::text[]) AS x(f, v)`,
		s.ID, string(data), section, actor, pq.Array(fields), pq.Array(vals))
	if err != nil {
		return fmt.Errorf("review values of submission %d: %w", s.ID, err)
	}
	return nil
}

// SubmissionsOf is every submission of a unit's form, oldest first.
func (db *DB) SubmissionsOf(ctx context.Context, campaignID, unit, form string) ([]*dialogs.Submission, error) {
	var rows []submissionRow
	if err := db.SelectContext(ctx, &rows, `SELECT `+submissionColumns+` FROM submissions
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3 ORDER BY version`, campaignID, unit, form); err != nil {
		return nil, fmt.Errorf("submissions of %s/%s: %w", unit, form, err)
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

// HistoryEvent is a step of a unit's form's submissions: submitted,
// returned, approved, withdrawn, by whom and when.
type HistoryEvent struct {
	Version int       `db:"version"`
	Status  string    `db:"status"`
	By      string    `db:"by_name"`
	ByUnit  string    `db:"by_unit"` // the actor's unit's code
	At      time.Time `db:"at"`
	Reason  string    `db:"reason"`
}

// SubmissionHistory is every step of a unit's form, in order.
func (db *DB) SubmissionHistory(ctx context.Context, campaignID, unit, form string) ([]HistoryEvent, error) {
	var out []HistoryEvent
	if err := db.SelectContext(ctx, &out, `SELECT s.version, e.status, COALESCE(c.display_name, '') AS by_name, COALESCE(c.unit_code, '') AS by_unit, e.at, e.reason
		FROM submission_events e JOIN submissions s ON s.id = e.submission_id LEFT JOIN contacts c ON c.id = e.actor_id
		WHERE s.campaign_id = $1 AND s.unit_code = $2 AND s.form_id = $3 ORDER BY e.id`, campaignID, unit, form); err != nil {
		return nil, fmt.Errorf("history of %s/%s: %w", unit, form, err)
	}
	return out, nil
}
