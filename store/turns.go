package store

// One turn of the conversation engine against the database: read (or
// remember) the contact's session and draft, run the turn, write it all in
// one statement that checks nothing moved meanwhile, and fall back to a
// locked transaction when something did or when the turn needs one.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"tianbao/campaign"
	"tianbao/dialogs"
)

// The locking reads return one row: the session and draft columns, and the
// draft's answers and list rows aggregated into parallel arrays (a row has an
// empty field id). One row instead of one per answer keeps the scan cheap.
//
// In READ COMMITTED the answers come from the statement's snapshot, taken
// before any wait for a lock, while a locked row is its newest version;
// snap_revision is the draft row as the snapshot saw it. Every write to a
// draft's answers bumps its revision under the draft's lock, so equal
// revisions prove the answers current, and unequal ones send the reader to
// read them again in a fresh statement.
const answersAggregate = `LEFT JOIN LATERAL (
		SELECT array_agg(section_id) AS a_section, array_agg(row_key) AS a_row, array_agg(field_id) AS a_field,
			array_agg(value) AS a_value, array_agg(seq) AS a_seq
		FROM (
			SELECT section_id, row_key, '' AS field_id, '' AS value, seq FROM answer_rows
				WHERE campaign_id = d.campaign_id AND unit_code = d.unit_code AND form_id = d.form_id
			UNION ALL
			SELECT section_id, row_key, field_id, value, 0 FROM answers
				WHERE campaign_id = d.campaign_id AND unit_code = d.unit_code AND form_id = d.form_id) u) a ON true`

// sessionLockQuery locks a contact's session and, in the same round trip,
// the draft of the form the session is in, with its answers. A draft
// created since the snapshot is simply not prefetched.
const sessionLockQuery = `WITH ins AS (
		INSERT INTO processed_inputs (key, contact_id)
		SELECT $2, id FROM contacts WHERE id = $1 AND $2 <> ''
		ON CONFLICT (key) DO NOTHING RETURNING 1),
	sess AS MATERIALIZED (
		SELECT c.id, c.campaign_id, c.unit_code, c.role, c.display_name, c.person_id,
			COALESCE(p.current_contact = c.id, false) AS current, ss.state, ss.version
		FROM contacts c JOIN sessions ss ON ss.contact_id = c.id JOIN people p ON p.id = c.person_id
		WHERE c.id = $1 AND c.active FOR UPDATE OF ss),
	d AS MATERIALIZED (
		SELECT dr.campaign_id, dr.unit_code, dr.form_id, dr.status, dr.flags, dr.next_row, dr.revision
		FROM drafts dr JOIN sess ON dr.campaign_id = sess.campaign_id AND dr.unit_code = sess.unit_code
			AND dr.form_id = sess.state->>'form'
		FOR UPDATE OF dr),
	snap AS MATERIALIZED (
		SELECT x.revision FROM drafts x JOIN sess ON x.campaign_id = sess.campaign_id AND x.unit_code = sess.unit_code
			AND x.form_id = sess.state->>'form')
	SELECT sess.id, sess.campaign_id, sess.unit_code, sess.role, sess.display_name, sess.person_id, sess.current, sess.state, sess.version,
		($2 = '' OR EXISTS (SELECT 1 FROM ins)) AS fresh,
		d.form_id IS NOT NULL AS has_draft,
		COALESCE(d.form_id, '') AS form_id, COALESCE(d.status, '') AS status, COALESCE(d.flags, '{}') AS flags,
		COALESCE(d.next_row, 0) AS next_row, COALESCE(d.revision, 0) AS revision,
		(SELECT revision FROM snap) AS snap_revision,
		a.a_section, a.a_row, a.a_field, a.a_value, a.a_seq
	FROM sess LEFT JOIN d ON true ` + answersAggregate

// draftLockQuery locks one draft and reads its answers in one round trip.
const draftLockQuery = `WITH d AS MATERIALIZED (
		SELECT campaign_id, unit_code, form_id, status, flags, next_row, revision FROM drafts
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3 FOR UPDATE),
	snap AS MATERIALIZED (
		SELECT revision FROM drafts WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3)
	SELECT d.form_id, d.status, d.flags, d.next_row, d.revision, (SELECT revision FROM snap) AS snap_revision,
		a.a_section, a.a_row, a.a_field, a.a_value, a.a_seq
	FROM d ` + answersAggregate

// lockedDraft is a draft as a locking read returns it.
type lockedDraft struct {
	draftRow
	Revision     int64          `db:"revision"`
	SnapRevision sql.NullInt64  `db:"snap_revision"`
	Sections     pq.StringArray `db:"a_section"`
	Rows         pq.StringArray `db:"a_row"`
	Fields       pq.StringArray `db:"a_field"`
	Values       pq.StringArray `db:"a_value"`
	Seqs         pq.Int64Array  `db:"a_seq"`
}

type sessionRow struct {
	ID       int64  `db:"id"`
	Campaign string `db:"campaign_id"`
	Unit     string `db:"unit_code"`
	Role     string `db:"role"`
	Name     string `db:"display_name"`
	Person   int64  `db:"person_id"`
	Current  bool   `db:"current"`
	State    []byte `db:"state"`
	Version  int64  `db:"version"`
	Fresh    bool   `db:"fresh"`
	HasDraft bool   `db:"has_draft"`
	lockedDraft
}

// WithContact runs one turn of the engine for a contact. The first try is
// optimistic: the session and the draft it works on (answers aggregated)
// come from the contact's last turn (Cache) or from one statement, without
// a transaction or locks; fn runs; and Save writes everything in one
// statement that commits by itself and checks that the session's version
// and the draft's revision are still the ones read. An answered field is
// one or two round trips instead of four (BEGIN, lock, write, COMMIT), and
// no row locks are written. If anything changed in between (a backup
// contact answered, another replica took the same update or a later one),
// or the turn needs more than drafts (submitting, reviewing, notifying
// others, deleting rows), the optimistic try has changed nothing, and fn
// runs again in a transaction with the session and the draft locked.
//
// A turn whose route needs the person's current place (typed text) or
// makes the contact current (a bound button) does not start from the
// cache when the cache has the contact elsewhere: only a move away bumps a
// session's version, so a remembered "not current" may be stale, while a
// remembered "current" is checked by the write like the rest.
func (s Dialogs) WithContact(ctx context.Context, contactID int64, route dialogs.Route, key string, fn func(dialogs.Tx, *dialogs.Contact, *dialogs.Session) error) error {
	err := s.optimistic(ctx, contactID, route, key, fn)
	if !errors.Is(err, errTakeLocks) && !retryable(err) && !taken(err) {
		s.count(func(c *TurnCounts) *atomic.Int64 { return &c.Optimistic }, err)
		return err
	}
	s.Cache.forget(contactID)
	s.count(func(c *TurnCounts) *atomic.Int64 { return &c.Locked }, nil)
	return s.locked(ctx, contactID, key, fn)
}

// TurnCounts counts how turns were applied: without locks (Cached: without
// reading either), or (after a conflict, or for a turn that needs them)
// with locks.
type TurnCounts struct {
	Optimistic, Cached, Locked atomic.Int64
}

func (s Dialogs) count(which func(*TurnCounts) *atomic.Int64, err error) {
	if s.Counts != nil && err == nil {
		which(s.Counts).Add(1)
	}
}

// taken reports a unique violation: in an optimistic write, something the
// turn numbered (a submission's version) was taken by another meanwhile.
func taken(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505"
}

// errTakeLocks ends an optimistic try that cannot finish without locks.
var errTakeLocks = errors.New("this turn needs locks")

// sessionReadQuery reads what sessionLockQuery does, from one snapshot and
// without locking; the input's key is only looked up (Save records it).
const sessionReadQuery = `WITH sess AS MATERIALIZED (
		SELECT c.id, c.campaign_id, c.unit_code, c.role, c.display_name, c.person_id,
			COALESCE(p.current_contact = c.id, false) AS current, ss.state, ss.version
		FROM contacts c JOIN sessions ss ON ss.contact_id = c.id JOIN people p ON p.id = c.person_id
		WHERE c.id = $1 AND c.active),
	d AS MATERIALIZED (
		SELECT dr.campaign_id, dr.unit_code, dr.form_id, dr.status, dr.flags, dr.next_row, dr.revision
		FROM drafts dr JOIN sess ON dr.campaign_id = sess.campaign_id AND dr.unit_code = sess.unit_code
			AND dr.form_id = sess.state->>'form')
	SELECT sess.id, sess.campaign_id, sess.unit_code, sess.role, sess.display_name, sess.person_id, sess.current, sess.state, sess.version,
		($2 = '' OR NOT EXISTS (SELECT 1 FROM processed_inputs WHERE key = $2)) AS fresh,
		d.form_id IS NOT NULL AS has_draft,
		COALESCE(d.form_id, '') AS form_id, COALESCE(d.status, '') AS status, COALESCE(d.flags, '{}') AS flags,
		COALESCE(d.next_row, 0) AS next_row, COALESCE(d.revision, 0) AS revision,
		COALESCE(d.revision, 0) AS snap_revision,
		a.a_section, a.a_row, a.a_field, a.a_value, a.a_seq
	FROM sess LEFT JOIN d ON true ` + answersAggregate

// optimistic is the first try of a turn: see WithContact.
func (s Dialogs) optimistic(ctx context.Context, contactID int64, route dialogs.Route, key string, fn func(dialogs.Tx, *dialogs.Contact, *dialogs.Session) error) error {
	if e := s.Cache.get(contactID); e != nil && (route == dialogs.RouteDirect || e.contact.Current) {
		var sess dialogs.Session
		if err := json.Unmarshal(e.state, &sess); err != nil {
			return fmt.Errorf("cached session of contact %d: %w", contactID, err)
		}
		c := e.contact
		dtx := newDialogTx(nil, s.DB, e.version)
		dtx.actor, dtx.cached = contactID, e
		if err := fn(dtx, &c, &sess); err != nil {
			return err
		}
		s.count(func(c *TurnCounts) *atomic.Int64 { return &c.Cached }, nil)
		s.Cache.put(contactID, dtx.saved)
		return nil
	}
	var rows []sessionRow
	if err := s.DB.selectP(ctx, &rows, sessionReadQuery, contactID, key); err != nil {
		return fmt.Errorf("read session of contact %d: %w", contactID, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("contact %d: %w", contactID, dialogs.ErrUnknownContact)
	}
	row := rows[0]
	if !row.Fresh {
		return errTakeLocks // the locked path reports the duplicate
	}
	c, sess, err := row.contact()
	if err != nil {
		return err
	}
	dtx := newDialogTx(nil, s.DB, row.Version)
	dtx.actor = contactID
	if row.HasDraft {
		d, err := dtx.fromLocked(ctx, row.Campaign, row.Unit, &row.lockedDraft)
		if err != nil {
			return err
		}
		dtx.prefetch(d, row.Revision)
	}
	if err := fn(dtx, c, sess); err != nil {
		return err
	}
	s.Cache.put(contactID, dtx.saved)
	return nil
}

// locked runs a turn in a transaction with the contact's session row
// locked (and the draft it is working on, prefetched and locked).
func (s Dialogs) locked(ctx context.Context, contactID int64, key string, fn func(dialogs.Tx, *dialogs.Contact, *dialogs.Session) error) error {
	var dtx *dialogTx
	err := s.DB.Transact(ctx, func(tx *Tx) error {
		var rows []sessionRow
		if err := tx.selectP(ctx, &rows, sessionLockQuery, contactID, key); err != nil {
			return fmt.Errorf("lock session of contact %d: %w", contactID, err)
		}
		if len(rows) == 0 {
			return fmt.Errorf("contact %d: %w", contactID, dialogs.ErrUnknownContact)
		}
		row := rows[0]
		if !row.Fresh {
			return duplicate(ctx, tx, key)
		}
		c, sess, err := row.contact()
		if err != nil {
			return err
		}
		dtx = newDialogTx(tx, s.DB, row.Version)
		if row.HasDraft {
			d, err := dtx.fromLocked(ctx, row.Campaign, row.Unit, &row.lockedDraft)
			if err != nil {
				return err
			}
			dtx.prefetch(d, row.Revision)
		}
		return fn(dtx, c, sess)
	})
	if err == nil {
		s.Cache.put(contactID, dtx.saved)
	}
	return err
}

func (row *sessionRow) contact() (*dialogs.Contact, *dialogs.Session, error) {
	var sess dialogs.Session
	if err := json.Unmarshal(row.State, &sess); err != nil {
		return nil, nil, fmt.Errorf("session of contact %d: %w", row.ID, err)
	}
	c := &dialogs.Contact{ID: row.ID, Campaign: row.Campaign, Unit: row.Unit, Role: dialogs.Role(row.Role), Name: row.Name,
		Person: row.Person, Current: row.Current}
	return c, &sess, nil
}

// dialogTx is the engine's transaction.
//
// In the optimistic try there is no transaction (Tx is nil): reads go to
// the pool, anything that writes or locks ends the try with errTakeLocks,
// and Save checks what was read.
type dialogTx struct {
	*Tx
	q          querier // the transaction, or the pool
	db         *DB
	optimistic bool
	session    int64 // sessions.version as read (or as the last turn left it)

	prefetched         *campaign.Draft // read (and locked) with the session; handed out once
	prefetchedRevision int64
	cached             *cachedTurn // what the contact's last turn left, if this turn starts from it

	unitDrafts map[draftKey]int64                       // revisions of the drafts Drafts read (all the unit had)
	allDrafts  map[[2]string]map[string]*campaign.Draft // what Drafts returned, by campaign and unit

	handed    map[draftKey]handedDraft // the drafts handed out, by Draft
	saved     *cachedTurn              // what Save wrote, for the next turn
	wroteMore bool                     // wrote more than Save does: nothing to remember

	extensions map[[2]string]map[string]time.Time // read along with Drafts, by campaign and unit

	// Writes an optimistic turn asked for, which Save makes with the draft.
	actor       int64 // the contact whose turn it is
	pendingSub  *pendingSubmission
	pendingTell *pendingTell
}

type draftKey struct{ campaign, unit, form string }

// querier is what both the pool and a transaction offer.
type querier interface {
	preparer
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// handedDraft is a draft Draft handed out, as it was read.
type handedDraft struct {
	d         *campaign.Draft
	revision  int64 // drafts.revision as read
	missing   bool  // it had no row: Save creates it
	fromCache bool  // not read now but kept from the last turn: Save checks it even unchanged
}

func newDialogTx(tx *Tx, db *DB, session int64) *dialogTx {
	dtx := &dialogTx{Tx: tx, q: db, db: db, optimistic: tx == nil, session: session, handed: map[draftKey]handedDraft{}}
	if tx != nil {
		dtx.q = tx
	}
	return dtx
}

func (tx *dialogTx) prefetch(d *campaign.Draft, revision int64) {
	tx.prefetched, tx.prefetchedRevision = d, revision
}

func (tx *dialogTx) handOut(d *campaign.Draft, h handedDraft) *campaign.Draft {
	h.d = d
	tx.handed[draftKey{d.Campaign, d.Unit, d.Form}] = h
	return d
}

func (tx *dialogTx) Draft(ctx context.Context, campaignID, unit, form string) (*campaign.Draft, error) {
	if d := tx.prefetched; d != nil && d.Campaign == campaignID && d.Unit == unit && d.Form == form {
		tx.prefetched = nil
		return tx.handOut(d, handedDraft{revision: tx.prefetchedRevision}), nil
	}
	if _, again := tx.handed[draftKey{campaignID, unit, form}]; again && tx.optimistic {
		return nil, errTakeLocks // handed out already: changes would be made on another copy
	}
	if e := tx.cached; e != nil && campaignID == e.contact.Campaign && unit == e.contact.Unit {
		if cd, known := e.drafts[form]; known || e.complete {
			if cd.d == nil {
				return tx.handOut(campaign.NewDraft(campaignID, unit, form), handedDraft{missing: true, fromCache: true}), nil
			}
			return tx.handOut(cd.d.Clone(), handedDraft{revision: cd.revision, fromCache: true}), nil
		}
	}
	if tx.optimistic {
		return tx.readDraft(ctx, campaignID, unit, form)
	}
	var rows []lockedDraft
	if err := tx.selectP(ctx, &rows, draftLockQuery, campaignID, unit, form); err != nil {
		return nil, fmt.Errorf("lock draft %s/%s: %w", unit, form, err)
	}
	if len(rows) == 0 {
		// Never touched: create it, so that the lock holds from now on for
		// everyone, and lock it.
		if _, err := tx.ExecContext(ctx, `INSERT INTO drafts (campaign_id, unit_code, form_id) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, campaignID, unit, form); err != nil {
			return nil, fmt.Errorf("create draft %s/%s: %w", unit, form, err)
		}
		if err := tx.selectP(ctx, &rows, draftLockQuery, campaignID, unit, form); err != nil || len(rows) == 0 {
			return nil, fmt.Errorf("lock new draft %s/%s: %v", unit, form, err)
		}
	}
	d, err := tx.fromLocked(ctx, campaignID, unit, &rows[0])
	if err != nil {
		return nil, err
	}
	return tx.handOut(d, handedDraft{revision: rows[0].Revision}), nil
}

// draftReadQuery reads one draft and its answers, without locking.
const draftReadQuery = `SELECT d.form_id, d.status, d.flags, d.next_row, d.revision, d.revision AS snap_revision,
		a.a_section, a.a_row, a.a_field, a.a_value, a.a_seq
	FROM drafts d ` + answersAggregate + `
	WHERE d.campaign_id = $1 AND d.unit_code = $2 AND d.form_id = $3`

// readDraft is Draft in the optimistic try: a draft not read with the
// session is read now, in one statement, and Save checks its revision; a
// form never touched gets an empty draft, which Save creates (failing if
// someone else created it first).
func (tx *dialogTx) readDraft(ctx context.Context, campaignID, unit, form string) (*campaign.Draft, error) {
	var rows []lockedDraft
	if err := tx.db.selectP(ctx, &rows, draftReadQuery, campaignID, unit, form); err != nil {
		return nil, fmt.Errorf("read draft %s/%s: %w", unit, form, err)
	}
	if len(rows) == 0 {
		return tx.handOut(campaign.NewDraft(campaignID, unit, form), handedDraft{missing: true}), nil
	}
	d, err := tx.fromLocked(ctx, campaignID, unit, &rows[0])
	if err != nil {
		return nil, err
	}
	return tx.handOut(d, handedDraft{revision: rows[0].Revision}), nil
}

// fromLocked builds a draft from a locking read, reading the answers again
// if the draft changed while the lock was awaited.
func (tx *dialogTx) fromLocked(ctx context.Context, campaignID, unit string, l *lockedDraft) (*campaign.Draft, error) {
	var answers []answerRow
	if !l.SnapRevision.Valid || l.SnapRevision.Int64 != l.Revision {
		if err := tx.selectP(ctx, &answers, formAnswersQuery, campaignID, unit, l.Form); err != nil {
			return nil, fmt.Errorf("load draft %s/%s: %w", unit, l.Form, err)
		}
	} else {
		answers = make([]answerRow, len(l.Sections))
		for i := range l.Sections {
			answers[i] = answerRow{Section: l.Sections[i], Row: l.Rows[i], Field: l.Fields[i], Value: l.Values[i], Seq: int(l.Seqs[i])}
		}
	}
	return buildDraft(campaignID, unit, l.draftRow, answers)
}

// The statements of Save. The locked ones run in the turn's transaction,
// after the input's key was recorded by the lock; the optimistic ones commit
// by themselves, record the key, and fail whole (tianbao_expect raises a
// serialization failure) if the session's version or the draft's revision
// moved since they were read, or another delivery of the input was applied.
const (
	lockedSaveSession = `WITH rec AS (
			UPDATE processed_inputs SET replies = $4 WHERE key = $3 AND $3 <> '')
		UPDATE sessions SET state = $2, version = version + 1, updated_at = now() WHERE contact_id = $1`
	optimisticSaveSession = `WITH ` + optimisticSession + `
		SELECT tianbao_expect(EXISTS (SELECT 1 FROM sess) AND ($3::text = '' OR EXISTS (SELECT 1 FROM rec)))`
	// The same, also checking that the draft shown ($6-$8) is still at the
	// revision it was shown at ($9).
	optimisticSaveSessionChecked = `WITH ` + optimisticSession + `
		SELECT tianbao_expect(EXISTS (SELECT 1 FROM sess) AND ($3::text = '' OR EXISTS (SELECT 1 FROM rec))
			AND EXISTS (SELECT 1 FROM drafts WHERE campaign_id = $6 AND unit_code = $7 AND form_id = $8 AND revision = $9))`
	// The same, checking that the unit still has no draft of the form shown
	// empty ($6-$8).
	optimisticSaveSessionNone = `WITH ` + optimisticSession + `
		SELECT tianbao_expect(EXISTS (SELECT 1 FROM sess) AND ($3::text = '' OR EXISTS (SELECT 1 FROM rec))
			AND NOT EXISTS (SELECT 1 FROM drafts WHERE campaign_id = $6 AND unit_code = $7 AND form_id = $8))`
	optimisticSession = `rec AS (
			INSERT INTO processed_inputs (key, contact_id, replies) SELECT $3::text, $1::bigint, $4::jsonb WHERE $3::text <> ''
			ON CONFLICT (key) DO NOTHING RETURNING 1),
		sess AS (
			UPDATE sessions SET state = $2, version = version + 1, updated_at = now()
			WHERE contact_id = $1 AND version = $5 AND EXISTS (SELECT 1 FROM contacts WHERE id = $1 AND active) RETURNING 1)`

	// saveAnswers: $1-$3 the draft, $4-$6 rows added, $7-$10 values set,
	// $11 the actor, $12-$15 the audit entries.
	saveAnswers = `added AS (
			INSERT INTO answer_rows (campaign_id, unit_code, form_id, section_id, row_key, seq)
			SELECT $1, $2, $3, s, r, q FROM unnest($4::text[], $5::text[], $6::int[]) AS x(s, r, q)
			ON CONFLICT DO NOTHING),
		upserted AS (
			INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value, updated_by)
			SELECT $1, $2, $3, s, r, f, v, $11 FROM unnest($7::text[], $8::text[], $9::text[], $10::text[]) AS x(s, r, f, v)
			ON CONFLICT (campaign_id, unit_code, form_id, section_id, row_key, field_id)
			DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by),
		audited AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, old_value, new_value)
			SELECT $11, $1, $2, $3, a, t, o, n FROM unnest($12::text[], $13::text[], $14::text[], $15::text[]) AS x(a, t, o, n))`
	// $16-$18 the draft's status, flags and next row, $19 the session, $20
	// the input's key, $21 its replies.
	updateDraft = `UPDATE drafts SET status = $16, flags = $17, next_row = $18, revision = revision + 1, updated_at = now(), updated_by = $11
		WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3`
	lockedSaveDraft = `WITH ` + saveAnswers + `,
		session AS (
			UPDATE sessions SET state = $19, version = version + 1, updated_at = now() WHERE contact_id = $11),
		rec AS (
			UPDATE processed_inputs SET replies = $21 WHERE key = $20 AND $20 <> '')
		` + updateDraft
	// $22 the session's version read, $23 the draft's revision read.
	optimisticUpdateDraft = `dr AS (
			` + updateDraft + ` AND revision = $23 RETURNING 1)`
	// For a draft that had no row: it is created, with revision 1, in the
	// statement that inserts its first answers (their foreign keys are
	// checked at the statement's end).
	optimisticInsertDraft = `dr AS (
			INSERT INTO drafts (campaign_id, unit_code, form_id, status, flags, next_row, revision, updated_by)
			VALUES ($1, $2, $3, $16, $17, $18, 1, $11) ON CONFLICT DO NOTHING RETURNING 1)`
	optimisticSessionAndKey = `session AS (
			UPDATE sessions SET state = $19, version = version + 1, updated_at = now()
			WHERE contact_id = $11 AND version = $22 AND EXISTS (SELECT 1 FROM contacts WHERE id = $11 AND active) RETURNING 1),
		rec AS (
			INSERT INTO processed_inputs (key, contact_id, replies) SELECT $20::text, $11::bigint, $21::jsonb WHERE $20::text <> ''
			ON CONFLICT (key) DO NOTHING RETURNING 1)`
	expectAll = `SELECT tianbao_expect(EXISTS (SELECT 1 FROM session) AND EXISTS (SELECT 1 FROM dr) AND ($20::text = '' OR EXISTS (SELECT 1 FROM rec)))`
)

// optimisticSaveDraft is the optimistic write of a draft (dr: an update
// checking the revision, or the insert of a new one), with what the turn
// asked for besides (a submission, a message to a unit's contacts) as more
// parts of the same statement, their parameters from $next on.
func optimisticSaveDraft(dr string, sub *pendingSubmission, tell *pendingTell, next int, args []any) (string, []any) {
	q := `WITH ` + saveAnswers + `, ` + optimisticSessionAndKey + `,
		` + dr
	p := func() string { next++; return "$" + strconv.Itoa(next-1) }
	if sub != nil {
		id, version, campaignVersion, data := p(), p(), p(), p()
		q += `,
		subm AS (
			INSERT INTO submissions (id, campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_by)
			VALUES (` + id + `::bigint, $1, $2, $3, ` + version + `::int, ` + campaignVersion + `::int, ` + data + `::jsonb, 'submitted', $11)
			RETURNING id, version),
		subev AS (
			INSERT INTO submission_events (submission_id, status, actor_id) SELECT id, 'submitted', $11 FROM subm),
		subau AS (
			INSERT INTO audit_log (actor_id, campaign_id, unit_code, form_id, action, target, new_value)
			SELECT $11, $1, $2, $3, 'submission.submitted', 'v' || version::text, 'submitted' FROM subm)`
		args = append(args, sub.id, sub.version, sub.campaignVersion, sub.data)
	}
	if tell != nil {
		campaignID, unit, roles, kind, payload := p(), p(), p(), p(), p()
		q += `,
		told AS (
			INSERT INTO outbox (contact_id, kind, payload)
			SELECT id, ` + kind + `::text, ` + payload + `::jsonb FROM contacts
			WHERE campaign_id = ` + campaignID + `::text AND unit_code = ` + unit + `::text AND active AND role = ANY(` + roles + `::text[]) ORDER BY id)`
		args = append(args, tell.campaign, tell.unit, pq.Array(tell.roles), tell.kind, tell.payload)
	}
	return q + `
		` + expectAll, args
}

// pendingSubmission is a submission an optimistic turn made, written by
// Save with the draft; pendingTell likewise a message to a unit's contacts.
type pendingSubmission struct {
	campaign, unit, form string
	id                   int64
	version              int
	campaignVersion      int
	data                 string
}

type pendingTell struct {
	campaign, unit, kind, payload string
	roles                         []string
}

// cachedDraft is the draft handed out from the last turn's copy, if any
// (ok false: more than one, which Save does not check in one statement).
func (tx *dialogTx) cachedDraft() (h *handedDraft, ok bool) {
	for _, x := range tx.handed {
		if x.fromCache {
			if h != nil {
				return nil, false
			}
			x := x
			h = &x
		}
	}
	return h, true
}

// remember notes what this turn leaves for the next: the session as saved
// and the unit's drafts as this turn knows them: saved (saved is the new
// revision of the one saved), read and left unchanged, or kept from the
// last turn. Every one is checked again when a later turn relies on it. A
// turn that wrote anything else (a submission's status moves its draft's
// revision too) leaves nothing: the next turn reads.
func (tx *dialogTx) remember(c *dialogs.Contact, s *dialogs.Session, state []byte, saved *campaign.Draft, revision int64) {
	if tx.wroteMore {
		tx.saved = nil
		return
	}
	e := &cachedTurn{contact: *c, state: state, version: tx.session + 1, drafts: map[string]cachedDraft{}}
	if prev := tx.cached; prev != nil {
		for form, cd := range prev.drafts {
			e.drafts[form] = cd
		}
		e.complete = prev.complete
	}
	if all, ok := tx.allDrafts[[2]string{c.Campaign, c.Unit}]; ok {
		e.drafts, e.complete = map[string]cachedDraft{}, true
		for form, d := range all {
			e.drafts[form] = cachedDraft{d: d, revision: tx.unitDrafts[draftKey{c.Campaign, c.Unit, form}]}
		}
	}
	for k, h := range tx.handed {
		if k.campaign != c.Campaign || k.unit != c.Unit {
			continue
		}
		switch {
		case h.d == saved:
			e.drafts[k.form] = cachedDraft{d: saved, revision: revision}
		case h.d.Dirty():
			delete(e.drafts, k.form) // changed and not saved: not what the database holds
			e.complete = false
		case h.missing:
			e.drafts[k.form] = cachedDraft{}
		default:
			e.drafts[k.form] = cachedDraft{d: h.d, revision: h.revision}
		}
	}
	for form, cd := range e.drafts {
		if cd.d != nil {
			e.drafts[form] = cachedDraft{d: cd.d.Clone(), revision: cd.revision}
		}
	}
	tx.saved = e
}

// Save writes the session and the draft's changes and flags, and audits
// every change, in one statement (data-modifying CTEs all run).
func (tx *dialogTx) Save(ctx context.Context, c *dialogs.Contact, s *dialogs.Session, d *campaign.Draft, key string, replies []dialogs.Reply) error {
	state, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	recorded := "[]"
	if key != "" {
		b, err := json.Marshal(replies)
		if err != nil {
			return fmt.Errorf("record replies: %w", err)
		}
		recorded = string(b)
	}
	if d == nil && (tx.pendingSub != nil || tx.pendingTell != nil) {
		return errTakeLocks // they are written with a draft
	}
	if d == nil {
		var err error
		h, one := tx.cachedDraft()
		switch {
		case !tx.optimistic:
			err = tx.execP(ctx, lockedSaveSession, c.ID, string(state), key, recorded)
		case !one:
			return errTakeLocks
		case h != nil && h.missing:
			// Shown from the last turn's knowledge that there was none: there
			// must still be none.
			err = tx.db.writeTurn(ctx, &turnWrite{kind: turnSessionNone, contact: c.ID, state: string(state), version: tx.session,
				key: key, replies: recorded, campaign: h.d.Campaign, unit: h.d.Unit, form: h.d.Form,
				alone: func(ctx context.Context) error {
					return tx.db.execP(ctx, optimisticSaveSessionNone, c.ID, string(state), key, recorded, tx.session,
						h.d.Campaign, h.d.Unit, h.d.Form)
				}})
		case h != nil:
			// Shown from the last turn's copy: it must still be current.
			err = tx.db.writeTurn(ctx, &turnWrite{kind: turnSessionShown, contact: c.ID, state: string(state), version: tx.session,
				key: key, replies: recorded, campaign: h.d.Campaign, unit: h.d.Unit, form: h.d.Form, revision: h.revision,
				alone: func(ctx context.Context) error {
					return tx.db.execP(ctx, optimisticSaveSessionChecked, c.ID, string(state), key, recorded, tx.session,
						h.d.Campaign, h.d.Unit, h.d.Form, h.revision)
				}})
		default:
			err = tx.db.writeTurn(ctx, &turnWrite{kind: turnSession, contact: c.ID, state: string(state), version: tx.session,
				key: key, replies: recorded,
				alone: func(ctx context.Context) error {
					return tx.db.execP(ctx, optimisticSaveSession, c.ID, string(state), key, recorded, tx.session)
				}})
		}
		if err != nil {
			return fmt.Errorf("save session of contact %d: %w", c.ID, err)
		}
		tx.remember(c, s, state, nil, 0)
		return nil
	}
	k := draftKey{d.Campaign, d.Unit, d.Form}
	h, handed := tx.handed[k]
	if tx.optimistic {
		if !handed {
			return errTakeLocks // a draft that Draft did not hand out (cannot happen)
		}
		if cached, one := tx.cachedDraft(); !one || (cached != nil && cached.d != d) {
			return errTakeLocks // the last turn's copy of another draft was shown: it goes unchecked
		}
		if p := tx.pendingSub; p != nil && (p.campaign != d.Campaign || p.unit != d.Unit || p.form != d.Form) {
			return errTakeLocks // a submission of another draft than the one saved
		}
	}
	actor := c.ID
	flags, err := json.Marshal(d.Flags)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	var (
		addSec, addRow                     []string
		addSeq                             []int64
		delSec, delRow                     []string
		auAction, auTarget                 []string
		auOld, auNew                       []sql.NullString
		lastSet                            = map[[3]string]int{}
		setSec, setRow, setField, setValue []string
	)
	for _, c := range d.Changes() {
		target := c.Section + "/" + c.Row
		switch c.Kind {
		case campaign.SetValue:
			k := [3]string{c.Section, c.Row, c.Field}
			if i, ok := lastSet[k]; ok {
				setValue[i] = *c.New
			} else {
				lastSet[k] = len(setSec)
				setSec, setRow, setField, setValue = append(setSec, c.Section), append(setRow, c.Row), append(setField, c.Field), append(setValue, *c.New)
			}
			target += "/" + c.Field
		case campaign.AddRow:
			addSec, addRow, addSeq = append(addSec, c.Section), append(addRow, c.Row), append(addSeq, int64(c.Seq))
		case campaign.DeleteRow:
			delSec, delRow = append(delSec, c.Section), append(delRow, c.Row)
		}
		auAction = append(auAction, "answer."+string(c.Kind))
		auTarget = append(auTarget, target)
		auOld = append(auOld, nullString(c.Old))
		auNew = append(auNew, nullString(c.New))
	}
	if tx.optimistic && len(delSec) > 0 {
		return errTakeLocks // deleting comes after the upsert: two statements, so a transaction
	}
	args := []any{d.Campaign, d.Unit, d.Form,
		pq.Array(addSec), pq.Array(addRow), pq.Array(addSeq),
		pq.Array(setSec), pq.Array(setRow), pq.Array(setField), pq.Array(setValue),
		actor, pq.Array(auAction), pq.Array(auTarget), pq.Array(auOld), pq.Array(auNew),
		string(d.Status), string(flags), d.NextRow, string(state), key, recorded}
	saved := h.revision + 1
	switch {
	case !tx.optimistic:
		err = tx.execP(ctx, lockedSaveDraft, args...)
	default:
		// Written with whatever other turns are being written (turnbatch.go),
		// or alone by the same statement as before.
		w := &turnWrite{kind: turnDraft, contact: actor, state: string(state), version: tx.session,
			key: key, replies: recorded, campaign: d.Campaign, unit: d.Unit, form: d.Form, revision: h.revision,
			status: string(d.Status), flags: string(flags), nextRow: d.NextRow, sub: tx.pendingSub, tell: tx.pendingTell,
			addSec: addSec, addRow: addRow, addSeq: addSeq, setSec: setSec, setRow: setRow, setField: setField, setValue: setValue,
			auAction: auAction, auTarget: auTarget, auOld: auOld, auNew: auNew}
		q, all := optimisticSaveDraft(optimisticUpdateDraft, tx.pendingSub, tx.pendingTell, 24, append(args, tx.session, h.revision))
		if h.missing {
			w.kind, w.revision = turnNewDraft, 0
			q, all = optimisticSaveDraft(optimisticInsertDraft, tx.pendingSub, tx.pendingTell, 23, append(args, tx.session))
			saved = 1
		}
		w.alone = func(ctx context.Context) error { return tx.db.execP(ctx, q, all...) }
		err = tx.db.writeTurn(ctx, w)
	}
	if err != nil {
		return fmt.Errorf("save draft %s/%s: %w", d.Unit, d.Form, err)
	}
	if handed {
		tx.remember(c, s, state, d, saved)
	}
	if len(delSec) > 0 {
		// Deleting after the upsert: a row removed in the same input as an
		// answer to it ends up removed.
		if _, err := tx.ExecContext(ctx, `WITH gone AS (
				DELETE FROM answers a USING unnest($4::text[], $5::text[]) AS x(s, r)
				WHERE a.campaign_id = $1 AND a.unit_code = $2 AND a.form_id = $3 AND a.section_id = x.s AND a.row_key = x.r)
			DELETE FROM answer_rows a USING unnest($4::text[], $5::text[]) AS x(s, r)
			WHERE a.campaign_id = $1 AND a.unit_code = $2 AND a.form_id = $3 AND a.section_id = x.s AND a.row_key = x.r`,
			d.Campaign, d.Unit, d.Form, pq.Array(delSec), pq.Array(delRow)); err != nil {
			return fmt.Errorf("delete rows of %s/%s: %w", d.Unit, d.Form, err)
		}
	}
	return nil
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}
