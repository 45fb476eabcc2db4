package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"tianbao/dialogs"
)

// Why an invite cannot be redeemed.
var (
	ErrInviteUnknown = errors.New("no such invite")
	ErrInviteUsed    = errors.New("invite already used")
	ErrInviteExpired = errors.New("invite expired")
)

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

// RedeemInvite makes the Telegram user a contact of the invite's unit with
// its role (or moves their existing contact of the campaign there), starts
// them on a fresh session, and uses the invite up. Redeeming the same invite
// again by the same user is not an error, so a redelivered /start works.
func (db *DB) RedeemInvite(ctx context.Context, token string, user, chat int64, name string, now time.Time) (Redeemed, error) {
	// The usual case, a fresh invite, in one statement; anything else (an
	// unknown, used or expired token, or this user's own again) is told
	// apart by the transaction below.
	var fresh []Redeemed
	if err := db.selectP(ctx, &fresh, redeemFreshInvite, hashToken(token), now, user, chat, name); err != nil {
		return Redeemed{}, fmt.Errorf("redeem invite: %w", err)
	}
	if len(fresh) == 1 {
		return fresh[0], nil
	}
	r := Redeemed{SessionVersion: -1}
	var id int64
	var inv Invite
	err := db.Transact(ctx, func(tx *Tx) error {
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
		inv = row.Invite
		if row.UsedAt.Valid {
			var owner sql.NullInt64
			if err := tx.GetContext(ctx, &owner, `SELECT telegram_user_id FROM contacts WHERE id = $1`, row.UsedBy); err == nil && owner.Int64 == user {
				id = row.UsedBy.Int64
				return nil
			}
			return ErrInviteUsed
		}
		if !now.Before(row.ExpiresAt) {
			return ErrInviteExpired
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (campaign_id, telegram_user_id) WHERE telegram_user_id IS NOT NULL
			DO UPDATE SET unit_code = EXCLUDED.unit_code, role = EXCLUDED.role, chat_id = EXCLUDED.chat_id,
				display_name = EXCLUDED.display_name, active = true, unreachable_at = NULL, created_at = now()
			RETURNING id`, inv.Campaign, inv.Unit, string(inv.Role), user, chat, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload) VALUES ($1, 'menu', '{}')`, id); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &r.SessionVersion, `INSERT INTO sessions (contact_id) VALUES ($1)
			ON CONFLICT (contact_id) DO UPDATE SET state = '{}', version = sessions.version + 1, updated_at = now()
			RETURNING version`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invites SET used_at = $2, used_by = $3 WHERE token_hash = $1`, hashToken(token), now, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
			VALUES ($1, $2, $3, 'invite.redeemed', $4)`, id, inv.Campaign, inv.Unit, string(inv.Role))
		return err
	})
	if err != nil {
		return Redeemed{}, fmt.Errorf("redeem invite: %w", err)
	}
	r.ContactID, r.Invite = id, inv
	return r, nil
}

// Redeemed is what redeeming an invite gave: the contact (of the invite's
// unit, with its role) and the version of its fresh, empty session (-1 when
// the session was not reset: the same user redeeming their invite again).
type Redeemed struct {
	ContactID int64 `db:"id"`
	Invite
	SessionVersion int64 `db:"session_version"`
}

// redeemFreshInvite is RedeemInvite for an unused, unexpired invite: the
// contact, its fresh session, the invite used up and the audit entry. It
// returns no row when the invite is not fresh.
const redeemFreshInvite = `WITH inv AS MATERIALIZED (
		SELECT token_hash, campaign_id, unit_code, role, expires_at FROM invites
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 FOR UPDATE),
	c AS (
		INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name)
		SELECT campaign_id, unit_code, role, $3, $4, $5 FROM inv
		ON CONFLICT (campaign_id, telegram_user_id) WHERE telegram_user_id IS NOT NULL
		DO UPDATE SET unit_code = EXCLUDED.unit_code, role = EXCLUDED.role, chat_id = EXCLUDED.chat_id,
			display_name = EXCLUDED.display_name, active = true, unreachable_at = NULL, created_at = now()
		RETURNING id, campaign_id, unit_code, role, xmax <> 0 AS existed),
	m AS (
		-- A reviewer's chat gets its own command menu; so does a chat whose
		-- contact had another role before (its menu is reset to this one),
		-- and every chat where the menu button opens the desk (APP_URL).
		INSERT INTO outbox (contact_id, kind, payload) SELECT id, 'menu', '{}' FROM c WHERE role <> 'filler' OR existed
			OR EXISTS (SELECT 1 FROM settings WHERE name = 'menu_app_url' AND value <> '')),
	s AS (
		INSERT INTO sessions (contact_id) SELECT id FROM c
		ON CONFLICT (contact_id) DO UPDATE SET state = '{}', version = sessions.version + 1, updated_at = now()
		RETURNING version),
	u AS (
		UPDATE invites SET used_at = $2, used_by = c.id FROM c WHERE invites.token_hash = $1),
	a AS (
		INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
		SELECT id, campaign_id, unit_code, 'invite.redeemed', role FROM c)
	SELECT c.id, c.campaign_id, c.unit_code, c.role, inv.expires_at, s.version AS session_version FROM c, inv, s`

// TelegramContact is the contact a Telegram account acts as.
type TelegramContact struct {
	ID       int64        `db:"id"`
	Campaign string       `db:"campaign_id"`
	Unit     string       `db:"unit_code"`
	Role     dialogs.Role `db:"role"`
}

// ContactOfTelegramUser returns the newest active contact of a Telegram
// account, or ErrNotFound.
func (db *DB) ContactOfTelegramUser(ctx context.Context, user int64) (*TelegramContact, error) {
	var c TelegramContact
	err := db.GetContext(ctx, &c, `SELECT id, campaign_id, unit_code, role FROM contacts
		WHERE telegram_user_id = $1 AND active ORDER BY created_at DESC LIMIT 1`, user)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("telegram user: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("telegram user: %w", err)
	}
	return &c, nil
}

// Invites makes invitations for the dialog's /invite (dialogs.Inviter).
type Invites struct{ DB *DB }

func (i Invites) CreateInvite(ctx context.Context, campaign, unit string, role dialogs.Role, expires time.Time, by int64) (string, error) {
	return i.DB.CreateInvite(ctx, Invite{Campaign: campaign, Unit: unit, Role: role, ExpiresAt: expires}, by, time.Now())
}
