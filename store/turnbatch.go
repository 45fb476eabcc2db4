package store

// Optimistic turns of different contacts written together (batcher.go):
// each optimistic turn ends in one statement that commits by itself (see
// Save), and turns that reach it while others are being written go in one
// statement that makes each turn's writes and checks each turn's
// expectations as its own statement would: a session's version, a draft's
// revision, an input not yet applied.

import (
	"cmp"
	"context"
	"database/sql"
	"strings"

	"github.com/lib/pq"
)

// turnWrite is one optimistic turn's write.
type turnWrite struct {
	kind           int // turnSession … turnNewDraft
	contact        int64
	state          string
	version        int64 // the session's version read
	key, replies   string
	campaign, unit string // the draft written (turnDraft) or checked (turnSessionShown, turnSessionNone)
	form           string
	revision       int64 // the draft's revision read (turnDraft, turnSessionShown)
	status, flags  string
	nextRow        int

	sub  *pendingSubmission // a submission of the draft, written with it
	tell *pendingTell       // a message to a unit's contacts, written with it

	addSec, addRow                     []string
	addSeq                             []int64
	setSec, setRow, setField, setValue []string
	auAction, auTarget                 []string
	auOld, auNew                       []sql.NullString

	alone func(context.Context) error // the same write by its own statement
}

// The kinds of turn write, numbered as turnBatchQuery has them.
const (
	turnSession      = iota // the session and the input's key
	turnSessionShown        // the same, and the draft shown from the last turn is still at its revision
	turnSessionNone         // the same, and the unit still has no draft of the form shown empty
	turnDraft               // the session, the key and a draft's answers, rows, audit and state
	turnNewDraft            // the same for a draft that had no row: it is created
)

// turnBatchQuery writes a batch of turns: $1-$14 and $29-$37 are the
// turns, one array element each; $15-$28 their rows, answers and audit
// entries, each tagged with its turn's index ($1).
const turnBatchQuery = `WITH t AS MATERIALIZED (
		SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::int[],
			$29::bigint[], $30::int[], $31::int[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[])
			AS t(i, kind, contact, state, version, key, replies, campaign, unit, form, revision, status, flags, next_row,
				sub_id, sub_version, sub_campaign_version, sub_data, tell_campaign, tell_unit, tell_roles, tell_kind, tell_payload)),
	added AS (
		INSERT INTO answer_rows (campaign_id, unit_code, form_id, section_id, row_key, seq)
		SELECT t.campaign, t.unit, t.form, x.s, x.r, x.q FROM unnest($15::int[], $16::text[], $17::text[], $18::int[]) AS x(i, s, r, q)
			JOIN t ON t.i = x.i
		ON CONFLICT DO NOTHING),
	upserted AS (
		INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value, updated_by)
		SELECT t.campaign, t.unit, t.form, x.s, x.r, x.f, x.v, t.contact
		FROM unnest($19::int[], $20::text[], $21::text[], $22::text[], $23::text[]) AS x(i, s, r, f, v) JOIN t ON t.i = x.i
		ON CONFLICT (campaign_id, unit_code, form_id, section_id, row_key, field_id)
		DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by),
	audited AS (
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, old_value, new_value)
		SELECT t.contact, t.campaign, t.unit, t.form, x.a, x.g, x.o, x.n
		FROM unnest($24::int[], $25::text[], $26::text[], $27::text[], $28::text[]) AS x(i, a, g, o, n) JOIN t ON t.i = x.i),
	sess AS (
		UPDATE sessions s SET state = t.state::jsonb, version = s.version + 1, updated_at = now()
		FROM t WHERE s.contact_id = t.contact AND s.version = t.version
			AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact AND c.active) RETURNING 1),
	rec AS (
		INSERT INTO processed_inputs (key, contact_id, replies) SELECT t.key, t.contact, t.replies::jsonb FROM t WHERE t.key <> ''
		ON CONFLICT (key) DO NOTHING RETURNING 1),
	dr AS (
		UPDATE drafts d SET status = t.status, flags = t.flags::jsonb, next_row = t.next_row, revision = d.revision + 1,
			updated_at = now(), updated_by = t.contact
		FROM t WHERE t.kind = 3 AND d.campaign_id = t.campaign AND d.unit_code = t.unit AND d.form_id = t.form
			AND d.revision = t.revision RETURNING 1),
	dn AS (
		INSERT INTO drafts (campaign_id, unit_code, form_id, status, flags, next_row, revision, updated_by)
		SELECT t.campaign, t.unit, t.form, t.status, t.flags::jsonb, t.next_row, 1, t.contact FROM t WHERE t.kind = 4
		ON CONFLICT DO NOTHING RETURNING 1),
	subm AS (
		INSERT INTO submissions (id, campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_by)
		SELECT t.sub_id, t.campaign, t.unit, t.form, t.sub_version, t.sub_campaign_version, t.sub_data::jsonb, 'submitted', t.contact
		FROM t WHERE t.sub_id <> 0
		RETURNING id, version, campaign_id, unit_code, form_id, submitted_by),
	subev AS (
		INSERT INTO submission_events (submission_id, status, actor_id) SELECT id, 'submitted', submitted_by FROM subm),
	subau AS (
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
		SELECT submitted_by, campaign_id, unit_code, form_id, 'submission.submitted', 'v' || version::text, 'submitted' FROM subm),
	told AS (
		INSERT INTO outbox (contact_id, kind, payload)
		SELECT c.id, t.tell_kind, t.tell_payload::jsonb FROM t JOIN contacts c
			ON c.campaign_id = t.tell_campaign AND c.unit_code = t.tell_unit AND c.active AND c.role = ANY(string_to_array(t.tell_roles, ','))
		WHERE t.tell_kind <> '' ORDER BY t.i, c.id)
	SELECT tianbao_expect((SELECT count(*) FROM sess) = (SELECT count(*) FROM t)
		AND (SELECT count(*) FROM rec) = (SELECT count(*) FROM t WHERE key <> '')
		AND (SELECT count(*) FROM dr) = (SELECT count(*) FROM t WHERE kind = 3)
		AND (SELECT count(*) FROM dn) = (SELECT count(*) FROM t WHERE kind = 4)
		AND NOT EXISTS (SELECT 1 FROM t WHERE
			(t.kind = 1 AND NOT EXISTS (SELECT 1 FROM drafts x
				WHERE x.campaign_id = t.campaign AND x.unit_code = t.unit AND x.form_id = t.form AND x.revision = t.revision))
			OR (t.kind = 2 AND EXISTS (SELECT 1 FROM drafts x
				WHERE x.campaign_id = t.campaign AND x.unit_code = t.unit AND x.form_id = t.form))))`

// writeTurn writes w with whatever other turns are waiting, or alone.
func (db *DB) writeTurn(ctx context.Context, w *turnWrite) error {
	return db.batchers().turns.write(ctx, w)
}

// turnBatchArgs lays a batch out as turnBatchQuery's parameters.
func turnBatchArgs(batch []*turnWrite) []any {
	var (
		idx, kinds, nextRows                []int64
		contacts, versions, revisions       []int64
		states, keys, replies               []string
		campaigns, units, forms             []string
		statuses, flags                     []string
		addI, addSeq                        []int64
		addSec, addRow                      []string
		setI                                []int64
		setSec, setRow, setField, setValue  []string
		auI                                 []int64
		auAction, auTarget                  []string
		auOld, auNew                        []sql.NullString
		subIDs, subVersions, subCVersions   []int64
		subData                             []string
		tellCampaigns, tellUnits, tellRoles []string
		tellKinds, tellPayloads             []string
	)
	for i, w := range batch {
		n := int64(i)
		idx, kinds, nextRows = append(idx, n), append(kinds, int64(w.kind)), append(nextRows, int64(w.nextRow))
		contacts, versions, revisions = append(contacts, w.contact), append(versions, w.version), append(revisions, w.revision)
		states, keys, replies = append(states, w.state), append(keys, w.key), append(replies, w.replies)
		campaigns, units, forms = append(campaigns, w.campaign), append(units, w.unit), append(forms, w.form)
		var sub pendingSubmission
		if w.sub != nil {
			sub = *w.sub
		}
		subIDs, subVersions, subCVersions = append(subIDs, sub.id), append(subVersions, int64(sub.version)), append(subCVersions, int64(sub.campaignVersion))
		subData = append(subData, cmp.Or(sub.data, "null"))
		var tell pendingTell
		if w.tell != nil {
			tell = *w.tell
		}
		tellCampaigns, tellUnits, tellRoles = append(tellCampaigns, tell.campaign), append(tellUnits, tell.unit), append(tellRoles, strings.Join(tell.roles, ","))
		tellKinds, tellPayloads = append(tellKinds, tell.kind), append(tellPayloads, cmp.Or(tell.payload, "null"))
		status, flag := w.status, w.flags
		if w.kind != turnDraft && w.kind != turnNewDraft {
			status, flag = "", "{}"
		}
		statuses, flags = append(statuses, status), append(flags, flag)
		for j := range w.addSec {
			addI, addSec, addRow, addSeq = append(addI, n), append(addSec, w.addSec[j]), append(addRow, w.addRow[j]), append(addSeq, w.addSeq[j])
		}
		for j := range w.setSec {
			setI = append(setI, n)
			setSec, setRow, setField, setValue = append(setSec, w.setSec[j]), append(setRow, w.setRow[j]), append(setField, w.setField[j]), append(setValue, w.setValue[j])
		}
		for j := range w.auAction {
			auI = append(auI, n)
			auAction, auTarget, auOld, auNew = append(auAction, w.auAction[j]), append(auTarget, w.auTarget[j]), append(auOld, w.auOld[j]), append(auNew, w.auNew[j])
		}
	}
	return []any{pq.Array(idx), pq.Array(kinds), pq.Array(contacts), pq.Array(states), pq.Array(versions), pq.Array(keys), pq.Array(replies),
		pq.Array(campaigns), pq.Array(units), pq.Array(forms), pq.Array(revisions), pq.Array(statuses), pq.Array(flags), pq.Array(nextRows),
		pq.Array(addI), pq.Array(addSec), pq.Array(addRow), pq.Array(addSeq),
		pq.Array(setI), pq.Array(setSec), pq.Array(setRow), pq.Array(setField), pq.Array(setValue),
		pq.Array(auI), pq.Array(auAction), pq.Array(auTarget), pq.Array(auOld), pq.Array(auNew),
		pq.Array(subIDs), pq.Array(subVersions), pq.Array(subCVersions), pq.Array(subData),
		pq.Array(tellCampaigns), pq.Array(tellUnits), pq.Array(tellRoles), pq.Array(tellKinds), pq.Array(tellPayloads)}
}

// TurnBatchCounts says how optimistic turns were written.
func (db *DB) TurnBatchCounts() BatchCounts { return db.batchers().turns.counts() }

// RedemptionCounts says how first invites were redeemed.
func (db *DB) RedemptionCounts() BatchCounts { return db.batchers().redeems.counts() }
