package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"tianbao/catalog"
	"tianbao/dialogs"
)

// ChannelWeCom is a WeCom (企业微信) member: identities.external_id is the
// member's UserID lower-cased, as WeCom compares UserIDs.
const ChannelWeCom = "wecom"

// WeComKey is a UserID as the database keeps it.
func WeComKey(userID string) string { return strings.ToLower(userID) }

// PersonOfWeCom is PersonOf a WeCom member.
func (db *DB) PersonOfWeCom(ctx context.Context, userID string) (*Person, error) {
	return db.PersonOf(ctx, ChannelWeCom, WeComKey(userID))
}

// RedeemInviteWeCom gives the WeCom member's person (made on their first
// invite) the invite's place, as RedeemInvite does for a Telegram account:
// the same invites, used once; the same member opening their invite again
// is not an error.
func (db *DB) RedeemInviteWeCom(ctx context.Context, token, userID, name string, now time.Time) (Redeemed, error) {
	return db.redeemAs(ctx, token, identity{channel: ChannelWeCom, external: WeComKey(userID)}, name, now)
}

// Enrolment is one line of a WeCom enrolment file: a member given a role in
// a unit.
type Enrolment struct {
	Unit   string
	Role   dialogs.Role
	UserID string
	Name   string
}

// Enrolled says what an enrolment did to one line.
type Enrolled struct {
	Enrolment
	ContactID int64
	Change    string // "added", "role" (another role in the unit before), "unchanged"
}

// EnrolWeCom gives each member of the list their place, as an invite
// redeemed in WeCom would: the member's person (made if new), a contact of
// the unit with the role (a place the person had there takes the role), a
// session, and where the campaign shares its roster the role registered
// for the unit, with its places in the other campaigns that share it. A new or changed place is told so through the outbox (kind
// welcome, Reply made by welcome for it). Every line is applied in one
// transaction: a list with a line that cannot be applied changes nothing.
func (db *DB) EnrolWeCom(ctx context.Context, campaignID string, list []Enrolment, welcome func(Enrolment) dialogs.Reply) ([]Enrolled, error) {
	var out []Enrolled
	err := db.Transact(ctx, func(tx *Tx) error {
		out = out[:0]
		var n []dialogs.Notification
		var shared bool
		if err := tx.GetContext(ctx, &shared, `SELECT EXISTS (SELECT 1 FROM campaign_rosters WHERE campaign_id = $1 AND shared)`, campaignID); err != nil {
			return err
		}
		for _, e := range list {
			person, err := personFor(ctx, tx, ChannelWeCom, WeComKey(e.UserID), sql.NullInt64{}, e.Name)
			if err != nil {
				return err
			}
			var prev struct {
				ID     int64  `db:"id"`
				Role   string `db:"role"`
				Active bool   `db:"active"`
			}
			err = tx.GetContext(ctx, &prev, `SELECT id, role, active FROM contacts WHERE campaign_id = $1 AND unit_code = $2 AND person_id = $3`,
				campaignID, e.Unit, person)
			switch {
			case err == nil && prev.Active && prev.Role == string(e.Role):
				out = append(out, Enrolled{Enrolment: e, ContactID: prev.ID, Change: "unchanged"})
				continue
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return err
			}
			change := "added"
			if err == nil && prev.Active {
				change = "role"
			}
			var id int64
			if err := tx.GetContext(ctx, &id, `INSERT INTO contacts (campaign_id, unit_code, role, display_name, person_id)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (campaign_id, unit_code, person_id)
				DO UPDATE SET role = EXCLUDED.role, display_name = EXCLUDED.display_name, active = true, unreachable_at = NULL
				RETURNING id`, campaignID, e.Unit, string(e.Role), e.Name, person); err != nil {
				return fmt.Errorf("%s in %s: %w", e.UserID, e.Unit, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (contact_id) VALUES ($1)
				ON CONFLICT (contact_id) DO UPDATE SET state = '{}', version = sessions.version + 1, updated_at = now()`, id); err != nil {
				return err
			}
			if shared {
				// As an invite to a campaign that shares its roster: the role
				// is the unit's, in every campaign that shares it.
				if _, err := grantRole(ctx, tx, id, campaignID, e.Unit, person, e.Role); err != nil {
					return err
				}
			}
			// The new place is where the person's typed text goes unless they
			// are somewhere already.
			if _, err := tx.ExecContext(ctx, `UPDATE people SET current_contact = $2 WHERE id = $1 AND (current_contact IS NULL
				OR NOT EXISTS (SELECT 1 FROM contacts WHERE id = people.current_contact AND active))`, person, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, campaign_id, unit_code, action, new_value)
				VALUES ($1, $2, $3, 'wecom.enrolled', $4)`, id, campaignID, e.Unit, string(e.Role)); err != nil {
				return err
			}
			if welcome != nil {
				n = append(n, dialogs.Notification{ContactID: id, Kind: "welcome", Reply: welcome(e)})
			}
			out = append(out, Enrolled{Enrolment: e, ContactID: id, Change: change})
		}
		return tx.Queue(ctx, n)
	})
	if err != nil {
		return nil, fmt.Errorf("enrol WeCom members in %s: %w", campaignID, err)
	}
	return out, nil
}

// LinkWeCom makes a WeCom member a way to a contact's person (the member's
// identity is the person's, taken from any person it was). Tests use it to
// give one person both channels.
func (db *DB) LinkWeCom(ctx context.Context, contact int64, userID string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO identities (channel, external_id, person_id)
		SELECT 'wecom', $2, person_id FROM contacts WHERE id = $1
		ON CONFLICT (channel, external_id) DO UPDATE SET person_id = EXCLUDED.person_id`, contact, WeComKey(userID))
	if err != nil {
		return fmt.Errorf("link contact %d to WeCom member %s: %w", contact, userID, err)
	}
	return nil
}

// wecomSessionBytes is the session cookie's randomness: 256 bits.
const wecomSessionBytes = 32

// CreateWeComSession opens a desk session for a member WeCom's web OAuth
// named, valid for ttl, and returns the cookie's value (stored only as a
// hash).
func (db *DB) CreateWeComSession(ctx context.Context, userID string, ttl time.Duration, now time.Time) (string, error) {
	raw := make([]byte, wecomSessionBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("wecom session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if _, err := db.ExecContext(ctx, `INSERT INTO wecom_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hashToken(token), WeComKey(userID), now, now.Add(ttl)); err != nil {
		return "", fmt.Errorf("wecom session: %w", err)
	}
	return token, nil
}

// WeComSession is the member a session cookie's value signs in, while the
// session lasts; ErrNotFound for an unknown or expired one.
func (db *DB) WeComSession(ctx context.Context, token string, now time.Time) (string, error) {
	if token == "" || len(token) > 128 {
		return "", ErrNotFound
	}
	var user string
	err := db.GetContext(ctx, &user, `SELECT user_id FROM wecom_sessions WHERE token_hash = $1 AND expires_at > $2`, hashToken(token), now)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("wecom session: %w", err)
	}
	return user, nil
}

// EndWeComSession ends a session (signing out).
func (db *DB) EndWeComSession(ctx context.Context, token string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM wecom_sessions WHERE token_hash = $1`, hashToken(token)); err != nil {
		return fmt.Errorf("end wecom session: %w", err)
	}
	return nil
}

// PruneWeCom forgets expired sessions, cards older than cardAge and
// members' sends older than an hour.
func (db *DB) PruneWeCom(ctx context.Context, now time.Time, cardAge time.Duration) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM wecom_sessions WHERE expires_at <= $1`, now); err != nil {
		return fmt.Errorf("prune wecom sessions: %w", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM wecom_cards WHERE created_at < now() - make_interval(secs => $1)`, cardAge.Seconds()); err != nil {
		return fmt.Errorf("prune wecom cards: %w", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM wecom_pacing WHERE cardinality(sends) = 0 OR sends[cardinality(sends)] < $1`, float64(now.Add(-time.Hour).Unix())); err != nil {
		return fmt.Errorf("prune wecom pacing: %w", err)
	}
	return nil
}

// BookWeComSend books n messages to a member at now if next (given the
// member's sends of the last hour) allows each of them now, and returns 0;
// else it books nothing and returns how long to wait. Replicas book under
// the member's row lock, so their sends together stay within WeCom's rates.
func (db *DB) BookWeComSend(ctx context.Context, userID string, n int, now time.Time, next func(recent []time.Time, now time.Time) time.Time) (time.Duration, error) {
	var wait time.Duration
	err := db.Transact(ctx, func(tx *Tx) error {
		wait = 0
		var sends pq.Float64Array
		if err := tx.QueryRowContext(ctx, `INSERT INTO wecom_pacing (user_id) VALUES ($1)
			ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id RETURNING sends`, WeComKey(userID)).Scan(&sends); err != nil {
			return err
		}
		times := make([]time.Time, len(sends))
		for i, s := range sends {
			times[i] = time.UnixMicro(int64(s * 1e6))
		}
		keep := []float64{}
		for i, t := range times {
			if now.Sub(t) < time.Hour {
				keep = append(keep, sends[i])
			}
		}
		for i := 0; i < n; i++ {
			if at := next(times, now); at.After(now) {
				wait = at.Sub(now)
				return nil
			}
			times = append(times, now)
			keep = append(keep, float64(now.UnixMicro())/1e6)
		}
		_, err := tx.ExecContext(ctx, `UPDATE wecom_pacing SET sends = $2 WHERE user_id = $1`, WeComKey(userID), pq.Array(keep))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("book a WeCom send to %s: %w", userID, err)
	}
	return wait, nil
}

// WeComCard is a button card as sent: its buttons whole, bound to their
// place, and whether its screen asks for a typed answer. Screen says it
// answers the member's own message (a notification's card is not the
// screen a typed number refers to).
type WeComCard struct {
	TaskID    string
	UserID    string
	ContactID int64
	Buttons   []dialogs.Button
	Typed     bool
	Screen    bool
	Created   time.Time // when it was kept (set by the database)
}

// SaveWeComCard keeps a card's buttons.
func (db *DB) SaveWeComCard(ctx context.Context, c WeComCard) error {
	b, err := json.Marshal(c.Buttons)
	if err != nil {
		return err
	}
	var contact sql.NullInt64
	if c.ContactID > 0 {
		contact = sql.NullInt64{Int64: c.ContactID, Valid: true}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO wecom_cards (task_id, user_id, contact_id, buttons, typed, screen)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.TaskID, WeComKey(c.UserID), contact, string(b), c.Typed, c.Screen); err != nil {
		return fmt.Errorf("save wecom card: %w", err)
	}
	return nil
}

type cardRow struct {
	TaskID  string        `db:"task_id"`
	UserID  string        `db:"user_id"`
	Contact sql.NullInt64 `db:"contact_id"`
	Buttons []byte        `db:"buttons"`
	Typed   bool          `db:"typed"`
	Screen  bool          `db:"screen"`
	Created time.Time     `db:"created_at"`
}

func (r cardRow) card() (*WeComCard, error) {
	c := &WeComCard{TaskID: r.TaskID, UserID: r.UserID, ContactID: r.Contact.Int64, Typed: r.Typed, Screen: r.Screen, Created: r.Created}
	if err := json.Unmarshal(r.Buttons, &c.Buttons); err != nil {
		return nil, fmt.Errorf("wecom card %s: %w", r.TaskID, err)
	}
	return c, nil
}

// WeComCardOf is a member's card by task ID (ErrNotFound: none, or another
// member's).
func (db *DB) WeComCardOf(ctx context.Context, userID, taskID string) (*WeComCard, error) {
	var r cardRow
	err := db.GetContext(ctx, &r, `SELECT task_id, user_id, contact_id, buttons, typed, screen, created_at FROM wecom_cards
		WHERE task_id = $1 AND user_id = $2`, taskID, WeComKey(userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("wecom card %s: %w", taskID, err)
	}
	return r.card()
}

// LatestWeComCard is the newest screen a member was sent: a reply to their
// own message with buttons or a question (ErrNotFound: none).
func (db *DB) LatestWeComCard(ctx context.Context, userID string) (*WeComCard, error) {
	var r cardRow
	err := db.GetContext(ctx, &r, `SELECT task_id, user_id, contact_id, buttons, typed, screen, created_at FROM wecom_cards
		WHERE user_id = $1 AND screen ORDER BY seq DESC LIMIT 1`, WeComKey(userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("latest wecom card: %w", err)
	}
	return r.card()
}

// wecomRoute selects the contacts reached through WeCom: no Telegram chat,
// and a person with a WeCom identity (u is that identity's UserID).
const wecomRoute = `JOIN LATERAL (SELECT external_id AS wecom_user FROM identities
		WHERE person_id = c.person_id AND channel = 'wecom' ORDER BY created_at DESC LIMIT 1) u ON true
	WHERE c.chat_id IS NULL`

// WeComMessage is a queued notification for a member.
type WeComMessage struct {
	OutboxMessage
	UserID string
}

// ClaimWeComOutbox takes up to limit due messages for contacts reached
// through WeCom and holds them for lease, as ClaimOutbox does for Telegram's
// (the same outbox, the same lease: a message goes out once across
// replicas, and a dead replica's are taken over).
func (db *DB) ClaimWeComOutbox(ctx context.Context, limit int, lease time.Duration) ([]WeComMessage, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Contact  int64  `db:"contact_id"`
		User     string `db:"wecom_user"`
		Kind     string `db:"kind"`
		Payload  []byte `db:"payload"`
		Attempts int    `db:"attempts"`
		Campaign string `db:"campaign_id"`
		Unit     string `db:"unit_code"`
		Role     string `db:"role"`
		Places   int    `db:"places"`
		Here     int    `db:"places_here"`
	}
	err := db.selectP(ctx, &rows, `WITH due AS (
			SELECT o.id, u.wecom_user FROM outbox o JOIN contacts c ON c.id = o.contact_id `+wecomRoute+`
				AND o.sent_at IS NULL AND o.next_attempt_at <= now() AND c.unreachable_at IS NULL
			ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED)
		UPDATE outbox o SET next_attempt_at = now() + make_interval(secs => $2)
		FROM due, contacts c WHERE o.id = due.id AND c.id = o.contact_id
		RETURNING o.id, o.contact_id, due.wecom_user, o.kind, o.payload, o.attempts, c.campaign_id, c.unit_code, c.role,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active) AS places,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active AND k.campaign_id = c.campaign_id) AS places_here`,
		limit, lease.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim wecom outbox: %w", err)
	}
	out := make([]WeComMessage, len(rows))
	for i, r := range rows {
		out[i] = WeComMessage{UserID: r.User, OutboxMessage: OutboxMessage{ID: r.ID, ContactID: r.Contact, Kind: r.Kind, Attempts: r.Attempts,
			Campaign: r.Campaign, Unit: r.Unit, Role: dialogs.Role(r.Role), Places: r.Places, PlacesHere: r.Here}}
		if r.Kind == MenuKind {
			continue
		}
		if err := json.Unmarshal(r.Payload, &out[i].Reply); err != nil {
			return nil, fmt.Errorf("outbox %d: %w", r.ID, err)
		}
	}
	return out, nil
}

// WeComOutboxNext says how long until ClaimWeComOutbox could take a
// message: until the earliest unsent one's next attempt for a contact
// WeCom reaches. ok is false when none is pending.
func (db *DB) WeComOutboxNext(ctx context.Context) (wait time.Duration, ok bool, err error) {
	return db.dueIn(ctx, "wecom outbox next", `SELECT extract(epoch FROM o.next_attempt_at - clock_timestamp())::float8
		FROM outbox o JOIN contacts c ON c.id = o.contact_id `+wecomRoute+`
			AND o.sent_at IS NULL AND c.unreachable_at IS NULL
		ORDER BY o.next_attempt_at LIMIT 1`)
}

// QueueReplies puts a turn's replies that could not go out at once (a
// member past WeCom's rate) in the outbox for the contact, not before at.
func (db *DB) QueueReplies(ctx context.Context, contact int64, replies []dialogs.Reply, at time.Time) error {
	for _, r := range replies {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO outbox (contact_id, kind, payload, next_attempt_at) VALUES ($1, 'reply', $2, $3)`,
			contact, string(b), at); err != nil {
			return fmt.Errorf("queue replies: %w", err)
		}
	}
	return nil
}

// MarkWeComUnreachable records that a member WeCom no longer reaches (they
// left the organisation, or the app's visible range) and, the first time
// only, tells the reviewers of each place's unit and of the unit above it,
// as MarkUnreachableAndTell does for a chat that blocked the bot. Every
// place of the member's person reached through WeCom is marked.
func (db *DB) MarkWeComUnreachable(ctx context.Context, userID string) error {
	return db.Transact(ctx, func(tx *Tx) error {
		var marked []struct {
			Campaign string `db:"campaign_id"`
			Unit     string `db:"unit_code"`
			Name     string `db:"display_name"`
			UnitName string `db:"name"`
		}
		err := tx.SelectContext(ctx, &marked, `UPDATE contacts k SET unreachable_at = now() FROM units u, identities i
			WHERE i.channel = 'wecom' AND i.external_id = $1 AND k.person_id = i.person_id AND k.active AND k.chat_id IS NULL
				AND k.unreachable_at IS NULL AND u.campaign_id = k.campaign_id AND u.code = k.unit_code
			RETURNING k.campaign_id, k.unit_code, k.display_name, u.name`, WeComKey(userID))
		if err != nil {
			return fmt.Errorf("mark WeCom member %s unreachable: %w", userID, err)
		}
		var n []dialogs.Notification
		for _, c := range marked {
			var reviewers []int64
			if err := tx.SelectContext(ctx, &reviewers, `SELECT k.id FROM contacts k JOIN units u ON u.campaign_id = k.campaign_id AND u.code = $2
				WHERE k.campaign_id = $1 AND k.active AND k.unreachable_at IS NULL AND k.role IN ('reviewer', 'admin')
					AND (k.unit_code = u.code OR k.unit_code = u.parent_code)`, c.Campaign, c.Unit); err != nil {
				return err
			}
			for _, r := range reviewers {
				n = append(n, dialogs.Notification{ContactID: r, Kind: "unreachable",
					Reply: dialogs.Reply{Text: fmt.Sprintf(catalog.WeCom.Unreachable, c.UnitName, c.Name)}})
			}
		}
		return tx.Queue(ctx, n)
	})
}

// FirstInput records an input handled without the engine (a card's next
// buttons) by its key, and reports whether it is new: a redelivered one is
// handled once.
func (db *DB) FirstInput(ctx context.Context, key string) (bool, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO processed_inputs (key, sent) VALUES ($1, true) ON CONFLICT (key) DO NOTHING`, key)
	if err != nil {
		return false, fmt.Errorf("input %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseReplies gives up the lease on an input's replies (sending them
// failed): a redelivery of the input may send them at once.
func (db *DB) ReleaseReplies(ctx context.Context, key string) error {
	if _, err := db.ExecContext(ctx, `UPDATE processed_inputs SET lease_until = now() WHERE key = $1 AND NOT sent`, key); err != nil {
		return fmt.Errorf("release replies of %s: %w", key, err)
	}
	return nil
}

// UnsentWeComReplies are an applied WeCom input's replies to send again.
type UnsentWeComReplies struct {
	Key            string
	Contact        int64
	UserID         string
	Campaign, Unit string
	Places, Here   int
	Replies        []dialogs.Reply
}

// ClaimUnsentWeComReplies is ClaimUnsentReplies for WeCom's inputs (keys
// wc: and wci:) of contacts reached through WeCom: what a process that died
// after committing a turn, or could not reach WeCom, did not send.
func (db *DB) ClaimUnsentWeComReplies(ctx context.Context, limit int) ([]UnsentWeComReplies, error) {
	var rows []struct {
		Key      string `db:"key"`
		Contact  int64  `db:"contact_id"`
		User     string `db:"wecom_user"`
		Campaign string `db:"campaign_id"`
		Unit     string `db:"unit_code"`
		Places   int    `db:"places"`
		Here     int    `db:"places_here"`
		Replies  []byte `db:"replies"`
	}
	err := db.SelectContext(ctx, &rows, `WITH due AS (
			SELECT p.key, u.wecom_user FROM processed_inputs p JOIN contacts c ON c.id = p.contact_id `+wecomRoute+`
				AND p.handled_at > now() - interval '1 hour' AND NOT p.sent AND p.lease_until < now()
				AND (p.key LIKE 'wc:%' OR p.key LIKE 'wci:%') AND c.unreachable_at IS NULL
			ORDER BY p.handled_at LIMIT $1 FOR UPDATE OF p SKIP LOCKED)
		UPDATE processed_inputs p SET lease_until = now() + make_interval(secs => $2)
		FROM due, contacts c WHERE p.key = due.key AND c.id = p.contact_id
		RETURNING p.key, p.contact_id, due.wecom_user, c.campaign_id, c.unit_code, p.replies,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active) AS places,
			(SELECT count(*) FROM contacts k WHERE k.person_id = c.person_id AND k.active AND k.campaign_id = c.campaign_id) AS places_here`,
		limit, ReplyLease.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim unsent WeCom replies: %w", err)
	}
	out := make([]UnsentWeComReplies, 0, len(rows))
	for _, r := range rows {
		u := UnsentWeComReplies{Key: r.Key, Contact: r.Contact, UserID: r.User, Campaign: r.Campaign, Unit: r.Unit, Places: r.Places, Here: r.Here}
		if err := json.Unmarshal(r.Replies, &u.Replies); err != nil {
			return nil, fmt.Errorf("replies of %s: %w", r.Key, err)
		}
		out = append(out, u)
	}
	return out, nil
}
