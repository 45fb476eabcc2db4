package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
)

// UnitFormState is where one unit stands on one form.
type UnitFormState struct {
	Unit    string `db:"unit_code"`
	Form    string `db:"form_id"`
	Status  string `db:"status"`
	Started bool   `db:"started"`
}

// FormStates returns the state of every draft of the given units (a unit
// without a row for a form has not opened it).
func (db *DB) FormStates(ctx context.Context, campaignID string, units []string) ([]UnitFormState, error) {
	var out []UnitFormState
	err := db.SelectContext(ctx, &out, `SELECT d.unit_code, d.form_id, d.status,
			(d.status <> 'draft' OR d.flags ? 'done'
			 OR EXISTS (SELECT 1 FROM answers a WHERE a.campaign_id = d.campaign_id AND a.unit_code = d.unit_code AND a.form_id = d.form_id)
			 OR EXISTS (SELECT 1 FROM answer_rows r WHERE r.campaign_id = d.campaign_id AND r.unit_code = d.unit_code AND r.form_id = d.form_id)) AS started
		FROM drafts d WHERE d.campaign_id = $1 AND d.unit_code = ANY($2)`, campaignID, pq.Array(units))
	if err != nil {
		return nil, fmt.Errorf("form states: %w", err)
	}
	return out, nil
}

// FieldSums adds up the numeric answers of a form over units whose draft
// has one of the statuses, by section/field.
func (db *DB) FieldSums(ctx context.Context, campaignID, form string, units, statuses []string) (map[string]float64, error) {
	var rows []struct {
		Key string  `db:"k"`
		Sum float64 `db:"s"`
	}
	err := db.SelectContext(ctx, &rows, `SELECT a.section_id || '/' || a.field_id AS k, sum(a.value::numeric)::float8 AS s
		FROM answers a JOIN drafts d ON d.campaign_id = a.campaign_id AND d.unit_code = a.unit_code AND d.form_id = a.form_id
		WHERE a.campaign_id = $1 AND a.form_id = $2 AND a.unit_code = ANY($3) AND d.status = ANY($4)
			AND a.value ~ '^[0-9]+(\.[0-9]+)?$'
		GROUP BY 1`, campaignID, form, pq.Array(units), pq.Array(statuses))
	if err != nil {
		return nil, fmt.Errorf("sums of %s: %w", form, err)
	}
	out := make(map[string]float64, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Sum
	}
	return out, nil
}

// RowCounts counts the list rows of a form over units whose draft has one
// of the statuses, by section.
func (db *DB) RowCounts(ctx context.Context, campaignID, form string, units, statuses []string) (map[string]int, error) {
	var rows []struct {
		Section string `db:"section_id"`
		N       int    `db:"n"`
	}
	err := db.SelectContext(ctx, &rows, `SELECT r.section_id, count(*) AS n
		FROM answer_rows r JOIN drafts d ON d.campaign_id = r.campaign_id AND d.unit_code = r.unit_code AND d.form_id = r.form_id
		WHERE r.campaign_id = $1 AND r.form_id = $2 AND r.unit_code = ANY($3) AND d.status = ANY($4)
		GROUP BY 1`, campaignID, form, pq.Array(units), pq.Array(statuses))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", form, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Section] = r.N
	}
	return out, nil
}

// FormatNumber writes a sum without float noise.
func FormatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ExportRow is one record or row of a unit's form section.
type ExportRow struct {
	Unit   string
	Row    string
	Status string
	Values map[string]string
}

// ExportRows streams the rows of one section of a form for the given units,
// in the units' order (then the rows' order), limited to drafts with one
// of the statuses. Memory stays flat however many rows there are.
func (db *DB) ExportRows(ctx context.Context, campaignID, form, section string, units, statuses []string, fn func(ExportRow) error) error {
	rows, err := db.QueryxContext(ctx, `SELECT a.unit_code, a.row_key, d.status, a.field_id, a.value
		FROM unnest($4::text[]) WITH ORDINALITY AS o(code, ord)
		JOIN drafts d ON d.campaign_id = $1 AND d.unit_code = o.code AND d.form_id = $2 AND d.status = ANY($5)
		JOIN answers a ON a.campaign_id = $1 AND a.unit_code = o.code AND a.form_id = $2 AND a.section_id = $3
		LEFT JOIN answer_rows r ON r.campaign_id = $1 AND r.unit_code = o.code AND r.form_id = $2
			AND r.section_id = $3 AND r.row_key = a.row_key
		ORDER BY o.ord, COALESCE(r.seq, 0), a.row_key`, campaignID, form, section, pq.Array(units), pq.Array(statuses))
	if err != nil {
		return fmt.Errorf("export %s/%s: %w", form, section, err)
	}
	defer rows.Close()
	var cur *ExportRow
	for rows.Next() {
		var unit, row, status, field, value string
		if err := rows.Scan(&unit, &row, &status, &field, &value); err != nil {
			return fmt.Errorf("export %s/%s: %w", form, section, err)
		}
		if cur == nil || cur.Unit != unit || cur.Row != row {
			if cur != nil {
				if err := fn(*cur); err != nil {
					return err
				}
			}
			cur = &ExportRow{Unit: unit, Row: row, Status: status, Values: map[string]string{}}
		}
		cur.Values[field] = value
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s/%s: %w", form, section, err)
	}
	if cur != nil {
		return fn(*cur)
	}
	return nil
}

// ExportFile is an uploaded document referred to by an answer.
type ExportFile struct {
	ID      int64  `db:"id"`
	Unit    string `db:"unit_code"`
	Name    string `db:"name"`
	Content []byte `db:"content"`
}

// FileByRef loads a stored file by its reference ("file:ID").
func (db *DB) FileByRef(ctx context.Context, ref string) (*ExportFile, error) {
	id, ok := strings.CutPrefix(ref, "file:")
	if !ok {
		return nil, fmt.Errorf("file reference %q: %w", ref, ErrNotFound)
	}
	var f ExportFile
	if err := db.GetContext(ctx, &f, `SELECT id, unit_code, name, content FROM files WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("file %s: %w", ref, err)
	}
	return &f, nil
}

// ReminderState is where a unit stands on a form, for reminders.
type ReminderState struct {
	Unit     string `db:"unit_code"`
	Form     string `db:"form_id"`
	Status   string `db:"status"`
	Answered int    `db:"answered"`
	Rows     int    `db:"rows"`
}

// ReminderStates returns every draft of a campaign with its progress.
func (db *DB) ReminderStates(ctx context.Context, campaignID string) ([]ReminderState, error) {
	var out []ReminderState
	err := db.SelectContext(ctx, &out, `SELECT d.unit_code, d.form_id, d.status,
			(SELECT count(*) FROM answers a WHERE a.campaign_id = d.campaign_id AND a.unit_code = d.unit_code AND a.form_id = d.form_id) AS answered,
			(SELECT count(*) FROM answer_rows r WHERE r.campaign_id = d.campaign_id AND r.unit_code = d.unit_code AND r.form_id = d.form_id) AS rows
		FROM drafts d WHERE d.campaign_id = $1`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("reminder states: %w", err)
	}
	return out, nil
}

// Extension is an approved new due date of a unit's form.
type Extension struct {
	Unit   string    `db:"unit_code"`
	Form   string    `db:"form_id"`
	NewDue time.Time `db:"new_due"`
}

// ApprovedExtensions lists the campaign's approved extensions (the newest
// per unit and form wins).
func (db *DB) ApprovedExtensions(ctx context.Context, campaignID string) ([]Extension, error) {
	var out []Extension
	err := db.SelectContext(ctx, &out, `SELECT DISTINCT ON (unit_code, form_id) unit_code, form_id, new_due
		FROM extensions WHERE campaign_id = $1 AND status = 'approved' ORDER BY unit_code, form_id, decided_at DESC`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("extensions: %w", err)
	}
	return out, nil
}

// Recipient is a contact who can be reminded.
type Recipient struct {
	ID   int64  `db:"id"`
	Unit string `db:"unit_code"`
	Role string `db:"role"`
}

// Reachable lists the campaign's active contacts that have not blocked the
// bot, oldest first (the first filler of a unit is its main contact).
func (db *DB) Reachable(ctx context.Context, campaignID string) ([]Recipient, error) {
	var out []Recipient
	err := db.SelectContext(ctx, &out, `SELECT id, unit_code, role FROM contacts
		WHERE campaign_id = $1 AND active AND unreachable_at IS NULL ORDER BY id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	return out, nil
}

// SlotKey names a reminder slot.
type SlotKey struct {
	Unit, Form string
	At         time.Time
}

// RecordSlots records slots and returns those not recorded before, then
// lets queue add the messages of those, in the same transaction.
func (db *DB) RecordSlots(ctx context.Context, campaignID string, slots []SlotKey, queue func(tx *Tx, fresh []SlotKey) error) error {
	return db.Transact(ctx, func(tx *Tx) error {
		units, forms := make([]string, len(slots)), make([]string, len(slots))
		ats := make([]time.Time, len(slots))
		for i, s := range slots {
			units[i], forms[i], ats[i] = s.Unit, s.Form, s.At
		}
		var rows []struct {
			Unit string    `db:"unit_code"`
			Form string    `db:"form_id"`
			At   time.Time `db:"slot_at"`
		}
		if err := tx.SelectContext(ctx, &rows, `INSERT INTO reminder_slots (campaign_id, unit_code, form_id, slot_at)
			SELECT $1, u, f, a FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS x(u, f, a)
			ON CONFLICT DO NOTHING RETURNING unit_code, form_id, slot_at`, campaignID, pq.Array(units), pq.Array(forms), pq.Array(ats)); err != nil {
			return fmt.Errorf("record reminder slots: %w", err)
		}
		fresh := make([]SlotKey, len(rows))
		for i, r := range rows {
			fresh[i] = SlotKey{Unit: r.Unit, Form: r.Form, At: r.At}
		}
		return queue(tx, fresh)
	})
}

// Queue adds messages to the outbox in tx.
func (tx *Tx) Queue(ctx context.Context, n []dialogs.Notification) error {
	return (&dialogTx{Tx: tx, q: tx, db: tx.db}).Notify(ctx, n)
}

// Leader holds a session advisory lock on its own connection: whoever holds
// it runs the schedule; if the process dies, the connection closes and the
// lock passes to the next one that tries.
type Leader struct {
	conn *sql.Conn
	key  string
}

// TryLead takes the lock named key if it is free.
func (db *DB) TryLead(ctx context.Context, key string) (*Leader, error) {
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, key).Scan(&ok); err != nil {
		conn.Close()
		return nil, err
	}
	if !ok {
		conn.Close()
		return nil, nil
	}
	return &Leader{conn: conn, key: key}, nil
}

// Alive checks the lock's connection still stands.
func (l *Leader) Alive(ctx context.Context) bool { return l.conn.PingContext(ctx) == nil }

// Release gives the lock up. The connection goes back to the pool, so the
// lock (a session's) is given up explicitly first: else the pooled
// connection would keep it, and nobody in this process, nor any other,
// could lead again. A connection that cannot be unlocked is broken, and its
// session, with the lock, is gone already.
func (l *Leader) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ok bool
	if err := l.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, l.key).Scan(&ok); err != nil || !ok {
		// Not returned to the pool as it is: closed for good.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = l.conn.Close()
}

// ContactNames maps a campaign's contacts to their display names (for
// operators' listings; never logged).
func (db *DB) ContactNames(ctx context.Context, campaignID string) (map[int64]string, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"display_name"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT id, display_name FROM contacts WHERE campaign_id = $1`, campaignID); err != nil {
		return nil, fmt.Errorf("contact names: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// SubmissionRef is a submission by its number, version and status.
type SubmissionRef struct {
	Unit    string `db:"unit_code"`
	ID      int64  `db:"id"`
	Version int    `db:"version"`
	Status  string `db:"status"`
	Data    []byte `db:"data"` // only for packages: what they carry
}

// LatestSubmissions returns, per unit, the newest submission of form whose
// status is one of statuses (a package's data with it: what it carries).
func (db *DB) LatestSubmissions(ctx context.Context, campaignID, form string, units, statuses []string) (map[string]SubmissionRef, error) {
	var rows []SubmissionRef
	err := db.SelectContext(ctx, &rows, `SELECT DISTINCT ON (unit_code) unit_code, id, version, status,
			CASE WHEN form_id LIKE 'pkg:%' THEN data ELSE 'null'::jsonb END AS data
		FROM submissions WHERE campaign_id = $1 AND form_id = $2 AND unit_code = ANY($3) AND status = ANY($4)
		ORDER BY unit_code, version DESC`, campaignID, form, pq.Array(units), pq.Array(statuses))
	if err != nil {
		return nil, fmt.Errorf("latest submissions of %s: %w", form, err)
	}
	out := make(map[string]SubmissionRef, len(rows))
	for _, r := range rows {
		out[r.Unit] = r
	}
	return out, nil
}

// PackageByID returns a package's unit, form and what it carries.
func (db *DB) PackageByID(ctx context.Context, id int64) (SubmissionRef, string, error) {
	var r struct {
		SubmissionRef
		Form string `db:"form_id"`
	}
	err := db.GetContext(ctx, &r, `SELECT unit_code, id, version, status, data, form_id FROM submissions WHERE id = $1 AND form_id LIKE 'pkg:%'`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return SubmissionRef{}, "", fmt.Errorf("package %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return SubmissionRef{}, "", fmt.Errorf("package %d: %w", id, err)
	}
	return r.SubmissionRef, r.Form, nil
}

// SnapshotRows streams the rows of one section of the given submissions,
// in the order of ids, as ExportRows does for drafts: what was submitted,
// not what a draft holds now. status labels every row.
func (db *DB) SnapshotRows(ctx context.Context, section string, ids []int64, status string, fn func(ExportRow) error) error {
	rows, err := db.QueryxContext(ctx, `SELECT s.unit_code, r.value
		FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, ord)
		JOIN submissions s ON s.id = o.id
		CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.data->'sections'->$2, '[]'::jsonb)) WITH ORDINALITY AS r(value, n)
		ORDER BY o.ord, r.n`, pq.Array(ids), section)
	if err != nil {
		return fmt.Errorf("submitted rows of %s: %w", section, err)
	}
	defer rows.Close()
	for rows.Next() {
		var unit string
		var raw []byte
		if err := rows.Scan(&unit, &raw); err != nil {
			return fmt.Errorf("submitted rows of %s: %w", section, err)
		}
		var r struct {
			Key    string            `json:"key"`
			Values map[string]string `json:"values"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("submitted row of %s: %w", section, err)
		}
		if err := fn(ExportRow{Unit: unit, Row: r.Key, Status: status, Values: r.Values}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Snapshots loads what submissions hold, by id.
func (db *DB) Snapshots(ctx context.Context, ids []int64) (map[int64]campaign.Snapshot, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Data []byte `db:"data"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT id, data FROM submissions WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("submissions: %w", err)
	}
	out := make(map[int64]campaign.Snapshot, len(rows))
	for _, r := range rows {
		var s campaign.Snapshot
		if err := json.Unmarshal(r.Data, &s); err != nil {
			return nil, fmt.Errorf("submission %d: %w", r.ID, err)
		}
		out[r.ID] = s
	}
	return out, nil
}

// UnitContacts maps units to their active contacts' names.
func (db *DB) UnitContacts(ctx context.Context, campaignID string, units []string) (map[string][]string, error) {
	var rows []struct {
		Unit string `db:"unit_code"`
		Name string `db:"display_name"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT unit_code, display_name FROM contacts
		WHERE campaign_id = $1 AND unit_code = ANY($2) AND active ORDER BY id`, campaignID, pq.Array(units)); err != nil {
		return nil, fmt.Errorf("contacts of units: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Unit] = append(out[r.Unit], r.Name)
	}
	return out, nil
}

// ContactInfo is who to call about a unit: its contacts in the bot (those
// who blocked it marked), and the person and phone the unit gave in the
// campaign's contact form, if it names one.
type ContactInfo struct {
	Names []string
	Phone string
}

// UnitContactInfo is ContactInfo for each unit.
func (db *DB) UnitContactInfo(ctx context.Context, c *campaign.Campaign, units []string) (map[string]ContactInfo, error) {
	var rows []struct {
		Unit        string `db:"unit_code"`
		Name        string `db:"display_name"`
		Unreachable bool   `db:"unreachable"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT unit_code, display_name, unreachable_at IS NOT NULL AS unreachable FROM contacts
		WHERE campaign_id = $1 AND unit_code = ANY($2) AND active ORDER BY id`, c.ID, pq.Array(units)); err != nil {
		return nil, fmt.Errorf("contacts of units: %w", err)
	}
	out := map[string]ContactInfo{}
	for _, r := range rows {
		ci := out[r.Unit]
		name := r.Name
		if r.Unreachable {
			name += catalog.ReportTexts.BlockedMark
		}
		ci.Names = append(ci.Names, name)
		out[r.Unit] = ci
	}
	cf := c.Contact
	if cf == nil {
		return out, nil
	}
	var answers []struct {
		Unit  string `db:"unit_code"`
		Field string `db:"field_id"`
		Value string `db:"value"`
	}
	if err := db.SelectContext(ctx, &answers, `SELECT unit_code, field_id, value FROM answers
		WHERE campaign_id = $1 AND form_id = $2 AND section_id = $3 AND row_key = '' AND field_id = ANY($4) AND unit_code = ANY($5)`,
		c.ID, cf.Form, cf.Section, pq.Array([]string{cf.Name, cf.Phone}), pq.Array(units)); err != nil {
		return nil, fmt.Errorf("contact answers: %w", err)
	}
	given := map[string]map[string]string{}
	for _, a := range answers {
		if given[a.Unit] == nil {
			given[a.Unit] = map[string]string{}
		}
		given[a.Unit][a.Field] = a.Value
	}
	for unit, g := range given {
		ci := out[unit]
		if n := g[cf.Name]; n != "" && !contains(ci.Names, n) {
			ci.Names = append(ci.Names, n)
		}
		ci.Phone = g[cf.Phone]
		out[unit] = ci
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RecentSlots reports the units with a slot of form recorded after since.
func (db *DB) RecentSlots(ctx context.Context, campaignID, form string, since time.Time) (map[string]bool, error) {
	var units []string
	if err := db.SelectContext(ctx, &units, `SELECT DISTINCT unit_code FROM reminder_slots
		WHERE campaign_id = $1 AND form_id = $2 AND slot_at > $3`, campaignID, form, since); err != nil {
		return nil, fmt.Errorf("recent slots: %w", err)
	}
	out := make(map[string]bool, len(units))
	for _, u := range units {
		out[u] = true
	}
	return out, nil
}

// FormStatus is one unit's standing on one form, for an export's status
// sheet: its draft's state, when it was last submitted, who last decided
// and when, how often it was returned, how many warnings were confirmed.
type FormStatus struct {
	Unit        string         `db:"unit_code"`
	Form        string         `db:"form_id"`
	Status      string         `db:"status"`
	SubmittedAt sql.NullTime   `db:"submitted_at"`
	ReviewedBy  sql.NullString `db:"reviewed_by"`
	ReviewedAt  sql.NullTime   `db:"reviewed_at"`
	Returns     int            `db:"returns"`
	Warnings    int            `db:"warnings"`
	// MarkReason is the reason of the mark the unit's form stands under
	// (免报, 未收到), if it does.
	MarkReason sql.NullString `db:"mark_reason"`
}

// FormStatuses is FormStatus for the units' drafts of the forms (a unit
// that never opened a form has no row).
func (db *DB) FormStatuses(ctx context.Context, campaignID string, forms, units []string) ([]FormStatus, error) {
	var out []FormStatus
	err := db.SelectContext(ctx, &out, `SELECT d.unit_code, d.form_id, d.status,
			(SELECT max(s.submitted_at) FROM submissions s WHERE s.campaign_id = d.campaign_id AND s.unit_code = d.unit_code
				AND s.form_id = d.form_id AND s.status NOT IN ('withdrawn', 'exempt', 'not_received')) AS submitted_at,
			ev.reviewed_by, ev.reviewed_at,
			(SELECT count(*) FROM submission_events e JOIN submissions s ON s.id = e.submission_id
				WHERE s.campaign_id = d.campaign_id AND s.unit_code = d.unit_code AND s.form_id = d.form_id AND e.status = 'returned') AS returns,
			(SELECT count(*) FROM jsonb_object_keys(COALESCE(d.flags->'soft', '{}'::jsonb))) AS warnings,
			CASE WHEN d.status IN ('exempt', 'not_received') THEN ev.reason END AS mark_reason
		FROM drafts d
		LEFT JOIN LATERAL (SELECT COALESCE(c.display_name, '') AS reviewed_by, e.at AS reviewed_at, e.reason
			FROM submission_events e JOIN submissions s ON s.id = e.submission_id LEFT JOIN contacts c ON c.id = e.actor_id
			WHERE s.campaign_id = d.campaign_id AND s.unit_code = d.unit_code AND s.form_id = d.form_id
				AND e.status IN ('approved', 'returned', 'exempt', 'not_received')
			ORDER BY e.id DESC LIMIT 1) ev ON true
		WHERE d.campaign_id = $1 AND d.form_id = ANY($2) AND d.unit_code = ANY($3)`, campaignID, pq.Array(forms), pq.Array(units))
	if err != nil {
		return nil, fmt.Errorf("form statuses: %w", err)
	}
	return out, nil
}

// ProgressEvent is a step of a unit's form: submitted, returned, approved
// or withdrawn, and when.
type ProgressEvent struct {
	Unit   string    `db:"unit_code"`
	Form   string    `db:"form_id"`
	Status string    `db:"status"`
	At     time.Time `db:"at"`
}

// ProgressEvents are the steps of the units' forms, in the order they
// happened: the desk's progress over time is drawn from them.
func (db *DB) ProgressEvents(ctx context.Context, campaignID string, forms, units []string) ([]ProgressEvent, error) {
	var out []ProgressEvent
	if err := db.SelectContext(ctx, &out, `SELECT s.unit_code, s.form_id, e.status, e.at
		FROM submission_events e JOIN submissions s ON s.id = e.submission_id
		WHERE s.campaign_id = $1 AND s.form_id = ANY($2) AND s.unit_code = ANY($3) ORDER BY e.at, e.id`,
		campaignID, pq.Array(forms), pq.Array(units)); err != nil {
		return nil, fmt.Errorf("progress events: %w", err)
	}
	return out, nil
}

// PackageState is where a unit's latest package of a form stands.
type PackageState struct {
	Unit   string `db:"unit_code"`
	Form   string `db:"form_id"` // the package's own id (pkg:<form>)
	Status string `db:"status"`
}

// LatestPackages returns the newest package of every form each of the
// units forwarded (all of the campaign's when units is nil).
func (db *DB) LatestPackages(ctx context.Context, campaignID string, units []string) ([]PackageState, error) {
	var out []PackageState
	err := db.SelectContext(ctx, &out, `SELECT DISTINCT ON (unit_code, form_id) unit_code, form_id, status
		FROM submissions WHERE campaign_id = $1 AND form_id LIKE 'pkg:%' AND ($2::text[] IS NULL OR unit_code = ANY($2))
		ORDER BY unit_code, form_id, version DESC`, campaignID, pq.Array(units))
	if err != nil {
		return nil, fmt.Errorf("latest packages: %w", err)
	}
	return out, nil
}
