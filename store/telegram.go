package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lib/pq"

	"tianbao/catalog"
	"tianbao/dialogs"
)

// Why an invite cannot be redeemed.
var (
	ErrInviteUnknown = errors.New("no such invite")
	ErrInviteUsed    = errors.New("invite already used")
	ErrInviteExpired = errors.New("invite expired")
)

// InviteRefusal is what the person is told when err says why an invite
// cannot be redeemed, "" for any other error (nil included).
func InviteRefusal(err error) string {
	switch {
	case errors.Is(err, ErrInviteUnknown):
		return catalog.Texts.InviteUnknown
	case errors.Is(err, ErrInviteUsed):
		return catalog.Texts.InviteUsed
	case errors.Is(err, ErrInviteExpired):
		return catalog.Texts.InviteExpired
	}
	return ""
}

// Invite is what an invitation grants.
type Invite struct {
	Campaign  string       `db:"campaign_id"`
	Unit      string       `db:"unit_code"`
	Role      dialogs.Role `db:"role"`
	ExpiresAt time.Time    `db:"expires_at"`
}

// inviteTokenBytes is 128 random bits: unguessable, and short enough for a
// Telegram deep link (start parameters take at most 64 of [A-Za-z0-9_-]).
const inviteTokenBytes = 16

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateInvite makes a one-time invitation for a unit and role, valid for
// ttl, and returns its token (which is stored only as a hash).
func (db *DB) CreateInvite(ctx context.Context, inv Invite, createdBy int64, now time.Time) (string, error) {
	raw := make([]byte, inviteTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("invite token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	var by sql.NullInt64
	if createdBy != 0 {
		by = sql.NullInt64{Int64: createdBy, Valid: true}
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invites (token_hash, campaign_id, unit_code, role, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, hashToken(token), inv.Campaign, inv.Unit, string(inv.Role), by, now, inv.ExpiresAt); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
			VALUES ($1, $2, $3, 'invite.created', $4)`, by, inv.Campaign, inv.Unit, string(inv.Role))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create invite for %s: %w", inv.Unit, err)
	}
	return token, nil
}

// RedeemInvite gives the Telegram user's person (made on their first
// invite) a place: the invite's unit with its role, in its campaign (a
// place the person had there already takes the role), with a fresh
// session, and makes it their current place; the person keeps every other
// place. The invite is used up. Redeeming the same invite again by the same
// user is not an error, so a redelivered /start works.
func (db *DB) RedeemInvite(ctx context.Context, token string, user, chat int64, name string, now time.Time) (Redeemed, error) {
	// The usual case, a fresh invite for someone new, in one statement;
	// anything else (an unknown, used or expired token, this user's own
	// again, a person with places already) is told apart by the
	// transaction below.
	r := &redeemRequest{tokenHash: hashToken(token), now: now, external: strconv.FormatInt(user, 10), chat: chat, name: name, user: user}
	err := db.batchers().redeems.write(ctx, r)
	if err != nil && !taken(err) {
		// r is not read: a wait given up (ctx) leaves it to its batch.
		return Redeemed{}, fmt.Errorf("redeem invite: %w", err)
	}
	fresh := r.fresh
	if len(fresh) == 1 {
		fresh[0].Current, fresh[0].New = true, true
		return fresh[0], nil
	}
	return db.redeemAs(ctx, token, identity{channel: ChannelTelegram, external: strconv.FormatInt(user, 10),
		tgUser: sql.NullInt64{Int64: user, Valid: true}, chat: sql.NullInt64{Int64: chat, Valid: true}}, name, now)
}

// identity is a channel's identity redeeming an invite: a Telegram account
// (with the user and the private chat its contacts write to) or a WeCom
// member.
type identity struct {
	channel, external string
	tgUser, chat      sql.NullInt64
}

// redeemAs redeems an invite for a channel's identity in a transaction:
// the identity's person (made on their first invite) gets the invite's
// place. The same identity redeeming its invite again is not an error.
func (db *DB) redeemAs(ctx context.Context, token string, id identity, name string, now time.Time) (Redeemed, error) {
	r := Redeemed{SessionVersion: -1}
	err := db.Transact(ctx, func(tx *Tx) error {
		r = Redeemed{SessionVersion: -1}
		var row struct {
			Invite
			UsedAt sql.NullTime  `db:"used_at"`
			UsedBy sql.NullInt64 `db:"used_by"`
		}
		err := tx.GetContext(ctx, &row, `SELECT campaign_id, unit_code, role, expires_at, used_at, used_by
			FROM invites WHERE token_hash = $1 FOR UPDATE`, hashToken(token))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInviteUnknown
		}
		if err != nil {
			return err
		}
		r.Invite = row.Invite
		if row.UsedAt.Valid {
			var person int64
			if err := tx.GetContext(ctx, &person, `SELECT k.person_id FROM contacts k JOIN identities i ON i.person_id = k.person_id
				WHERE k.id = $1 AND i.channel = $2 AND i.external_id = $3`, row.UsedBy, id.channel, id.external); err == nil {
				r.ContactID, r.Person = row.UsedBy.Int64, person
				return nil
			}
			return ErrInviteUsed
		}
		if !now.Before(row.ExpiresAt) {
			return ErrInviteExpired
		}
		person, err := personFor(ctx, tx, id.channel, id.external, id.chat, name)
		if err != nil {
			return err
		}
		var c struct {
			ID      int64 `db:"id"`
			Existed bool  `db:"existed"`
		}
		if err := tx.GetContext(ctx, &c, `INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (campaign_id, unit_code, person_id)
			DO UPDATE SET role = EXCLUDED.role, telegram_user_id = COALESCE(EXCLUDED.telegram_user_id, contacts.telegram_user_id),
				chat_id = COALESCE(EXCLUDED.chat_id, contacts.chat_id),
				display_name = EXCLUDED.display_name, active = true, unreachable_at = NULL
			RETURNING id, xmax <> 0 AS existed`, r.Campaign, r.Unit, string(r.Role), id.tgUser, id.chat, name, person); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &r.SessionVersion, `INSERT INTO sessions (contact_id) VALUES ($1)
			ON CONFLICT (contact_id) DO UPDATE SET state = '{}', version = sessions.version + 1, updated_at = now()
			RETURNING version`, c.ID); err != nil {
			return err
		}
		var shared bool
		if err := tx.GetContext(ctx, &shared, `SELECT EXISTS (SELECT 1 FROM campaign_rosters WHERE campaign_id = $1 AND shared)`, r.Campaign); err != nil {
			return err
		}
		if shared {
			if r.Reached, err = grantRole(ctx, tx, c.ID, r.Campaign, r.Unit, person, r.Role); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, makeCurrent, c.ID); err != nil {
			return err
		}
		if id.chat.Valid {
			// The chat's menu is the widest of the person's places: set again.
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload) VALUES ($1, 'menu', '{}')`, c.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invites SET used_at = $2, used_by = $3 WHERE token_hash = $1`, hashToken(token), now, c.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
			VALUES ($1, $2, $3, 'invite.redeemed', $4)`, c.ID, r.Campaign, r.Unit, string(r.Role))
		r.ContactID, r.Person, r.Current = c.ID, person, true
		return err
	})
	if err != nil {
		return Redeemed{}, fmt.Errorf("redeem invite: %w", err)
	}
	return r, nil
}

// Redeemed is what redeeming an invite gave: the place (a contact of the
// invite's unit, with its role, now the person's current place), its
// person, and the version of its fresh, empty session (-1 when the session
// was not reset: the same user redeeming their invite again).
type Redeemed struct {
	ContactID int64 `db:"id"`
	Person    int64 `db:"person_id"`
	Invite
	SessionVersion int64 `db:"session_version"`
	Current        bool  `db:"-"` // the place is the person's current one
	New            bool  `db:"-"` // the person is new: this is their one place
	// Reached are the other campaigns where the same role gave the person
	// a place (those that share the roster and have the unit).
	Reached pq.StringArray `db:"reached"`
}

// redeemFreshInvite is RedeemInvite for an unused, unexpired invite opened
// by someone who is nobody yet: their person, Telegram identity, place
// (current from the start), fresh session, the invite used up and the
// audit entry, in one statement. It returns no row otherwise; two first
// invites of one new person at once make one of them fail on the identity's
// key, and that one goes the transaction's way.
const redeemFreshInvite = `WITH inv AS MATERIALIZED (
		SELECT token_hash, campaign_id, unit_code, role, expires_at FROM invites
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			AND NOT EXISTS (SELECT 1 FROM identities WHERE channel = 'telegram' AND external_id = $3)
		FOR UPDATE),
	ids AS MATERIALIZED (
		SELECT nextval(pg_get_serial_sequence('contacts', 'id')) AS cid FROM inv),
	np AS (
		INSERT INTO people (display_name, current_contact) SELECT $5, cid FROM ids RETURNING id),
	ni AS (
		INSERT INTO identities (channel, external_id, person_id, chat_id) SELECT 'telegram', $3, id, $4 FROM np),
	shared AS MATERIALIZED (
		SELECT 1 FROM inv JOIN campaign_rosters cr ON cr.campaign_id = inv.campaign_id AND cr.shared),
	r AS (
		-- A campaign that shares the roster: the role is the unit's, in
		-- every campaign that shares it and has the unit (fan).
		INSERT INTO unit_roles (unit_code, person_id, role, granted_in)
		SELECT inv.unit_code, np.id, inv.role, inv.campaign_id FROM inv, np WHERE EXISTS (SELECT 1 FROM shared)
		RETURNING id),
	c AS (
		INSERT INTO contacts (id, campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
		SELECT ids.cid, inv.campaign_id, inv.unit_code, inv.role, $6, $4, $5, np.id, (SELECT id FROM r) FROM inv, ids, np
		RETURNING id, campaign_id, unit_code, role, person_id),
	fan AS (
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
		SELECT cr.campaign_id, inv.unit_code, inv.role, $6, $4, $5, np.id, r.id
		FROM inv, np, r, campaign_rosters cr
		WHERE cr.shared AND cr.campaign_id <> inv.campaign_id
			-- a probe of units' key per campaign: a join let the generic
			-- plan read every unit of every campaign at each redemption
			AND (SELECT true FROM units u WHERE u.campaign_id = cr.campaign_id AND u.code = inv.unit_code)
		RETURNING id, campaign_id),
	fs AS (
		INSERT INTO sessions (contact_id) SELECT id FROM fan),
	m AS (
		-- A reviewer's chat gets its own command menu, and so does every
		-- chat where the menu button opens the desk (APP_URL).
		INSERT INTO outbox (contact_id, kind, payload) SELECT id, 'menu', '{}' FROM c WHERE role <> 'filler'
			OR EXISTS (SELECT 1 FROM settings WHERE name = 'menu_app_url' AND value <> '')),
	s AS (
		INSERT INTO sessions (contact_id) SELECT id FROM c RETURNING version),
	u AS (
		UPDATE invites SET used_at = $2, used_by = c.id FROM c WHERE invites.token_hash = $1),
	a AS (
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
		SELECT id, campaign_id, unit_code, 'invite.redeemed', role FROM c)
	SELECT c.id, c.person_id, c.campaign_id, c.unit_code, c.role, inv.expires_at, s.version AS session_version,
		COALESCE((SELECT array_agg(campaign_id ORDER BY campaign_id) FROM fan), '{}') AS reached
	FROM c, inv, s`

// redeemFreshInvites is redeemFreshInvite for several invites at once, each
// by someone else (redeemBatch): $1-$6 hold one element per invite, and
// every row is tagged with its invite's index (i) from the input to the
// result. People, places, sessions and rows are matched through the
// contact's id, drawn first (ids), which each person's current place is.
const redeemFreshInvites = `WITH x AS MATERIALIZED (
		SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bigint[], $5::text[], $6::bigint[])
			WITH ORDINALITY AS x(token_hash, now, external_id, chat_id, name, tg_user, i)),
	inv AS MATERIALIZED (
		SELECT x.i, x.now, x.external_id, x.chat_id, x.name, x.tg_user, v.token_hash, v.campaign_id, v.unit_code, v.role, v.expires_at
		FROM x JOIN invites v ON v.token_hash = x.token_hash
		WHERE v.used_at IS NULL AND v.expires_at > x.now
			AND NOT EXISTS (SELECT 1 FROM identities WHERE channel = 'telegram' AND external_id = x.external_id)
		FOR UPDATE OF v),
	ids AS MATERIALIZED (
		SELECT i, nextval(pg_get_serial_sequence('contacts', 'id')) AS cid FROM inv),
	np AS (
		INSERT INTO people (display_name, current_contact) SELECT inv.name, ids.cid FROM inv JOIN ids USING (i)
		RETURNING id, current_contact),
	pp AS MATERIALIZED (
		SELECT ids.i, ids.cid, np.id AS person FROM ids JOIN np ON np.current_contact = ids.cid),
	ni AS (
		INSERT INTO identities (channel, external_id, person_id, chat_id)
		SELECT 'telegram', inv.external_id, pp.person, inv.chat_id FROM inv JOIN pp USING (i)),
	r AS (
		INSERT INTO unit_roles (unit_code, person_id, role, granted_in)
		SELECT inv.unit_code, pp.person, inv.role, inv.campaign_id FROM inv JOIN pp USING (i)
		WHERE EXISTS (SELECT 1 FROM campaign_rosters cr WHERE cr.campaign_id = inv.campaign_id AND cr.shared)
		RETURNING id, person_id),
	c AS (
		INSERT INTO contacts (id, campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
		SELECT pp.cid, inv.campaign_id, inv.unit_code, inv.role, inv.tg_user, inv.chat_id, inv.name, pp.person, r.id
		FROM inv JOIN pp USING (i) LEFT JOIN r ON r.person_id = pp.person
		RETURNING id, campaign_id, unit_code, role, person_id),
	fan AS (
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
		SELECT cr.campaign_id, inv.unit_code, inv.role, inv.tg_user, inv.chat_id, inv.name, pp.person, r.id
		FROM inv JOIN pp USING (i) JOIN r ON r.person_id = pp.person, campaign_rosters cr
		WHERE cr.shared AND cr.campaign_id <> inv.campaign_id
			AND (SELECT true FROM units u WHERE u.campaign_id = cr.campaign_id AND u.code = inv.unit_code)
		RETURNING id, campaign_id, person_id),
	fs AS (
		INSERT INTO sessions (contact_id) SELECT id FROM fan),
	m AS (
		INSERT INTO outbox (contact_id, kind, payload) SELECT id, 'menu', '{}' FROM c WHERE role <> 'filler'
			OR EXISTS (SELECT 1 FROM settings WHERE name = 'menu_app_url' AND value <> '')),
	s AS (
		INSERT INTO sessions (contact_id) SELECT id FROM c RETURNING contact_id, version),
	u AS (
		UPDATE invites SET used_at = inv.now, used_by = pp.cid FROM inv JOIN pp USING (i) WHERE invites.token_hash = inv.token_hash),
	a AS (
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
		SELECT id, campaign_id, unit_code, 'invite.redeemed', role FROM c)
	SELECT pp.i, c.id, c.person_id, c.campaign_id, c.unit_code, c.role, inv.expires_at, s.version AS session_version,
		COALESCE((SELECT array_agg(f.campaign_id ORDER BY f.campaign_id) FROM fan f WHERE f.person_id = c.person_id), '{}') AS reached
	FROM c JOIN pp ON pp.cid = c.id JOIN inv USING (i) JOIN s ON s.contact_id = c.id`

// redeemRequest is one fresh redemption, as the batcher takes it; fresh is
// its result (no row: not a fresh invite for someone new).
type redeemRequest struct {
	tokenHash []byte
	now       time.Time
	external  string
	chat      int64
	name      string
	user      int64
	fresh     []Redeemed
}

// redeemAlone redeems one invite by redeemFreshInvite.
func (db *DB) redeemAlone(ctx context.Context, r *redeemRequest) error {
	return db.selectP(ctx, &r.fresh, redeemFreshInvite, r.tokenHash, r.now, r.external, r.chat, r.name, r.user)
}

// errSharedInBatch sends a batch of redemptions back to be made one by
// one: two of them are of one invite or by one person, which one
// statement cannot tell apart as the transactions of one by one do.
var errSharedInBatch = errors.New("two redemptions of one invite or by one person")

// redeemBatch redeems several invites by redeemFreshInvites.
func (db *DB) redeemBatch(ctx context.Context, rs []*redeemRequest) error {
	tokens, externals := map[string]bool{}, map[string]bool{}
	hashes, nows, exts, chats, names, users := make([][]byte, len(rs)), make([]string, len(rs)), make([]string, len(rs)),
		make([]int64, len(rs)), make([]string, len(rs)), make([]int64, len(rs))
	for i, r := range rs {
		if tokens[string(r.tokenHash)] || externals[r.external] {
			return errSharedInBatch
		}
		tokens[string(r.tokenHash)], externals[r.external] = true, true
		hashes[i], nows[i], exts[i], chats[i], names[i], users[i] = r.tokenHash, r.now.Format(time.RFC3339Nano), r.external, r.chat, r.name, r.user
	}
	var rows []struct {
		I int `db:"i"`
		Redeemed
	}
	if err := db.selectP(ctx, &rows, redeemFreshInvites, pq.ByteaArray(hashes), pq.Array(nows), pq.Array(exts),
		pq.Array(chats), pq.Array(names), pq.Array(users)); err != nil {
		return err
	}
	for _, r := range rs {
		r.fresh = nil
	}
	for _, row := range rows {
		if row.I < 1 || row.I > len(rs) {
			return fmt.Errorf("redeem invites: row of invite %d of %d", row.I, len(rs))
		}
		rs[row.I-1].fresh = append(rs[row.I-1].fresh, row.Redeemed)
	}
	return nil
}

// TelegramContact is the contact a Telegram account acts as.
type TelegramContact = dialogs.Contact

// Invites makes invitations for the dialog's /invite (dialogs.Inviter).
type Invites struct{ DB *DB }

func (i Invites) CreateInvite(ctx context.Context, campaign, unit string, role dialogs.Role, expires time.Time, by int64) (string, error) {
	return i.DB.CreateInvite(ctx, Invite{Campaign: campaign, Unit: unit, Role: role, ExpiresAt: expires}, by, time.Now())
}

// NoteGroup records a message that reached the bot in a group or channel,
// and reports whether the chat is to be told (once every interval, across
// replicas) that the bot works in private chats only.
func (db *DB) NoteGroup(ctx context.Context, chat int64, interval time.Duration) (bool, error) {
	var tell bool
	err := db.GetContext(ctx, &tell, `INSERT INTO group_notes AS g (chat_id) VALUES ($1)
		ON CONFLICT (chat_id) DO UPDATE SET messages = g.messages + 1,
			told_at = CASE WHEN g.told_at < now() - make_interval(secs => $2) THEN now() ELSE g.told_at END
		RETURNING told_at = now()`, chat, interval.Seconds())
	if err != nil {
		return false, fmt.Errorf("note group %d: %w", chat, err)
	}
	return tell, nil
}
